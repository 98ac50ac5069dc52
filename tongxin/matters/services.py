"""Every change to a matter. Each function is atomic, locks the matter, checks the
transition table and the actor, writes what changed with ``update_fields``, appends an
event to the timeline, and queues notices that go out when the transaction commits."""

import re
import unicodedata

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core.errors import PermissionDenied, ServiceError
from tongxin.deadlines import policy
from tongxin.deadlines.choices import Stage
from tongxin.matters import rules
from tongxin.matters.choices import (
    ACTIVE_STATUSES,
    LEVEL_ORDER,
    Channel,
    Kind,
    Level,
    RejectReason,
    Satisfaction,
    Status,
    Visibility,
    WhistleStatus,
)
from tongxin.matters.models import (
    Category,
    Inspection,
    Matter,
    MatterEvent,
    Rating,
    Resolution,
    Support,
    Whistle,
)
from tongxin.matters.transitions import TRANSITIONS
from tongxin.notices.choices import NoticeKind
from tongxin.notices.services import notify
from tongxin.people.choices import Role
from tongxin.people.models import Person
from tongxin.people.scope import scope_for
from tongxin.places.choices import PlaceKind
from tongxin.places.models import Place
from tongxin.webhooks.services import matter_event_happened

TITLE_MAX = 100
DESCRIPTION_MAX = 5000
RESIDENT_CHANNELS = {Channel.ONLINE, Channel.WECHAT_GROUP}
# Zero-width characters and direction marks, the bidirectional embeddings, overrides and
# isolates (U+202A-E, U+2066-9) that make a title read backwards on the board, control
# characters but tab and newlines (PostgreSQL refuses NUL), and lone surrogates (not UTF-8).
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff"
                        "\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class TransitionError(ServiceError):
    """The action is not allowed for this matter now, or not for this person."""


# --- helpers -----------------------------------------------------------------------------


