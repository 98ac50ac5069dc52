"""What the matter loop publishes, and how it reacts to its own events.

Every step a service takes writes one timeline entry (MatterEvent) and publishes the
kernel event ``"matters.<action>"`` about the matter, in the same transaction::

    payload = {"event": MatterEvent pk, "action": action, "by": person pk or None,
               "at": ISO time, "visibility": "public" | "internal", "status": status after,
               "due_at": ISO time or None, "owner_place": place pk, "owner_level": level,
               "satisfaction": rating or "", "data": the entry's data}

The state the step left (status, owner, due time, rating) is in the payload, so a
subscriber that runs late (the sweep) tells of the step as it was, not as it is now.

plus a few keys some steps add for their subscribers (``department_ids``). Whoever must
hear of a step is told by ``send_notices`` below, a subscriber that runs after commit;
webhooks, the category suggestion and, later, points and ledgers subscribe the same way
in their own manifests. A service never calls them.
"""

from datetime import datetime

from django.utils import timezone

from tongxin.kernel import events
from tongxin.matters import rules
from tongxin.matters.choices import Kind, Visibility
from tongxin.matters.models import Matter, MatterEvent
from tongxin.matters.notices import NoticeKind
from tongxin.notices.services import notify
from tongxin.people.choices import Role
from tongxin.people.models import Person
from tongxin.places.models import Place


def _iso(dt):
    return dt.isoformat() if dt else None


def record(matter, action, *, by, before=None, note="", visibility=Visibility.PUBLIC,
           payload=None, **data):
    """Append ``action`` to the matter's timeline and publish it; call inside the service's
    transaction. ``before`` is the status before a step that moves it."""
    event = MatterEvent.objects.create(
        matter=matter, action=action, actor=by if getattr(by, "pk", None) else None,
        from_status=before or "", to_status=matter.status if before else "",
        note=note, visibility=visibility, data=data,
    )
    events.publish(
        f"matters.{action}", matter, event=event.pk, action=action, by=event.actor_id,
        at=event.at.isoformat(), visibility=str(visibility), status=str(matter.status),
        due_at=_iso(matter.due_at), owner_place=matter.owner_place_id,
        owner_level=str(matter.owner_level), satisfaction=str(matter.satisfaction or ""),
        data=data,
        **(payload or {}),
    )
    return event


def record_step(matter, transition, *, by, before, **data):
    """The matter workflow's recorder: one timeline entry per step (kernel.workflow)."""
    return record(matter, transition.event, by=by,
                  before=before if transition.target is not None else None, **data)


def record_whistle_step(whistle, transition, *, by, before, **data):
    """The whistle workflow's recorder: a department's steps go on the matter's timeline.
    Whistling again is recorded once, as the matter's own "whistled" entry."""
    if transition.action == "rewhistle":
        return None
    return record(whistle.matter, transition.event, by=by, **data)


# --- who hears of what ---------------------------------------------------------------------


def handlers_of(place_id):
    """Return the people holding a handling role exactly at a place (to notify them)."""
    return Person.objects.filter(
        roles__place_id=place_id, roles__role__in=rules.HANDLER_ROLES, is_active=True
    ).distinct()


def _local(iso):
    if not iso:
        return ""
    return timezone.localtime(datetime.fromisoformat(iso)).strftime("%Y-%m-%d %H:%M")


def _reporters(matter):
    return [matter.reporter, *[s.person for s in matter.supports.select_related("person")]]


def _status(matter, payload, kind=NoticeKind.STATUS, **params):
    notify(_reporters(matter), kind, subject=matter, number=matter.number,
           status=payload["status"], **params)


def _assigned(matter, payload):
    notify(handlers_of(payload["owner_place"]), NoticeKind.ASSIGNED, subject=matter,
           number=matter.number, due=_local(payload["due_at"]))


def _overdue(matter, payload):
    owner = Place.objects.get(pk=payload["owner_place"])
    supervisors = Person.objects.filter(
        roles__role__in=rules.HANDLER_ROLES, roles__place__code__in=owner.ancestor_codes(),
    ).distinct()
    notify([*handlers_of(owner.pk), *supervisors], NoticeKind.OVERDUE, subject=matter,
           number=matter.number, due=_local(payload["data"]["due_at"]))


def _whistled(matter, payload):
    staff = Person.objects.filter(roles__organisation_id__in=payload["department_ids"],
                                  roles__role=Role.DEPARTMENT_STAFF).distinct()
    notify(staff, NoticeKind.WHISTLED, subject=matter, number=matter.number,
           due=_local(payload["data"]["report_due_at"]))
    _status(matter, payload)


def _department_late(matter, payload):
    staff = Person.objects.filter(roles__organisation_id=payload["department_id"]).distinct()
    notify([*staff, *handlers_of(payload["owner_place"])], NoticeKind.DEPARTMENT_LATE,
           subject=matter, number=matter.number, department=payload["data"]["department"],
           due=_local(payload["data"]["due_at"]))


def _triaged(matter, payload):
    _status(matter, payload)
    if payload["data"].get("kind") == Kind.ESCALATE:
        _assigned(matter, payload)


def _raised(matter, payload):
    notify([matter.reporter], NoticeKind.RAISED, subject=matter, number=matter.number,
           due=_local(payload["due_at"]))
    _assigned(matter, payload)


def _sent_back(matter, payload):
    if payload["status"] == "rectifying":  # an unsatisfied rating or a failed inspection
        _assigned(matter, payload)


REACTIONS = {
    "raised": _raised,
    "triaged": _triaged,
    "rejected": _status,
    "escalated": lambda m, p: (_assigned(m, p), _status(m, p)),
    "parked": _status,
    "whistled": _whistled,
    "resolved": lambda m, p: _status(m, p, NoticeKind.RESOLVED),
    "inspection_failed": _sent_back,
    "rated": _sent_back,
    "closed": _status,
    "closed_unsolved": _status,
    "reopened": _assigned,
    "merged": _status,
    "overdue": _overdue,
    "department_late": _department_late,
}


def send_notices(event):
    """Tell the people concerned of a step of the matter loop (a subscriber, after commit)."""
    reaction = REACTIONS.get(event.payload["action"])
    if reaction is None:
        return
    matter = event.subject if isinstance(event.subject, Matter) else None
    if matter is not None:
        reaction(matter, event.payload)
