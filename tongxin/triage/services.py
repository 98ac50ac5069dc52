"""Every write of smart triage: routing rules, suggestions kept at raise, training requests.

Routing rules are changed only here, atomically, each change leaving a core Event.
``record_suggestion`` is called by the matter services when a matter is raised; it
never fails the raise.
"""

import logging
import time

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core.models import record_event
from tongxin.kernel.errors import PermissionDenied, ServiceError
from tongxin.matters.choices import Level
from tongxin.matters.models import Category
from tongxin.orgs.choices import OrgKind
from tongxin.places.choices import PlaceKind
from tongxin.triage import routing, runtime
from tongxin.triage.models import RoutingRule, Suggestion
from tongxin.triage.rules import may_edit_routing

logger = logging.getLogger(__name__)

RULE_PLACE_KINDS = (PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.COMPOUND, PlaceKind.GRID)
NOTES_MAX = 200


# --- the routing table -------------------------------------------------------------------------


def _check_rule(district, *, category, place, level, department, notes):
    if not isinstance(category, Category) or category.district_id != district.pk:
        raise ServiceError("bad_category", _("Choose a category of this district."))
    if place is not None and (place.kind not in RULE_PLACE_KINDS or not place.is_within(district)):
        raise ServiceError("bad_place", _("Choose a street, community, compound or grid of "
                                          "this district, or no place for the whole district."))
    if bool(level) == (department is not None):
        raise ServiceError("bad_handler", _("Name either a level or a department as the handler."))
    if level and level not in Level.values:
        raise ServiceError("bad_handler", _("Name either a level or a department as the handler."))
    if department is not None and (department.kind != OrgKind.DEPARTMENT
                                   or not department.place.is_within(district)):
        raise ServiceError("bad_department", _("%(name)s is not a department of this district.")
                           % {"name": department.name})
    if len(notes) > NOTES_MAX:
        raise ServiceError("notes_too_long", _("The notes may be at most %(max)d characters.")
                           % {"max": NOTES_MAX})


def _refuse_duplicate(district, category, place, exclude=None):
    twins = RoutingRule.objects.filter(district=district, category=category, place=place)
    if exclude is not None:
        twins = twins.exclude(pk=exclude.pk)
    if twins.exists():
        raise ServiceError("duplicate_rule", _("There is already a rule for this category "
                                               "and place: change that one."))


def _guard(by, district):
    if not may_edit_routing(by, district):
        raise PermissionDenied("not_allowed", _("You may not change this district's routing table."))


def _describe(rule):
    return {"category": rule.category_id, "within": rule.place.code if rule.place_id else None,
            "level": rule.level, "department": rule.department_id, "priority": rule.priority,
            "notes": rule.notes}


@transaction.atomic
def create_rule(*, by, district, category, place=None, level="", department=None, priority=0,
                notes=""):
    """Add a rule: matters of ``category`` (and below), optionally only under ``place``,
    go to ``level`` or to ``department``."""
    _guard(by, district)
    notes = (notes or "").strip()
    _check_rule(district, category=category, place=place, level=level, department=department,
                notes=notes)
    _refuse_duplicate(district, category, place)
    rule = RoutingRule.objects.create(
        district=district, category=category, place=place, level=level or "",
        department=department, priority=int(priority or 0), notes=notes)
    record_event("triage.rule_created", rule, actor=by, place=district, **_describe(rule))
    return rule


@transaction.atomic
def update_rule(rule, *, by, category, place=None, level="", department=None, priority=0,
                notes=""):
    """Change a rule; the event keeps what it was before."""
    rule = RoutingRule.objects.select_for_update().select_related("district").get(pk=rule.pk)
    _guard(by, rule.district)
    notes = (notes or "").strip()
    _check_rule(rule.district, category=category, place=place, level=level,
                department=department, notes=notes)
    _refuse_duplicate(rule.district, category, place, exclude=rule)
    before = _describe(rule)
    rule.category, rule.place, rule.level, rule.department = category, place, level or "", department
    rule.priority, rule.notes, rule.updated_at = int(priority or 0), notes, timezone.now()
    rule.save(update_fields=["category", "place", "level", "department", "priority", "notes",
                             "updated_at"])
    record_event("triage.rule_updated", rule, actor=by, place=rule.district, before=before,
                 after=_describe(rule))
    return rule


@transaction.atomic
def delete_rule(rule, *, by):
    rule = RoutingRule.objects.select_for_update().select_related("district").get(pk=rule.pk)
    _guard(by, rule.district)
    record_event("triage.rule_deleted", rule, actor=by, place=rule.district, **_describe(rule))
    rule.delete()


# --- suggestions kept when a matter is raised --------------------------------------------------------


def suggest_for_raised(event):
    """Subscriber to "matters.raised": suggest categories for the new matter."""
    if event.subject is not None:
        record_suggestion(event.subject)


def record_suggestion(matter):
    """Keep the top-3 categories and the routed handler for a newly raised matter.

    Called after the raise commits (``suggest_for_raised``, a kernel event subscriber);
    a failure here is logged and rolled back, never passed on: a suggestion must not
    stop anyone from raising."""
    started = time.perf_counter()
    try:
        with transaction.atomic():
            # wait=False: a process that has not loaded the model yet starts loading it
            # in the background and keeps an empty suggestion, rather than make the
            # resident wait a second or more.
            model_pk, suggested = runtime.suggest_with_model(
                matter.district_id, matter.title, matter.description, wait=False)
            rules = routing.rules_at(matter.district_id, matter.place)
            handler = routing.pick(rules, matter.category)
            items = []
            for item in suggested:
                routed = routing.pick(rules, item.category)
                items.append({
                    "category": item.category.pk, "kind": item.kind.pk,
                    "confidence": round(item.confidence, 4),
                    "level": routed.level if routed else "",
                    "department": routed.department.pk if routed and routed.department else None,
                })
            return Suggestion.objects.create(
                matter=matter, model_id=model_pk, categories=items,
                handler_level=handler.level if handler else "",
                handler_department=handler.department if handler else None,
                rule=handler.rule if handler else None,
                milliseconds=round(1000 * (time.perf_counter() - started), 2),
            )
    except Exception:
        logger.exception("could not keep the triage suggestion of matter %s", matter.pk)
        return None


# --- training on request -------------------------------------------------------------------------


def request_retraining(*, by, district):
    """Queue a retraining of the district's suggester (the page's "retrain now")."""
    from tongxin.triage.tasks import train_triage_task

    _guard(by, district)
    record_event("triage.training_requested", district, actor=by, place=district)
    transaction.on_commit(lambda: train_triage_task.enqueue(district.pk, reason="requested",
                                                            by_id=by.pk))
