"""Every change to a matter. Each function is atomic, locks the matter, moves it only
through the workflow table (transitions.py, kernel.workflow.apply), writes what changed
with ``update_fields``, keeps the stage's deadline record (deadlines.services) and appends
the step to the timeline, which publishes it (events.py). Who hears of a step — notices,
webhooks, the category suggestion — subscribes to it and reacts after commit."""

import re
import unicodedata

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core import ratelimit
from tongxin.core.masking import mask_contacts_in_text
from tongxin.deadlines import policy
from tongxin.deadlines import services as deadlines
from tongxin.deadlines.choices import Stage
from tongxin.kernel.errors import PermissionDenied, ServiceError, TransitionError
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
from tongxin.matters.events import record
from tongxin.matters.models import (
    Category,
    Inspection,
    Matter,
    Rating,
    Resolution,
    Support,
    Whistle,
)
from tongxin.matters.photos import attach_photos, clean_photos
from tongxin.matters.similar import rank_texts
from tongxin.matters.transitions import MATTER_FLOW, SUPPORTABLE, WHISTLE_FLOW
from tongxin.orgs.choices import OrgKind
from tongxin.people.validators import normalise_phone
from tongxin.places.choices import PlaceKind
from tongxin.places.models import Place

__all__ = ["TransitionError"]  # raised by the services; tests and views catch it from here

TITLE_MAX = 100
DESCRIPTION_MAX = 5000
RESIDENT_CHANNELS = {Channel.ONLINE, Channel.WECHAT_GROUP}
# Zero-width characters and direction marks, the bidirectional embeddings, overrides and
# isolates (U+202A-E, U+2066-9) that make a title read backwards on the board, control
# characters but tab and newlines (PostgreSQL refuses NUL), and lone surrogates (not UTF-8).
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff"
                        "\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


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
    "photos_too_many_pixels": "photos",
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


def guard(matter, action, user):
    """Raise TransitionError unless ``user`` may take ``action`` on ``matter`` now."""
    return MATTER_FLOW.guard(matter, action, user)


def allowed_actions(matter, user):
    """Return the actions ``user`` may take on ``matter`` now (for buttons and the API)."""
    return MATTER_FLOW.allowed(matter, user)


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


def _set_deadline(matter, stage, *, start=None):
    """Start the stage's deadline: a record that is never erased, and the matter's copy of
    the current one (``stage``, ``due_at``) for inboxes and lists."""
    start = start or timezone.now()
    matter.stage = stage
    matter.due_at = policy.deadline(
        district=matter.district, stage=stage, start=start, kind=matter.kind,
        level=matter.owner_level, category=matter.category, emergency=matter.emergency,
    )
    matter.overdue_notified_at = None
    _end_deadline(matter, met=False)
    deadlines.start(matter, stage, district=matter.district, due_at=matter.due_at,
                    started_at=start, place_code=matter.place_code, owner_code=matter.owner_code,
                    level=str(matter.owner_level))


def _end_deadline(matter, *, met):
    """End the matter's open deadline: met (heard, resolved) or not (superseded by the
    next stage, dropped when parked, rejected, merged or closed unsolved)."""
    if met:
        deadlines.meet(matter)
    else:
        deadlines.end(matter, outcome=deadlines.Outcome.SUPERSEDED)


def _clear_deadline(matter, *, met):
    """End the current stage with no next one (resolved; parked, rejected, closed …)."""
    if met:
        deadlines.meet(matter)
    else:
        deadlines.drop(matter)
    matter.stage, matter.due_at = "", None


def _move_owner(matter, level):
    matter.owner_level = level
    matter.owner_place = owner_for(matter.place, level)
    matter.owner_code = matter.owner_place.code


def _local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M") if dt else ""


def _note(value, *, required=False, field="note", max_length=2000):
    return clean_text(value, field=field, max_length=max_length, required=required)


# --- raise (说事) and "me too" -----------------------------------------------------------------


def raise_limit(by):
    """Return the rate limit a raise by ``by`` counts against (settings.TONGXIN_RATE_LIMITS):
    ``record`` for staff, who record matters for others, ``raise`` for residents.

    The same on every interface (pages, API, Open311): the count is the person's.
    """
    return "record" if rules.can_record_for_others(by) else "raise"


