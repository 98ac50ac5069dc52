"""The routing table: from a category and a place to the handler the district names."""

from dataclasses import dataclass

from django.db.models import Q

from tongxin.matters.choices import Level
from tongxin.triage.models import RoutingRule


@dataclass(frozen=True)
class Handler:
    """A suggested handler: a level of the grid chain, or a department."""

    level: str = ""
    department: object = None
    rule: RoutingRule = None

    @property
    def label(self):
        return self.department.name if self.department else Level(self.level).label


def category_chain(category):
    """Return the ids of the category and its ancestors, itself first (the tree is
    three deep; load it with ``select_related("parent__parent")`` to make this free)."""
    chain = []
    while category is not None:
        chain.append(category.pk)
        category = category.parent if category.parent_id else None
    return chain


def rules_at(district_id, place=None):
    """Return the district's rules that apply at ``place`` (all places when None): one query."""
    places = Q(place__isnull=True)
    if place is not None:
        places |= Q(place__code__in=[*place.ancestor_codes(), place.code])
    return list(RoutingRule.objects.filter(district_id=district_id).filter(places)
                .select_related("place", "department")
                .only("pk", "category_id", "level", "priority", "place__depth",
                      "department__name"))


def pick(rules, category):
    """Return the Handler of the most specific of ``rules`` for ``category``, or None.

    Most specific: the rule on the deepest category of the category's chain (the
    category itself before its parent), then the narrowest place (no place means the
    whole district), then the higher priority, then the newer rule."""
    if category is None:
        return None
    chain = category_chain(category)
    depth = {pk: len(chain) - n for n, pk in enumerate(chain)}
    matching = [r for r in rules if r.category_id in depth]
    if not matching:
        return None
    rule = max(matching, key=lambda r: (depth[r.category_id],
                                        r.place.depth if r.place_id else -1, r.priority, r.pk))
    return Handler(level=rule.level, department=rule.department, rule=rule)


def suggest_handler(category, place=None):
    """Return the handler the routing table names for ``category`` at ``place``, or None."""
    if category is None:
        return None
    return pick(rules_at(category.district_id, place), category)