def clean_text(value, *, field, max_length, required=True):
    """Strip invisible characters and outer space; refuse empty or overlong text."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", str(value or ""))).strip()
    if required and not text:
        raise ServiceError(f"{field}_required", _("Please fill in the %(field)s.")
                           % {"field": FIELD_NAMES[field]()})
    if len(text) > max_length:
        raise ServiceError(
            f"{field}_too_long",
            _("The %(field)s may be at most %(max)d characters (it has %(n)d).")
            % {"field": FIELD_NAMES[field](), "max": max_length, "n": len(text)},
        )
    return text


FIELD_NAMES = {
    "title": lambda: _("title"),
    "description": lambda: _("description"),
    "note": lambda: _("note"),
    "what_was_done": lambda: _("what was done"),
    "basis": lambda: _("basis"),
    "standard": lambda: _("standard"),
    "answer": lambda: _("answer"),
    "reason": lambda: _("reason"),
    "comment": lambda: _("comment"),
}


# Which input field each error code above is about, so a form or an API client can
# show the message beside that field (the rest concern the request as a whole).
ERROR_FIELDS = {
    "title_required": "title",
    "title_too_long": "title",
    "description_required": "description",
    "description_too_long": "description",
    "bad_category": "category",
    "place_required": "place",
    "place_not_allowed": "place",
    "place_too_wide": "place",
    "no_owner": "place",
    "photo_too_big": "photos",
    "not_an_image": "photos",
    "too_many_photos": "photos",
    "comment_required": "comment",
    "comment_too_long": "comment",
    "reason_required": "reason",
    "reason_too_long": "reason",
    "note_required": "note",
    "note_too_long": "note",
    "bad_level": "level",
    "what_was_done_required": "what_was_done",
    "what_was_done_too_long": "what_was_done",
    "basis_required": "basis",
    "basis_too_long": "basis",
    "standard_required": "standard",
    "standard_too_long": "standard",
    "answer_required": "answer",
    "answer_too_long": "answer",
    "no_departments": "departments",
    "bad_department": "departments",
    "date_past": "date",
    "bad_target": "into",
    "merge_self": "into",
    "bad_phone": "contact_phone",
    "bad_place": "place",
}


def _lock(matter):
    return Matter.objects.select_for_update().get(pk=matter.pk)


def guard(matter, action, user):
    """Raise TransitionError unless ``user`` may take ``action`` on ``matter`` now."""
    transition = TRANSITIONS[action]
    if matter.status not in transition.sources:
        raise TransitionError(
            "not_now",
            _("“%(action)s” is not possible while the matter is “%(status)s”.")
            % {"action": transition.label, "status": Status(matter.status).label},
        )
    if user is not None and not rules.ACTORS[transition.actor](user, matter):
        raise PermissionDenied(
            "not_allowed", _("You may not “%(action)s” on this matter.")
            % {"action": transition.label},
        )
    return transition


def allowed_actions(matter, user):
    """Return the actions ``user`` may take on ``matter`` now (for buttons and the API)."""
    return [
        action for action, t in TRANSITIONS.items()
        if matter.status in t.sources and rules.ACTORS[t.actor](user, matter)
    ]


def _event(matter, action, *, by, before=None, note="", visibility=Visibility.PUBLIC, **data):
    event = MatterEvent.objects.create(
        matter=matter, action=action, actor=by if getattr(by, "pk", None) else None,
        from_status=before or "", to_status=matter.status if before else "",
        note=note, visibility=visibility, data=data,
    )
    matter_event_happened(event)
    return event


def _save(matter, *fields):
    matter.save(update_fields=[*fields])


def district_of(place):
    return Place.objects.filter(
        code__in=[*place.ancestor_codes(), place.code], kind=PlaceKind.DISTRICT
    ).get()


def owner_for(place, level):
    """Return the place of ``level`` that owns matters at ``place`` (itself or an ancestor)."""
    candidates = Place.objects.filter(
        code__in=[*place.ancestor_codes(), place.code], kind=level
    ).order_by("-depth")
    owner = candidates.first()
    if owner is None:
        raise ServiceError("no_owner", _("No %(level)s is responsible for %(place)s.")
                           % {"level": Level(level).label, "place": place.name})
    return owner


def handlers_of(place):
    """Return the people holding a handling role exactly at ``place`` (to notify them)."""
    return Person.objects.filter(
        roles__place=place, roles__role__in=rules.HANDLER_ROLES, is_active=True
    ).distinct()


def _set_deadline(matter, stage, *, start=None):
    matter.stage = stage
    matter.due_at = policy.deadline(
        district=matter.district, stage=stage, start=start, kind=matter.kind,
        level=matter.owner_level, category=matter.category, emergency=matter.emergency,
    )
    matter.overdue_notified_at = None


def _move_owner(matter, level):
    matter.owner_level = level
    matter.owner_place = owner_for(matter.place, level)
    matter.owner_code = matter.owner_place.code


def _notify_reporter(matter, kind=NoticeKind.STATUS, **params):
    people = [matter.reporter, *[s.person for s in matter.supports.select_related("person")]]
    notify(people, kind, matter=matter, number=matter.number, status=matter.status, **params)


def _local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M") if dt else ""


# --- raise (说事) and "me too" -----------------------------------------------------------------


def may_raise_at(user, place):
    """A resident raises in their own compound; staff wherever they see matters."""
    scope = scope_for(user)
    if scope.everything:
        return True
    if any(role in rules.RECORDER_ROLES and place.code.startswith(root)
           for role, root in scope.role_places):
        return True
    if user.household_id:
        compound = owner_for(user.household, PlaceKind.COMPOUND)
        return place.code.startswith(compound.code)
    return False


def raise_matter(*, by, title, description, category, place=None, reporter=None,
                 channel=Channel.ONLINE, level=Level.GRID, publish_consent=False,
                 contact_name="", contact_phone="", emergency=False, photos=(),
                 idempotency_key=None):
    """Record a matter (说事), by the resident or by staff on their behalf.

    A repeated submission with the same idempotency key returns the first matter,
    so a double tap or a retried request never files twice.
    """
    key = (idempotency_key or "").strip()[:64] or None
    if key:
        existing = Matter.objects.filter(created_by=by, idempotency_key=key).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            return _raise(by=by, title=title, description=description, category=category,
                          place=place, reporter=reporter, channel=channel, level=level,
                          publish_consent=publish_consent, contact_name=contact_name,
                          contact_phone=contact_phone, emergency=emergency, photos=photos,
                          key=key)
    except IntegrityError:
        # Two identical submissions raced; the other one won and holds the key.
        existing = Matter.objects.filter(created_by=by, idempotency_key=key).first() if key else None
        if existing is None:
            raise
        return existing


def _raise(*, by, title, description, category, place, reporter, channel, level,
           publish_consent, contact_name, contact_phone, emergency, photos, key):
    from tongxin.matters.photos import attach_photos
    from tongxin.people.validators import normalise_phone

    title = clean_text(title, field="title", max_length=TITLE_MAX)
    description = clean_text(description, field="description", max_length=DESCRIPTION_MAX)
    staff = rules.can_record_for_others(by)
    if place is None:
        if by.household_id is None:
            raise ServiceError("place_required", _("Please choose where the matter is."))
        place = by.household.parent  # the building
    if not may_raise_at(by, place):
        raise PermissionDenied("place_not_allowed",
                               _("You cannot raise a matter for that place."))
    if place.kind in (PlaceKind.DISTRICT, PlaceKind.STREET, PlaceKind.PROVINCE, PlaceKind.CITY):
        raise ServiceError("place_too_wide", _("Choose a community, compound or building."))
    district = district_of(place)
    if not isinstance(category, Category) or category.district_id != district.pk or not category.is_active:
        raise ServiceError("bad_category", _("Choose a category of this district."))
    if staff:
        # Staff name the channel. With nobody named, staff who live here raise it as
        # residents themselves; otherwise it is a caller recorded without a reporter.
        channel = Channel(channel)
        if reporter is None and not contact_name and by.household_id:
            reporter = by
    else:
        if channel not in RESIDENT_CHANNELS:
            channel = Channel.ONLINE
        reporter, level = by, Level.GRID
    level = Level(level)
    if level not in (Level.GRID, Level.COMPOUND, Level.COMMUNITY):
        raise ServiceError("bad_level", _("Matters are raised at grid, compound or community level."))
    if place.kind in (PlaceKind.COMMUNITY,) and level != Level.COMMUNITY:
        level = Level.COMMUNITY
    if place.kind == PlaceKind.COMPOUND and level == Level.GRID:
        level = Level.COMPOUND
    contact_phone = normalise_phone(contact_phone) if contact_phone else ""
    owner = owner_for(place, level)
    matter = Matter(
        district=district, place=place, place_code=place.code, title=title,
        description=description, category=category, reporter=reporter,
        contact_name=clean_text(contact_name, field="note", max_length=64, required=False),
        contact_phone=contact_phone, created_by=by, channel=channel, raised_level=level,
        publish_consent=bool(publish_consent), idempotency_key=key, emergency=bool(emergency),
        owner_level=level, owner_place=owner, owner_code=owner.code, status=Status.NEW,
    )
    _set_deadline(matter, Stage.HEAR, start=timezone.now())
    matter.save()
    event = _event(matter, "raised", by=by, channel=channel, level=level,
                   on_behalf=bool(staff and reporter != by))
    attach_photos(matter, photos, by=by, event=event)
    # Smart triage keeps its top-3 categories and the routed handler; it never fails a raise.
    from tongxin.triage.services import record_suggestion

    record_suggestion(matter)
    notify([matter.reporter], NoticeKind.RAISED, matter=matter, number=matter.number,
           due=_local(matter.due_at))
    notify(handlers_of(owner), NoticeKind.ASSIGNED, matter=matter, number=matter.number,
           due=_local(matter.due_at))
    return matter


def similar_open_matters(*, place, text, exclude=None, limit=5):
    """Return open matters in the same compound that read like ``text`` (for "me too")."""
    from tongxin.matters.similar import rank_similar

    compound = owner_for(place, PlaceKind.COMPOUND) if place.kind not in (
        PlaceKind.COMMUNITY,) else place
    candidates = Matter.objects.open().filter(place_code__startswith=compound.code).exclude(
        status=Status.MERGED
    )
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude.pk)
    return rank_similar(text, candidates.only("pk", "title", "description", "status",
                                               "created_at", "supporter_count")[:500], limit)


@transaction.atomic
def support(matter, *, by):
    """Add ``by``'s "me too" to an open matter in their compound; a second time changes nothing."""
    matter = _lock(matter)
    if matter.status not in {Status.NEW, Status.IN_PROGRESS, Status.AWAITING_DELIBERATION,
                             Status.WHISTLED, Status.RECTIFYING}:
        raise TransitionError("not_now", _("This matter is no longer open for support."))
    if matter.reporter_id == by.pk:
        raise ServiceError("own_matter", _("You raised this matter yourself."))
    if not may_raise_at(by, matter.place):
        raise PermissionDenied("place_not_allowed", _("You can support matters in your own compound."))
    _support, created = Support.objects.get_or_create(matter=matter, person=by)
    if created:
        Matter.objects.filter(pk=matter.pk).update(supporter_count=F("supporter_count") + 1)
        matter.refresh_from_db(fields=["supporter_count"])
        _event(matter, "supported", by=by, visibility=Visibility.INTERNAL)
    return matter


