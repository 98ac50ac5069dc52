"""Every write to a district's deadline rules, calendar and switches.

The admin pages and the ``load_holidays`` command call these, so each change is
checked the same way and leaves an event on the record.
"""

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core.models import record_event
from tongxin.deadlines.models import (
    CalendarDay,
    Deadline,
    DeadlineRule,
    DistrictSettings,
    Outcome,
)
from tongxin.kernel import events, registry
from tongxin.kernel.errors import ServiceError
from tongxin.places.choices import PlaceKind


@dataclass(frozen=True)
class CalendarRow:
    date: date
    is_working_day: bool
    name: str


def read_calendar(path):
    """Read ``date,is_working_day,name`` rows; lines starting with # are comments."""
    with Path(path).open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if line.strip() and not line.lstrip().startswith("#")]
    rows = []
    for number, row in enumerate(csv.DictReader(lines), start=2):
        try:
            day = date.fromisoformat(row["date"].strip())
            working = {"1": True, "0": False, "true": True, "false": False}[
                row["is_working_day"].strip().lower()]
        except (KeyError, ValueError, AttributeError):
            raise ServiceError(
                "bad_calendar_row", _("Line %(line)d of the calendar cannot be read.")
                % {"line": number},
            ) from None
        rows.append(CalendarRow(day, working, (row.get("name") or "").strip()[:40]))
    return rows


def _check_district(district):
    if district.kind != PlaceKind.DISTRICT:
        raise ServiceError("not_a_district", _("Deadlines are set for a district."))


@transaction.atomic
def load_calendar(district, rows, *, by=None):
    """Make the district's calendar agree with ``rows``; days not in ``rows`` are left alone.

    Return how many days were created, changed and already right, so that running
    it twice changes nothing the second time.
    """
    _check_district(district)
    rows = list(rows)
    existing = {
        day.date: day for day in CalendarDay.objects.filter(
            district=district, date__in=[row.date for row in rows])
    }
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    new = []
    for row in rows:
        day = existing.get(row.date)
        if day is None:
            new.append(CalendarDay(district=district, date=row.date,
                                   is_working_day=row.is_working_day, name=row.name))
            counts["created"] += 1
        elif (day.is_working_day, day.name) != (row.is_working_day, row.name):
            day.is_working_day, day.name = row.is_working_day, row.name
            day.save(update_fields=["is_working_day", "name"])
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    CalendarDay.objects.bulk_create(new)
    if counts["created"] or counts["updated"]:
        record_event("deadlines.calendar_loaded", district, actor=by, place=district,
                     created=counts["created"], updated=counts["updated"],
                     first=min(r.date for r in rows).isoformat(),
                     last=max(r.date for r in rows).isoformat())
    return counts


def _action(obj):
    return "deadlines." + obj._meta.model_name


def check_setting(obj):
    """Raise ServiceError unless a rule, calendar day or settings row holds together."""
    _check_district(obj.district)
    if isinstance(obj, DeadlineRule):
        if obj.category is not None and obj.category.district_id != obj.district.pk:
            raise ServiceError("bad_category", _("Choose a category of this district."))
        if not obj.amount:
            raise ServiceError("bad_amount", _("A deadline must be at least 1."))
    if isinstance(obj, DistrictSettings) and not 1 <= obj.deliberation_day <= 31:
        raise ServiceError("bad_day", _("The deliberation day is a day of the month, 1 to 31."))


@transaction.atomic
def save_setting(obj, *, by=None, changed=()):
    """Save a deadline rule, calendar day or district settings, and record who changed what."""
    check_setting(obj)
    created = obj.pk is None
    obj.save()
    record_event(_action(obj) + (".created" if created else ".changed"), obj, actor=by,
                 place=obj.district, fields=sorted(changed))
    return obj


@transaction.atomic
def delete_setting(obj, *, by=None):
    record_event(_action(obj) + ".deleted", obj, actor=by, place=obj.district,
                 summary=str(obj))
    obj.delete()