def check_raise_limit(by, idempotency_key=None):
    """Refuse (``ratelimit.Limited``) before any work when ``by`` has used up their raises,
    unless this is a retry of a raise already filed (its idempotency key is known): the
    retry gets its matter back, as raise_matter does."""
    key = (idempotency_key or "").strip()[:64]
    if key and Matter.objects.filter(created_by=by, idempotency_key=key).exists():
        return
    ratelimit.check(raise_limit(by), f"p{by.pk}")


def raise_matter(*, by, title, description, category, place=None, reporter=None,
                 channel=Channel.ONLINE, level=Level.GRID, publish_consent=False,
                 contact_name="", contact_phone="", emergency=False, photos=(),
                 idempotency_key=None, limit=True):
    """Record a matter (说事), by the resident or by staff on their behalf.

    A repeated submission with the same idempotency key returns the first matter,
    so a double tap or a retried request never files twice. A new matter counts against
    the person's rate limit (``raise_limit``); over it, ``ratelimit.Limited`` is raised
    and nothing is written. Only the system filing for itself (the demo builder, test
    fixtures) passes ``limit=False``; every interface keeps the default.
    """
    key = (idempotency_key or "").strip()[:64] or None
    if key:
        existing = Matter.objects.filter(created_by=by, idempotency_key=key).first()
        if existing is not None:
            return existing
    # Decoded and re-encoded before the transaction: no lock is held while that runs.
    photos = clean_photos(photos)
    try:
        with transaction.atomic():
            return _raise(by=by, title=title, description=description, category=category,
                          place=place, reporter=reporter, channel=channel, level=level,
                          publish_consent=publish_consent, contact_name=contact_name,
                          contact_phone=contact_phone, emergency=emergency, photos=photos,
                          key=key, limit=limit)
    except IntegrityError:
        # Two identical submissions raced; the other one won and holds the key.
        existing = Matter.objects.filter(created_by=by, idempotency_key=key).first() if key else None
        if existing is None:
            raise
        return existing


def _raise(*, by, title, description, category, place, reporter, channel, level,
           publish_consent, contact_name, contact_phone, emergency, photos, key, limit):
    title = clean_text(title, field="title", max_length=TITLE_MAX)
    description = clean_text(description, field="description", max_length=DESCRIPTION_MAX)
    staff = rules.can_record_for_others(by)
    if place is None:
        if by.household_id is None:
            raise ServiceError("place_required", _("Please choose where the matter is."))
        place = by.household.parent  # the building
    if not rules.may_raise_at(by, place):
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
    # A new matter starts in the workflow's first state, the model's default (NEW).
    matter = Matter(
        district=district, place=place, place_code=place.code, title=title,
        title_masked=mask_contacts_in_text(title),
        description=description, category=category, reporter=reporter,
        contact_name=clean_text(contact_name, field="note", max_length=64, required=False),
        contact_phone=contact_phone, created_by=by, channel=channel, raised_level=level,
        publish_consent=bool(publish_consent), idempotency_key=key, emergency=bool(emergency),
        owner_level=level, owner_place=owner, owner_code=owner.code,
    )
    # Counted with the matter, in its transaction: a refused raise counts nothing.
    if limit:
        ratelimit.hit(raise_limit(by), f"p{by.pk}")
    now = timezone.now()
    matter.stage = Stage.HEAR
    matter.due_at = policy.deadline(district=district, stage=Stage.HEAR, start=now,
                                    kind=matter.kind, level=level, category=category,
                                    emergency=matter.emergency)
    matter.save()
    deadlines.start(matter, Stage.HEAR, district=district, due_at=matter.due_at, started_at=now,
                    place_code=matter.place_code, owner_code=matter.owner_code, level=str(level))
    event = record(matter, "raised", by=by, channel=channel, level=level,
                   on_behalf=bool(staff and reporter != by))
    attach_photos(matter, photos, by=by, event=event)
    return matter