# --- hear (听事) ----------------------------------------------------------------------------------


@transaction.atomic
def triage(matter, *, by, kind, category=None, emergency=None, golden_reason="", note=""):
    """Classify a new matter: handle now, needs deliberation or coordination, or escalate."""
    matter = _lock(matter)
    guard(matter, "triage", by)
    kind = Kind(kind)
    before = matter.status
    if category is not None and category.pk != matter.category_id:
        _recategorise(matter, category, by=by)
    if emergency is not None:
        matter.emergency = bool(emergency)
    matter.kind = kind
    matter.status = Status.IN_PROGRESS
    matter.heard_at = timezone.now()
    if kind == Kind.ESCALATE:
        _move_owner(matter, _next_level(matter.owner_level))
        matter.escalation_count += 1
    _set_deadline(matter, Stage.HANDLE)
    _save(matter, "kind", "status", "heard_at", "emergency", "owner_level", "owner_place",
          "owner_code", "escalation_count", "stage", "due_at", "overdue_notified_at")
    _event(matter, "triaged", by=by, before=before, note=clean_text(
        note, field="note", max_length=2000, required=False), kind=kind,
        owner_level=matter.owner_level, due_at=matter.due_at.isoformat())
    # Optional: blank (or only invisible characters) means "not a golden idea"; one
    # already flagged is not flagged (and paid) twice.
    golden_reason = clean_text(golden_reason, field="reason", max_length=200, required=False)
    if golden_reason and not matter.golden_idea:
        _flag_golden(matter, by=by, reason=golden_reason)
    _notify_reporter(matter)
    if kind == Kind.ESCALATE:
        notify(handlers_of(matter.owner_place), NoticeKind.ASSIGNED, matter=matter,
               number=matter.number, due=_local(matter.due_at))
    return matter


