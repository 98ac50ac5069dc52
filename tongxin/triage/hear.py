"""What the staff's hear (听事) and recategorise forms show from smart triage."""

from tongxin.triage import routing, runtime


def suggestions_for(matter):
    """Return the context of "triage/_suggestions.html" for ``matter``: the top-3
    categories with their confidence and routed handler, and the handler the routing
    table names for the matter's current category and place."""
    items = runtime.suggest(matter.district_id, matter.title, matter.description)
    rules = routing.rules_at(matter.district_id, matter.place)
    return {
        "rows": [{"item": item, "handler": routing.pick(rules, item.category),
                  "current": item.category.pk == matter.category_id} for item in items],
        "handler": routing.pick(rules, matter.category),
    }
