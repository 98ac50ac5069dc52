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
from tongxin.kernel.paths import subtree_q
from tongxin.matters import rules
from tongxin.matters.choices import Kind, Level, Visibility
from tongxin.matters.models import Matter, MatterEvent
from tongxin.matters.notices import NoticeKind, short_title
from tongxin.matters.presenters import clause
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


def owners_of(matter, place_id):
    """Return who handles the matter where ``place_id`` owns it: the handlers at that
    place and, for a matter raised for the whole compound the compound owns, the grid
    workers of that compound (rules.hears_for_whole_compound)."""
    people = list(handlers_of(place_id))
    if (matter.owner_place_id == place_id and matter.owner_level == Level.COMPOUND
            and matter.place_code == matter.owner_code):
        people += Person.objects.filter(
            subtree_q(matter.owner_code, "roles__place__code", include_self=False),
            roles__role=Role.GRID_WORKER, is_active=True).distinct()
    return people


def _local(iso):
    if not iso:
        return ""
    return timezone.localtime(datetime.fromisoformat(iso)).strftime("%Y-%m-%d %H:%M")


def _reporters(matter):
    return [matter.reporter, *[s.person for s in matter.supports.select_related("person")]]


def _about(matter, payload, **params):
    """Return the params every notice of the loop carries: the matter's number and title,
    and, for a step, which step it was and where it left the matter."""
    owner = Place.objects.filter(pk=payload["owner_place"]).values_list("name", flat=True)
    return {"number": matter.number, "title": short_title(matter.title),
            "step": payload["action"], "owner": owner.first() or "", **params}


def _status(matter, payload, kind=NoticeKind.STATUS, **params):
    data = payload.get("data") or {}
    details = {"departments": "、".join(data.get("departments", [])),
               "date": data.get("deliberation_on", ""), "heard_as": data.get("kind", "")}
    notify(_reporters(matter), kind, subject=matter, status=payload["status"],
           **_about(matter, payload, **{k: v for k, v in details.items() if v}, **params))


def _assigned(matter, payload):
    notify(owners_of(matter, payload["owner_place"]), NoticeKind.ASSIGNED, subject=matter,
           **_about(matter, payload, due=_local(payload["due_at"])))


def _overdue(matter, payload):
    owner = Place.objects.get(pk=payload["owner_place"])
    supervisors = Person.objects.filter(
        roles__role__in=rules.HANDLER_ROLES, roles__place__code__in=owner.ancestor_codes(),
    ).distinct()
    notify([*owners_of(matter, owner.pk), *supervisors], NoticeKind.OVERDUE, subject=matter,
           **_about(matter, payload, due=_local(payload["data"]["due_at"])))


def _whistled(matter, payload):
    staff = Person.objects.filter(roles__organisation_id__in=payload["department_ids"],
                                  roles__role=Role.DEPARTMENT_STAFF).distinct()
    notify(staff, NoticeKind.WHISTLED, subject=matter,
           **_about(matter, payload, due=_local(payload["data"]["report_due_at"])))
    _status(matter, payload)


def _department_late(matter, payload):
    staff = Person.objects.filter(roles__organisation_id=payload["department_id"]).distinct()
    notify([*staff, *owners_of(matter, payload["owner_place"])], NoticeKind.DEPARTMENT_LATE,
           subject=matter, **_about(matter, payload, department=payload["data"]["department"],
                                    due=_local(payload["data"]["due_at"])))


def _triaged(matter, payload):
    _status(matter, payload)
    if payload["data"].get("kind") == Kind.ESCALATE:
        _assigned(matter, payload)


def _raised(matter, payload):
    notify([matter.reporter], NoticeKind.RAISED, subject=matter,
           **_about(matter, payload, due=_local(payload["due_at"])))
    _assigned(matter, payload)


def _sent_back(matter, payload):
    """A failed inspection or an unsatisfied rating: the owner's handlers, and whoever
    recorded the result, must put it right (整改)."""
    if payload["status"] != "rectifying":
        return
    resolution = matter.resolutions.order_by("-round").select_related("resolved_by").first()
    people = [*owners_of(matter, payload["owner_place"]),
              resolution.resolved_by if resolution else None]
    note = MatterEvent.objects.filter(pk=payload["event"]).values_list("note", flat=True)
    why = " ".join(str(note.first() or "").split())
    notify(people, NoticeKind.REWORK, subject=matter,
           **_about(matter, payload, due=_local(payload["due_at"]),
                    why=short_title(clause(why))))


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