@transaction.atomic
def reject(matter, *, by, reason, note=""):
    """Do not accept a matter (not a governance matter, a duplicate …), saying why."""
    matter = _lock(matter)
    guard(matter, "reject", by)
    reason = RejectReason(reason)
    before = matter.status
    matter.status, matter.reject_reason = Status.REJECTED, reason
    matter.closed_at, matter.due_at, matter.stage = timezone.now(), None, ""
    _save(matter, "status", "reject_reason", "closed_at", "due_at", "stage")
    _event(matter, "rejected", by=by, before=before, reason=reason,
           note=clean_text(note, field="note", max_length=2000, required=False))
    _notify_reporter(matter)
    return matter


def _recategorise(matter, category, *, by):
    if category.district_id != matter.district_id or not category.is_active:
        raise ServiceError("bad_category", _("Choose a category of this district."))
    old = matter.category_id
    matter.category = category
    matter.save(update_fields=["category"])
    # A correction is a labelled example for the category suggester (issue: smart triage).
    _event(matter, "recategorised", by=by, visibility=Visibility.INTERNAL,
           old_category=old, new_category=category.pk)


@transaction.atomic
def recategorise(matter, *, by, category):
    matter = _lock(matter)
    guard(matter, "recategorise", by)
    if category.pk != matter.category_id:
        _recategorise(matter, category, by=by)
    return matter


def _flag_golden(matter, *, by, reason):
    matter.golden_idea = True
    matter.golden_reason = clean_text(reason, field="reason", max_length=200)
    matter.save(update_fields=["golden_idea", "golden_reason"])
    # The points ledger will pay the resident for it; the event is what it will read.
    _event(matter, "golden_idea", by=by, reason=matter.golden_reason,
           reporter=matter.reporter_id)


@transaction.atomic
def flag_golden(matter, *, by, reason):
    """Flag a suggestion as a golden idea (金点子), with the reason."""
    matter = _lock(matter)
    guard(matter, "flag_golden", by)
    if matter.golden_idea:
        return matter
    _flag_golden(matter, by=by, reason=reason)
    return matter


# --- handle, escalate, whistle (办事) ----------------------------------------------------------


def _next_level(level):
    index = LEVEL_ORDER.index(Level(level))
    if index + 1 >= len(LEVEL_ORDER):
        raise TransitionError("top_level", _("The district is the highest level."))
    return LEVEL_ORDER[index + 1]