def similar_open_matters(*, place, text, exclude=None, limit=5):
    """Return open matters in the same compound that read like ``text`` (for "me too")."""
    compound = owner_for(place, PlaceKind.COMPOUND) if place.kind not in (
        PlaceKind.COMMUNITY,) else place
    candidates = Matter.objects.open().filter(place_code__startswith=compound.code).exclude(
        status=Status.MERGED
    )
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude.pk)
    # Rank the texts of 500 rows read as tuples; only the offered become model instances.
    wanted = {"id", "title", "description", "status", "created_at", "supporter_count",
              "reporter_id", "created_by_id", "owner_code", "place_code"}
    fields = [f.attname for f in Matter._meta.concrete_fields if f.attname in wanted]  # from_db
    rows = list(candidates.values_list(*fields)[:500])
    title, description = fields.index("title"), fields.index("description")
    ranked = rank_texts(text, [f"{row[title]} {row[description]}" for row in rows], limit)
    found = []
    for i, score in ranked:
        matter = Matter.from_db(candidates.db, fields, rows[i])
        matter.similarity = score
        found.append(matter)
    return found


@transaction.atomic
def support(matter, *, by):
    """Add ``by``'s "me too" to an open matter in their compound; a second time changes nothing."""
    matter = MATTER_FLOW.lock(matter)
    if matter.status not in SUPPORTABLE:
        raise TransitionError("not_now", _("This matter is no longer open for support."))
    if matter.reporter_id == by.pk:
        raise ServiceError("own_matter", _("You raised this matter yourself."))
    if not rules.may_raise_at(by, matter.place):
        raise PermissionDenied("place_not_allowed", _("You can support matters in your own compound."))
    _support, created = Support.objects.get_or_create(matter=matter, person=by)
    if created:
        Matter.objects.filter(pk=matter.pk).update(supporter_count=F("supporter_count") + 1)
        matter.refresh_from_db(fields=["supporter_count"])
        record(matter, "supported", by=by, visibility=Visibility.INTERNAL)
    return matter


# --- hear (听事) ----------------------------------------------------------------------------------


@transaction.atomic
def triage(matter, *, by, kind, category=None, emergency=None, golden_reason="", note=""):
    """Classify a new matter: handle now, needs deliberation or coordination, or escalate."""
    matter = MATTER_FLOW.lock(matter)
    guard(matter, "triage", by)
    kind = Kind(kind)
    note = _note(note)
    # Optional: blank (or only invisible characters) means "not a golden idea"; one
    # already flagged is not flagged (and paid) twice.
    golden_reason = clean_text(golden_reason, field="reason", max_length=200, required=False)
    if category is not None and category.pk != matter.category_id:
        _recategorise(matter, category, by=by)
    if emergency is not None:
        matter.emergency = bool(emergency)
    matter.kind = kind
    matter.heard_at = timezone.now()
    deadlines.meet(matter, stages=[Stage.HEAR], at=matter.heard_at)
    if kind == Kind.ESCALATE:
        _move_owner(matter, _next_level(matter.owner_level))
        matter.escalation_count += 1
    _set_deadline(matter, Stage.HANDLE)
    MATTER_FLOW.apply(
        matter, "triage", by=by,
        fields=["kind", "heard_at", "emergency", "owner_level", "owner_place", "owner_code",
                "escalation_count", "stage", "due_at", "overdue_notified_at"],
        note=note, kind=kind, owner_level=matter.owner_level, due_at=matter.due_at.isoformat())
    if golden_reason and not matter.golden_idea:
        _flag_golden(matter, by=by, reason=golden_reason)
    return matter


@transaction.atomic
def reject(matter, *, by, reason, note=""):
    """Do not accept a matter (not a governance matter, a duplicate …), saying why."""
    matter = MATTER_FLOW.lock(matter)
    guard(matter, "reject", by)
    reason = RejectReason(reason)
    note = _note(note)
    matter.reject_reason, matter.closed_at = reason, timezone.now()
    deadlines.meet(matter, stages=[Stage.HEAR], at=matter.closed_at)  # heard, and refused
    _clear_deadline(matter, met=False)
    MATTER_FLOW.apply(matter, "reject", by=by,
                      fields=["reject_reason", "closed_at", "due_at", "stage"],
                      reason=reason, note=note)
    return matter


def _recategorise(matter, category, *, by):
    if category.district_id != matter.district_id or not category.is_active:
        raise ServiceError("bad_category", _("Choose a category of this district."))
    old = matter.category_id
    matter.category = category
    # A correction is a labelled example for the category suggester (issue: smart triage).
    MATTER_FLOW.apply(matter, "recategorise", by=by, guard=False, fields=["category"],
                      visibility=Visibility.INTERNAL, old_category=old,
                      new_category=category.pk)