@transaction.atomic
def ensure_settings(district, *, by=None, **values):
    """Return the district's settings and whether they were created (with ``values``) now."""
    _check_district(district)
    existing = DistrictSettings.objects.filter(district=district).first()
    if existing is not None:
        return existing, False
    return save_setting(DistrictSettings(district=district, **values), by=by,
                        changed=list(values)), True


# --- deadline records ------------------------------------------------------------------------


def _subject_key(subject):
    return subject._meta.label_lower, str(subject.pk)


def start(subject, stage, *, district, due_at, place_code="", owner_code="", started_at=None,
          **data):
    """Start the deadline of ``stage`` for ``subject``; an open one of the same stage is
    superseded (an escalation restarts the handling clock at the new level)."""
    now = started_at or timezone.now()
    end(subject, stages=[stage], outcome=Outcome.SUPERSEDED, at=now)
    subject_type, subject_id = _subject_key(subject)
    return Deadline.objects.create(
        subject_type=subject_type, subject_id=subject_id, stage=stage, district=district,
        place_code=place_code, owner_code=owner_code, started_at=now, due_at=due_at, data=data,
    )


def end(subject, *, stages=None, outcome, at=None):
    """End the open deadlines of ``subject`` (of ``stages``, or all): met, superseded or
    dropped. Return how many ended."""
    subject_type, subject_id = _subject_key(subject)
    at = at or timezone.now()
    rows = Deadline.objects.filter(subject_type=subject_type, subject_id=subject_id,
                                   ended_at__isnull=True)
    if stages is not None:
        rows = rows.filter(stage__in=list(stages))
    changes = {"ended_at": at, "outcome": outcome}
    if outcome == Outcome.MET:
        changes["met_at"] = at
    return rows.update(**changes)


def meet(subject, *, stages=None, at=None):
    """The goal of the open deadlines of ``subject`` (of ``stages``, or all) was reached."""
    return end(subject, stages=stages, outcome=Outcome.MET, at=at)


def drop(subject, *, stages=None, at=None):
    """The open deadlines of ``subject`` ended without their goal (rejected, parked, merged)."""
    return end(subject, stages=stages, outcome=Outcome.DROPPED, at=at)


def open_deadlines(subject):
    subject_type, subject_id = _subject_key(subject)
    return Deadline.objects.filter(subject_type=subject_type, subject_id=subject_id,
                                   ended_at__isnull=True)


def _lock_subject(subject_type, subject_id):
    model = apps.get_model(subject_type)
    list(model._default_manager.select_for_update(of=("self",)).filter(pk=subject_id)
         .values_list("pk", flat=True))


def scan_deadlines(now=None):
    """Stamp every deadline that passed since the last scan and let its app react.

    Each breach is stamped once, in its own transaction, together with what the owning
    app does about it (registry ``deadline_handlers``: the matter loop flags the matter
    and may escalate it; a whistled department is marked late). Safe to run as often as
    you like, or twice at once. Return the counts the apps report (``deadline_counts``).
    """
    now = now or timezone.now()
    counts = dict.fromkeys(registry.deadline_counts(), 0)
    due = Deadline.objects.filter(ended_at__isnull=True, breached_at__isnull=True,
                                  due_at__lt=now).order_by("due_at", "pk")
    for pk, subject_type, subject_id in list(due.values_list("pk", "subject_type",
                                                             "subject_id")):
        with transaction.atomic():
            # Lock in the services' order, the subject before its deadline rows, so a
            # scan and a service on the same matter wait for each other, never deadlock.
            _lock_subject(subject_type, subject_id)
            deadline = Deadline.objects.select_for_update().filter(
                pk=pk, ended_at__isnull=True, breached_at__isnull=True).first()
            if deadline is None:
                continue  # met, ended or stamped by another scan in the meantime
            deadline.breached_at = now
            deadline.save(update_fields=["breached_at"])
            events.publish("deadlines.breached", deadline, stage=deadline.stage,
                           subject_type=deadline.subject_type, subject_id=deadline.subject_id,
                           due_at=deadline.due_at.isoformat())
            handler = registry.deadline_handler(deadline.subject_type)
            for key, n in (handler(deadline, now=now) if handler else {}).items():
                counts[key] = counts.get(key, 0) + n
    return counts