@transaction.atomic
def escalate(matter, *, by, reason, to_level=None):
    """Send a matter up (grid → compound → community → street → district) and start that level's deadline."""
    matter = _lock(matter)
    guard(matter, "escalate", by)
    reason = clean_text(reason, field="reason", max_length=2000)
    target = Level(to_level) if to_level else _next_level(matter.owner_level)
    if LEVEL_ORDER.index(target) <= LEVEL_ORDER.index(Level(matter.owner_level)):
        raise TransitionError("not_higher", _("A matter can only be escalated to a higher level."))
    before, old_level = matter.status, matter.owner_level
    _move_owner(matter, target)
    matter.status = Status.IN_PROGRESS
    matter.escalation_count += 1
    matter.heard_at = matter.heard_at or timezone.now()
    if not matter.kind:
        matter.kind = Kind.ESCALATE
    _set_deadline(matter, Stage.HANDLE)
    _save(matter, "owner_level", "owner_place", "owner_code", "status", "escalation_count",
          "heard_at", "kind", "stage", "due_at", "overdue_notified_at")
    _event(matter, "escalated", by=by, before=before, note=reason, from_level=old_level,
           to_level=target, owner=matter.owner_place.name, due_at=matter.due_at.isoformat())
    notify(handlers_of(matter.owner_place), NoticeKind.ASSIGNED, matter=matter,
           number=matter.number, due=_local(matter.due_at))
    _notify_reporter(matter)
    return matter


@transaction.atomic
def park(matter, *, by, on=None, note=""):
    """Put a matter on the agenda of the next deliberation day (the 10th of the month by default)."""
    matter = _lock(matter)
    guard(matter, "park", by)
    before = matter.status
    matter.deliberation_on = on or policy.next_deliberation_day(matter.district)
    if matter.deliberation_on < timezone.localdate():
        raise ServiceError("date_past", _("The deliberation day cannot be in the past."))
    matter.status = Status.AWAITING_DELIBERATION
    matter.stage, matter.due_at = "", None
    _save(matter, "deliberation_on", "status", "stage", "due_at")
    _event(matter, "parked", by=by, before=before, deliberation_on=matter.deliberation_on.isoformat(),
           note=clean_text(note, field="note", max_length=2000, required=False))
    _notify_reporter(matter)
    return matter


@transaction.atomic
def resume(matter, *, by, note=""):
    matter = _lock(matter)
    guard(matter, "resume", by)
    before = matter.status
    matter.status = Status.IN_PROGRESS
    _set_deadline(matter, Stage.HANDLE)
    _save(matter, "status", "stage", "due_at", "overdue_notified_at")
    _event(matter, "resumed", by=by, before=before,
           note=clean_text(note, field="note", max_length=2000, required=False))
    return matter


@transaction.atomic
def whistle(matter, *, by, departments, note=""):
    """Whistle departments (吹哨): each must report in, then answer, by its deadlines."""
    from tongxin.orgs.choices import OrgKind

    matter = _lock(matter)
    guard(matter, "whistle", by)
    if matter.owner_level != Level.DISTRICT:
        raise TransitionError("not_district", _("Only a matter the district owns can be whistled."))
    departments = list(departments)
    if not departments:
        raise ServiceError("no_departments", _("Name at least one department."))
    for department in departments:
        if department.kind != OrgKind.DEPARTMENT or not matter.place.is_within(department.place):
            raise ServiceError("bad_department", _("%(name)s is not a department of this district.")
                               % {"name": department.name})
    now = timezone.now()
    report_due = policy.deadline(district=matter.district, stage=Stage.WHISTLE_REPORT, start=now,
                                 category=matter.category, emergency=matter.emergency)
    answer_due = policy.deadline(district=matter.district, stage=Stage.WHISTLE_ANSWER, start=now,
                                 category=matter.category, emergency=matter.emergency)
    before = matter.status
    for department in departments:
        # Whistled again (the matter was reopened) before it answered: the department's
        # open whistle starts over with the new deadlines (one open whistle per department).
        renewed = Whistle.objects.filter(matter=matter, department=department).exclude(
            status=WhistleStatus.ANSWERED).update(
            status=WhistleStatus.WHISTLED, whistled_by=by, report_due_at=report_due,
            answer_due_at=answer_due, reported_at=None, reported_by=None,
            overdue_notified_at=None)
        if not renewed:
            Whistle.objects.create(matter=matter, department=department, whistled_by=by,
                                   created_at=now, report_due_at=report_due,
                                   answer_due_at=answer_due)
    matter.status = Status.WHISTLED
    matter.stage, matter.due_at, matter.overdue_notified_at = Stage.WHISTLE_ANSWER, answer_due, None
    _save(matter, "status", "stage", "due_at", "overdue_notified_at")
    _event(matter, "whistled", by=by, before=before, departments=[d.name for d in departments],
           report_due_at=report_due.isoformat(), answer_due_at=answer_due.isoformat(),
           note=clean_text(note, field="note", max_length=2000, required=False))
    staff = Person.objects.filter(roles__organisation__in=departments,
                                  roles__role=Role.DEPARTMENT_STAFF).distinct()
    notify(staff, NoticeKind.WHISTLED, matter=matter, number=matter.number, due=_local(report_due))
    _notify_reporter(matter)
    return matter