@transaction.atomic
def recategorise(matter, *, by, category):
    matter = MATTER_FLOW.lock(matter)
    guard(matter, "recategorise", by)
    if category.pk != matter.category_id:
        _recategorise(matter, category, by=by)
    return matter


def _flag_golden(matter, *, by, reason):
    matter.golden_idea = True
    matter.golden_reason = clean_text(reason, field="reason", max_length=200)
    # The points ledger will pay the resident for it; the event is what it will read.
    MATTER_FLOW.apply(matter, "flag_golden", by=by, guard=False,
                      fields=["golden_idea", "golden_reason"], reason=matter.golden_reason,
                      reporter=matter.reporter_id)


@transaction.atomic
def flag_golden(matter, *, by, reason):
    """Flag a suggestion as a golden idea (金点子), with the reason."""
    matter = MATTER_FLOW.lock(matter)
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
    matter = MATTER_FLOW.lock(matter)
    guard(matter, "escalate", by)
    reason = clean_text(reason, field="reason", max_length=2000)
    target = Level(to_level) if to_level else _next_level(matter.owner_level)
    if LEVEL_ORDER.index(target) <= LEVEL_ORDER.index(Level(matter.owner_level)):
        raise TransitionError("not_higher", _("A matter can only be escalated to a higher level."))
    old_level = matter.owner_level
    _move_owner(matter, target)
    matter.escalation_count += 1
    if matter.heard_at is None:  # escalating a new matter is hearing it
        matter.heard_at = timezone.now()
        deadlines.meet(matter, stages=[Stage.HEAR], at=matter.heard_at)
    if not matter.kind:
        matter.kind = Kind.ESCALATE
    _set_deadline(matter, Stage.HANDLE)
    MATTER_FLOW.apply(
        matter, "escalate", by=by,
        fields=["owner_level", "owner_place", "owner_code", "escalation_count", "heard_at",
                "kind", "stage", "due_at", "overdue_notified_at"],
        note=reason, from_level=old_level, to_level=target, owner=matter.owner_place.name,
        due_at=matter.due_at.isoformat())
    return matter


@transaction.atomic
def park(matter, *, by, on=None, note=""):
    """Put a matter on the agenda of the next deliberation day (the 10th of the month by default)."""
    matter = MATTER_FLOW.lock(matter)
    guard(matter, "park", by)
    note = _note(note)
    matter.deliberation_on = on or policy.next_deliberation_day(matter.district)
    if matter.deliberation_on < timezone.localdate():
        raise ServiceError("date_past", _("The deliberation day cannot be in the past."))
    _clear_deadline(matter, met=False)  # the handling clock stops until it is resumed
    MATTER_FLOW.apply(matter, "park", by=by, fields=["deliberation_on", "stage", "due_at"],
                      deliberation_on=matter.deliberation_on.isoformat(), note=note)
    return matter


@transaction.atomic
def resume(matter, *, by, note=""):
    matter = MATTER_FLOW.lock(matter)
    guard(matter, "resume", by)
    note = _note(note)
    _set_deadline(matter, Stage.HANDLE)
    MATTER_FLOW.apply(matter, "resume", by=by, fields=["stage", "due_at", "overdue_notified_at"],
                      note=note)
    return matter