def _lock_whistle(whistle_obj, by):
    whistle_obj = Whistle.objects.select_for_update().select_related("matter", "department").get(
        pk=whistle_obj.pk)
    if not rules.is_department_member(by, whistle_obj):
        raise PermissionDenied("not_allowed", _("Only the whistled department can answer."))
    if whistle_obj.matter.status != Status.WHISTLED:
        raise TransitionError("not_now", _("The matter is no longer waiting for departments."))
    return whistle_obj


@transaction.atomic
def report_in(whistle_obj, *, by, note=""):
    """The department reports in (报到); lateness against the deadline goes on the record."""
    whistle_obj = _lock_whistle(whistle_obj, by)
    if whistle_obj.status != WhistleStatus.WHISTLED:
        raise TransitionError("already_reported", _("The department has already reported in."))
    whistle_obj.status, whistle_obj.reported_at, whistle_obj.reported_by = (
        WhistleStatus.REPORTED, timezone.now(), by)
    whistle_obj.save(update_fields=["status", "reported_at", "reported_by"])
    _event(whistle_obj.matter, "department_reported", by=by, department=whistle_obj.department.name,
           late=whistle_obj.reported_late,
           note=clean_text(note, field="note", max_length=2000, required=False))
    return whistle_obj


@transaction.atomic
def answer_whistle(whistle_obj, *, by, answer):
    """The department answers what it did; reporting in first is implied."""
    whistle_obj = _lock_whistle(whistle_obj, by)
    if whistle_obj.status == WhistleStatus.ANSWERED:
        raise TransitionError("already_answered", _("The department has already answered."))
    now = timezone.now()
    if whistle_obj.reported_at is None:
        whistle_obj.reported_at, whistle_obj.reported_by = now, by
    whistle_obj.status, whistle_obj.answered_at = WhistleStatus.ANSWERED, now
    whistle_obj.answer = clean_text(answer, field="answer", max_length=5000)
    whistle_obj.save(update_fields=["status", "reported_at", "reported_by", "answered_at", "answer"])
    _event(whistle_obj.matter, "department_answered", by=by, note=whistle_obj.answer,
           department=whistle_obj.department.name, late=whistle_obj.answered_late)
    return whistle_obj


# --- resolve, publish, inspect, rate (评事) ----------------------------------------------------


@transaction.atomic
def resolve(matter, *, by, what_was_done, basis, standard, photos=(), checks=()):
    """Record what was done, on what basis and to what standard, and publish it on the board.

    ``checks`` are the reply check's warnings the handler published despite (dicts with
    code, severity, message, score); they stay in the event's data for the inspectors."""
    from tongxin.matters.photos import attach_photos

    matter = _lock(matter)
    guard(matter, "resolve", by)
    resolution = Resolution.objects.create(
        matter=matter, round=matter.resolutions.count() + 1, resolved_by=by,
        what_was_done=clean_text(what_was_done, field="what_was_done", max_length=5000),
        basis=clean_text(basis, field="basis", max_length=2000),
        standard=clean_text(standard, field="standard", max_length=2000),
    )
    before = matter.status
    now = timezone.now()
    matter.status, matter.resolved_at, matter.published_at = Status.RESOLVED, now, now
    matter.stage, matter.due_at = "", None
    _save(matter, "status", "resolved_at", "published_at", "stage", "due_at")
    overridden = {"checks": [dict(c) for c in checks]} if checks else {}
    event = _event(matter, "resolved", by=by, before=before, round=resolution.round,
                   note=resolution.what_was_done, **overridden)
    attach_photos(matter, photos, by=by, event=event)
    _notify_reporter(matter, NoticeKind.RESOLVED)
    return matter


def _send_back(matter, *, by, before, action, note, **data):
    matter.status = Status.RECTIFYING
    matter.rework_count += 1
    _set_deadline(matter, Stage.RECTIFY)
    _save(matter, "status", "rework_count", "stage", "due_at", "overdue_notified_at")
    _event(matter, action, by=by, before=before, note=note, **data)
    notify(handlers_of(matter.owner_place), NoticeKind.ASSIGNED, matter=matter,
           number=matter.number, due=_local(matter.due_at))


@transaction.atomic
def inspect(matter, *, by, passed, note=""):
    """Resident representatives inspect and accept (验收), or send the result back (整改)."""
    matter = _lock(matter)
    guard(matter, "inspect_pass" if passed else "inspect_fail", by)
    note = clean_text(note, field="note", max_length=2000, required=not passed)
    resolution = matter.resolutions.order_by("-round").first()
    if Inspection.objects.filter(resolution=resolution, inspector=by).exists():
        raise TransitionError("already_inspected", _("You have already inspected this result."))
    Inspection.objects.create(resolution=resolution, inspector=by, passed=passed, note=note)
    if passed:
        _event(matter, "inspected", by=by, passed=True, note=note, round=resolution.round)
    else:
        _send_back(matter, by=by, before=matter.status, action="inspection_failed", note=note,
                   round=resolution.round)
    return matter


@transaction.atomic
def rate(matter, *, by, satisfaction, comment=""):
    """The reporter rates the result; unsatisfied sends it back for rectification (counted as rework)."""
    satisfaction = Satisfaction(satisfaction)
    matter = _lock(matter)
    ok = satisfaction != Satisfaction.UNSATISFIED
    guard(matter, "rate_ok" if ok else "rate_unsatisfied", by)
    comment = clean_text(comment, field="comment", max_length=2000, required=not ok)
    resolution = matter.resolutions.order_by("-round").first()
    if Rating.objects.filter(resolution=resolution, rater=by).exists():
        raise TransitionError("already_rated", _("You have already rated this result."))
    Rating.objects.create(resolution=resolution, rater=by, satisfaction=satisfaction,
                          comment=comment)
    before = matter.status
    matter.satisfaction = satisfaction
    matter.save(update_fields=["satisfaction"])
    if ok:
        matter.status, matter.closed_at = Status.CLOSED, timezone.now()
        _save(matter, "status", "closed_at")
        _event(matter, "rated", by=by, before=before, satisfaction=satisfaction, note=comment)
    else:
        _send_back(matter, by=by, before=before, action="rated", note=comment,
                   satisfaction=satisfaction)
    return matter


@transaction.atomic
def close(matter, *, by):
    """Close a resolved matter that representatives accepted, when the reporter does not rate it."""
    matter = _lock(matter)
    guard(matter, "close", by)
    resolution = matter.resolutions.order_by("-round").first()
    if not resolution.inspections.filter(passed=True).exists():
        raise TransitionError("not_inspected", _("A result must pass inspection before it is closed."))
    before = matter.status
    matter.status, matter.closed_at = Status.CLOSED, timezone.now()
    _save(matter, "status", "closed_at")
    _event(matter, "closed", by=by, before=before)
    _notify_reporter(matter)
    return matter


@transaction.atomic
def close_unsolved(matter, *, by, reason):
    """Close a matter that could not be solved: it counts as closed, not as solved."""
    matter = _lock(matter)
    guard(matter, "close_unsolved", by)
    reason = clean_text(reason, field="reason", max_length=2000)
    before = matter.status
    matter.status, matter.closed_at, matter.stage, matter.due_at = (
        Status.CLOSED_UNSOLVED, timezone.now(), "", None)
    _save(matter, "status", "closed_at", "stage", "due_at")
    _event(matter, "closed_unsolved", by=by, before=before, note=reason)
    _notify_reporter(matter)
    return matter


@transaction.atomic
def reopen(matter, *, by, reason):
    """The reporter reopens a closed matter within the district's window."""
    matter = _lock(matter)
    guard(matter, "reopen", by)
    reason = clean_text(reason, field="reason", max_length=2000)
    window_ends = policy.deadline(district=matter.district, stage=Stage.REOPEN_WINDOW,
                                  start=matter.closed_at, category=matter.category)
    if timezone.now() > window_ends:
        raise TransitionError("window_passed", _("This matter can no longer be reopened (closed on %(date)s).")
                              % {"date": _local(matter.closed_at)})
    before = matter.status
    matter.status, matter.closed_at = Status.IN_PROGRESS, None
    matter.reopen_count += 1
    _set_deadline(matter, Stage.HANDLE)
    _save(matter, "status", "closed_at", "reopen_count", "stage", "due_at", "overdue_notified_at")
    _event(matter, "reopened", by=by, before=before, note=reason)
    notify(handlers_of(matter.owner_place), NoticeKind.ASSIGNED, matter=matter,
           number=matter.number, due=_local(matter.due_at))
    return matter