@transaction.atomic
def whistle(matter, *, by, departments, note=""):
    """Whistle departments (吹哨): each must report in, then answer, by its deadlines."""
    matter = MATTER_FLOW.lock(matter)
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
    note = _note(note)
    now = timezone.now()
    report_due = policy.deadline(district=matter.district, stage=Stage.WHISTLE_REPORT, start=now,
                                 category=matter.category, emergency=matter.emergency)
    answer_due = policy.deadline(district=matter.district, stage=Stage.WHISTLE_ANSWER, start=now,
                                 category=matter.category, emergency=matter.emergency)
    for department in departments:
        # Whistled again (the matter was reopened) before it answered: the department's
        # open whistle starts over with the new deadlines (one open whistle per department).
        item = Whistle.objects.select_for_update().filter(
            matter=matter, department=department).exclude(status=WhistleStatus.ANSWERED).first()
        if item is not None:
            item.whistled_by, item.report_due_at, item.answer_due_at = by, report_due, answer_due
            item.reported_at, item.reported_by, item.overdue_notified_at = None, None, None
            item.matter = matter
            WHISTLE_FLOW.apply(item, "rewhistle", by=by, guard=False, fields=[
                "whistled_by", "report_due_at", "answer_due_at", "reported_at", "reported_by",
                "overdue_notified_at"])
        else:
            # A new whistle starts in the whistle workflow's first state (WHISTLED).
            item = Whistle.objects.create(matter=matter, department=department, whistled_by=by,
                                          created_at=now, report_due_at=report_due,
                                          answer_due_at=answer_due)
        for stage, due in ((Stage.WHISTLE_REPORT, report_due), (Stage.WHISTLE_ANSWER, answer_due)):
            deadlines.start(item, stage, district=matter.district, due_at=due, started_at=now,
                            place_code=matter.place_code, owner_code=department.place.code,
                            department=department.pk)
    _end_deadline(matter, met=False)
    matter.stage, matter.due_at, matter.overdue_notified_at = Stage.WHISTLE_ANSWER, answer_due, None
    deadlines.start(matter, Stage.WHISTLE_ANSWER, district=matter.district, due_at=answer_due,
                    started_at=now, place_code=matter.place_code, owner_code=matter.owner_code,
                    level=str(matter.owner_level))
    MATTER_FLOW.apply(
        matter, "whistle", by=by, fields=["stage", "due_at", "overdue_notified_at"],
        payload={"department_ids": [d.pk for d in departments]},
        departments=[d.name for d in departments], report_due_at=report_due.isoformat(),
        answer_due_at=answer_due.isoformat(), note=note)
    return matter


def _drop_open_whistles(matter):
    """The matter left its whistled stage: departments that have not answered can no
    longer do so, and their deadlines end unmet (they were not met, nor are they due)."""
    for item in matter.whistles.exclude(status=WhistleStatus.ANSWERED):
        deadlines.drop(item)


def _lock_whistle(whistle_obj, by):
    whistle_obj = Whistle.objects.select_for_update().select_related("matter", "department").get(
        pk=whistle_obj.pk)
    setattr(whistle_obj, "_workflow_locked", True)  # noqa: B010 - the lock just taken
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
    note = _note(note)
    whistle_obj.reported_at, whistle_obj.reported_by = timezone.now(), by
    deadlines.meet(whistle_obj, stages=[Stage.WHISTLE_REPORT], at=whistle_obj.reported_at)
    WHISTLE_FLOW.apply(whistle_obj, "report_in", by=by, fields=["reported_at", "reported_by"],
                       department=whistle_obj.department.name, late=whistle_obj.reported_late,
                       note=note)
    return whistle_obj


@transaction.atomic
def answer_whistle(whistle_obj, *, by, answer):
    """The department answers what it did; reporting in first is implied."""
    whistle_obj = _lock_whistle(whistle_obj, by)
    if whistle_obj.status == WhistleStatus.ANSWERED:
        raise TransitionError("already_answered", _("The department has already answered."))
    now = timezone.now()
    whistle_obj.answer = clean_text(answer, field="answer", max_length=5000)
    if whistle_obj.reported_at is None:
        whistle_obj.reported_at, whistle_obj.reported_by = now, by
    whistle_obj.answered_at = now
    deadlines.meet(whistle_obj, at=now)
    WHISTLE_FLOW.apply(whistle_obj, "answer", by=by,
                       fields=["reported_at", "reported_by", "answered_at", "answer"],
                       note=whistle_obj.answer, department=whistle_obj.department.name,
                       late=whistle_obj.answered_late)
    return whistle_obj


# --- resolve, publish, inspect, rate (评事) ----------------------------------------------------


@transaction.atomic
def resolve(matter, *, by, what_was_done, basis, standard, photos=(), checks=()):
    """Record what was done, on what basis and to what standard, and publish it on the board.

    ``checks`` are the reply check's warnings the handler published despite (dicts with
    code, severity, message, score); they stay in the event's data for the inspectors."""
    matter = MATTER_FLOW.lock(matter)
    guard(matter, "resolve", by)
    resolution = Resolution.objects.create(
        matter=matter, round=matter.resolutions.count() + 1, resolved_by=by,
        what_was_done=clean_text(what_was_done, field="what_was_done", max_length=5000),
        basis=clean_text(basis, field="basis", max_length=2000),
        standard=clean_text(standard, field="standard", max_length=2000),
    )
    now = timezone.now()
    matter.resolved_at, matter.published_at = now, now
    _clear_deadline(matter, met=True)
    _drop_open_whistles(matter)
    overridden = {"checks": [dict(c) for c in checks]} if checks else {}
    event = MATTER_FLOW.apply(matter, "resolve", by=by,
                              fields=["resolved_at", "published_at", "stage", "due_at"],
                              round=resolution.round, note=resolution.what_was_done, **overridden)
    attach_photos(matter, photos, by=by, event=event)
    return matter


def _send_back(matter, action, *, by, note, **data):
    """Send a result back for rectification (整改), counted as rework, with a new deadline."""
    matter.rework_count += 1
    _set_deadline(matter, Stage.RECTIFY)
    MATTER_FLOW.apply(matter, action, by=by, guard=False,
                      fields=["rework_count", "stage", "due_at", "overdue_notified_at"],
                      note=note, **data)


@transaction.atomic
def inspect(matter, *, by, passed, note=""):
    """Resident representatives inspect and accept (验收), or send the result back (整改)."""
    matter = MATTER_FLOW.lock(matter)
    action = "inspect_pass" if passed else "inspect_fail"
    guard(matter, action, by)
    note = clean_text(note, field="note", max_length=2000, required=not passed)
    resolution = matter.resolutions.order_by("-round").first()
    if Inspection.objects.filter(resolution=resolution, inspector=by).exists():
        raise TransitionError("already_inspected", _("You have already inspected this result."))
    Inspection.objects.create(resolution=resolution, inspector=by, passed=passed, note=note)
    if passed:
        MATTER_FLOW.apply(matter, action, by=by, guard=False, passed=True, note=note,
                          round=resolution.round)
    else:
        _send_back(matter, action, by=by, note=note, round=resolution.round)
    return matter


@transaction.atomic
def rate(matter, *, by, satisfaction, comment=""):
    """The reporter rates the result; unsatisfied sends it back for rectification (counted as rework)."""
    satisfaction = Satisfaction(satisfaction)
    matter = MATTER_FLOW.lock(matter)
    ok = satisfaction != Satisfaction.UNSATISFIED
    action = "rate_ok" if ok else "rate_unsatisfied"
    guard(matter, action, by)
    comment = clean_text(comment, field="comment", max_length=2000, required=not ok)
    resolution = matter.resolutions.order_by("-round").first()
    if Rating.objects.filter(resolution=resolution, rater=by).exists():
        raise TransitionError("already_rated", _("You have already rated this result."))
    Rating.objects.create(resolution=resolution, rater=by, satisfaction=satisfaction,
                          comment=comment)
    matter.satisfaction = satisfaction
    matter.save(update_fields=["satisfaction"])
    if ok:
        matter.closed_at = timezone.now()
        MATTER_FLOW.apply(matter, action, by=by, guard=False, fields=["closed_at"],
                          satisfaction=satisfaction, note=comment)
    else:
        _send_back(matter, action, by=by, note=comment, satisfaction=satisfaction)
    return matter


@transaction.atomic
def close(matter, *, by):
    """Close a resolved matter that representatives accepted, when the reporter does not rate it."""
    matter = MATTER_FLOW.lock(matter)
    guard(matter, "close", by)
    resolution = matter.resolutions.order_by("-round").first()
    if not resolution.inspections.filter(passed=True).exists():
        raise TransitionError("not_inspected", _("A result must pass inspection before it is closed."))
    matter.closed_at = timezone.now()
    MATTER_FLOW.apply(matter, "close", by=by, fields=["closed_at"])
    return matter


@transaction.atomic
def close_unsolved(matter, *, by, reason):
    """Close a matter that could not be solved: it counts as closed, not as solved."""
    matter = MATTER_FLOW.lock(matter)
    guard(matter, "close_unsolved", by)
    reason = clean_text(reason, field="reason", max_length=2000)
    matter.closed_at = timezone.now()
    _clear_deadline(matter, met=False)
    _drop_open_whistles(matter)
    MATTER_FLOW.apply(matter, "close_unsolved", by=by, fields=["closed_at", "stage", "due_at"],
                      note=reason)
    return matter