@transaction.atomic
def merge(duplicate, *, into, by):
    """Merge a duplicate into another matter: its reporter and supporters support the other."""
    if duplicate.pk == into.pk:
        raise ServiceError("merge_self", _("A matter cannot be merged into itself."))
    first, second = sorted([duplicate, into], key=lambda m: m.pk)  # lock in one order
    _lock(first), _lock(second)
    duplicate, into = Matter.objects.get(pk=duplicate.pk), Matter.objects.get(pk=into.pk)
    guard(duplicate, "merge", by)
    if not rules.is_handler(by, into) or into.status in (Status.MERGED, Status.REJECTED):
        raise TransitionError("bad_target", _("Choose an open matter you handle to merge into."))
    people = {s.person_id for s in duplicate.supports.all()}
    if duplicate.reporter_id:
        people.add(duplicate.reporter_id)
    people.discard(into.reporter_id)
    existing = set(into.supports.values_list("person_id", flat=True))
    Support.objects.bulk_create(Support(matter=into, person_id=pk) for pk in people - existing)
    duplicate.supports.all().delete()
    into.supporter_count = into.supports.count()
    into.save(update_fields=["supporter_count"])
    before = duplicate.status
    duplicate.status, duplicate.merged_into, duplicate.closed_at = Status.MERGED, into, timezone.now()
    duplicate.supporter_count, duplicate.due_at, duplicate.stage = 0, None, ""
    _save(duplicate, "status", "merged_into", "closed_at", "supporter_count", "due_at", "stage")
    # What was merged into the duplicate before now points at the matter that is kept,
    # so a merged matter never leads to another merged one.
    Matter.objects.filter(merged_into=duplicate).update(merged_into=into)
    _event(duplicate, "merged", by=by, before=before, into=into.pk, into_number=into.number)
    _event(into, "merged_in", by=by, visibility=Visibility.INTERNAL, duplicate=duplicate.pk,
           supporters_added=len(people - existing))
    _notify_reporter(duplicate)
    return into


# --- deadlines passing ---------------------------------------------------------------------------


def scan_deadlines(now=None):
    """Flag what became overdue since the last scan, remind owners and supervisors, and
    escalate where the district asked for it. Safe to run as often as you like."""
    from tongxin.deadlines.policy import settings_for

    now = now or timezone.now()
    counts = {"overdue": 0, "escalated": 0, "departments_late": 0}
    for pk in Matter.objects.overdue(now).filter(overdue_notified_at__isnull=True).values_list(
            "pk", flat=True):
        with transaction.atomic():
            matter = Matter.objects.select_for_update().select_related(
                "district", "owner_place", "place").get(pk=pk)
            still_overdue = matter.status in ACTIVE_STATUSES and matter.due_at and matter.due_at < now
            if matter.overdue_notified_at is not None or not still_overdue:
                continue
            matter.overdue_notified_at = now
            _save(matter, "overdue_notified_at")
            _event(matter, "overdue", by=None, visibility=Visibility.INTERNAL,
                   due_at=matter.due_at.isoformat(), owner=matter.owner_place.name)
            supervisors = Person.objects.filter(
                roles__role__in=rules.HANDLER_ROLES,
                roles__place__code__in=matter.owner_place.ancestor_codes(),
            ).distinct()
            notify([*handlers_of(matter.owner_place), *supervisors], NoticeKind.OVERDUE,
                   matter=matter, number=matter.number, due=_local(matter.due_at))
            counts["overdue"] += 1
            if (settings_for(matter.district).auto_escalate
                    and matter.status in (Status.NEW, Status.IN_PROGRESS, Status.RECTIFYING)
                    and matter.owner_level != Level.DISTRICT):
                escalate(matter, by=None, reason=_("Deadline passed: escalated automatically."))
                counts["escalated"] += 1
    late = Whistle.objects.filter(status=WhistleStatus.WHISTLED, report_due_at__lt=now,
                                  overdue_notified_at__isnull=True)
    for pk in late.values_list("pk", flat=True):
        with transaction.atomic():
            item = Whistle.objects.select_for_update().select_related("matter", "department").get(pk=pk)
            if item.overdue_notified_at is not None or item.status != WhistleStatus.WHISTLED:
                continue
            item.overdue_notified_at = now
            item.save(update_fields=["overdue_notified_at"])
            _event(item.matter, "department_late", by=None, department=item.department.name,
                   due_at=item.report_due_at.isoformat())
            staff = Person.objects.filter(roles__organisation=item.department).distinct()
            officers = handlers_of(item.matter.owner_place)
            notify([*staff, *officers], NoticeKind.DEPARTMENT_LATE, matter=item.matter,
                   number=item.matter.number, department=item.department.name,
                   due=_local(item.report_due_at))
            counts["departments_late"] += 1
    return counts