@transaction.atomic
def reopen(matter, *, by, reason):
    """The reporter reopens a closed matter within the district's window."""
    matter = MATTER_FLOW.lock(matter)
    guard(matter, "reopen", by)
    reason = clean_text(reason, field="reason", max_length=2000)
    window_ends = policy.deadline(district=matter.district, stage=Stage.REOPEN_WINDOW,
                                  start=matter.closed_at, category=matter.category)
    if timezone.now() > window_ends:
        raise TransitionError(
            "window_passed", _("This matter can no longer be reopened (closed on %(date)s).")
            % {"date": _local(matter.closed_at)})
    matter.closed_at = None
    matter.reopen_count += 1
    _set_deadline(matter, Stage.HANDLE)
    MATTER_FLOW.apply(matter, "reopen", by=by,
                      fields=["closed_at", "reopen_count", "stage", "due_at",
                              "overdue_notified_at"], note=reason)
    return matter


@transaction.atomic
def merge(duplicate, *, into, by):
    """Merge a duplicate into another matter: its reporter and supporters support the other."""
    if duplicate.pk == into.pk:
        raise ServiceError("merge_self", _("A matter cannot be merged into itself."))
    first, second = sorted([duplicate, into], key=lambda m: m.pk)  # lock in one order
    locked = {m.pk: MATTER_FLOW.lock(m) for m in (first, second)}
    duplicate, into = locked[duplicate.pk], locked[into.pk]
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
    duplicate.merged_into, duplicate.closed_at = into, timezone.now()
    duplicate.supporter_count = 0
    _clear_deadline(duplicate, met=False)
    # What was merged into the duplicate before now points at the matter that is kept,
    # so a merged matter never leads to another merged one.
    Matter.objects.filter(merged_into=duplicate).update(merged_into=into)
    MATTER_FLOW.apply(duplicate, "merge", by=by,
                      fields=["merged_into", "closed_at", "supporter_count", "due_at", "stage"],
                      into=into.pk, into_number=into.number)
    record(into, "merged_in", by=by, visibility=Visibility.INTERNAL, duplicate=duplicate.pk,
           supporters_added=len(people - existing))
    return into


# --- deadlines passing (registered in manifest.py; run by deadlines.services.scan_deadlines) ---


def matter_deadline_passed(deadline, *, now):
    """A matter's deadline passed: flag it, remind owners and supervisors (the "overdue"
    step's subscribers do), and escalate where the district asked for it."""
    matter = Matter.objects.select_for_update().select_related(
        "district", "owner_place", "place").get(pk=deadline.subject_id)
    if matter.status not in ACTIVE_STATUSES:
        return {}
    matter.overdue_notified_at = now
    _save(matter, "overdue_notified_at")
    record(matter, "overdue", by=None, visibility=Visibility.INTERNAL,
           due_at=deadline.due_at.isoformat(), owner=matter.owner_place.name)
    counts = {"overdue": 1}
    if (policy.settings_for(matter.district).auto_escalate
            and matter.status in (Status.NEW, Status.IN_PROGRESS, Status.RECTIFYING)
            and matter.owner_level != Level.DISTRICT):
        escalate(matter, by=None, reason=_("Deadline passed: escalated automatically."))
        counts["escalated"] = 1
    return counts


def whistle_deadline_passed(deadline, *, now):
    """A whistled department did not report in by its deadline: it is marked late."""
    if deadline.stage != Stage.WHISTLE_REPORT:
        return {}  # a late answer shows on the whistle (answered_late) and in the ledgers
    item = Whistle.objects.select_for_update(of=("self",)).select_related(
        "matter", "department").get(pk=deadline.subject_id)
    if item.status != WhistleStatus.WHISTLED:
        return {}
    item.overdue_notified_at = now
    item.save(update_fields=["overdue_notified_at"])
    record(item.matter, "department_late", by=None, department=item.department.name,
           due_at=deadline.due_at.isoformat(), payload={"department_id": item.department_id})
    return {"departments_late": 1}
