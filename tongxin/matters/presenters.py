"""Turn a matter's timeline events into words: a label per action and a one-line summary
of what the event's data says (who moved it where, by when, why)."""

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.matters.choices import (
    ACTIVE_STATUSES,
    Channel,
    Kind,
    Level,
    RejectReason,
    Satisfaction,
    Status,
    Visibility,
)
from tongxin.matters.models import Category

LABELS = {
    "raised": gettext_lazy("Raised"),
    "supported": gettext_lazy("Supported (me too)"),
    "triaged": gettext_lazy("Heard and triaged"),
    "rejected": gettext_lazy("Not accepted"),
    "recategorised": gettext_lazy("Category changed"),
    "golden_idea": gettext_lazy("Flagged as a golden idea"),
    "escalated": gettext_lazy("Escalated"),
    "parked": gettext_lazy("Put on the deliberation day agenda"),
    "resumed": gettext_lazy("Handling resumed"),
    "whistled": gettext_lazy("Departments whistled"),
    "department_reported": gettext_lazy("Department reported in"),
    "department_answered": gettext_lazy("Department answered"),
    "department_late": gettext_lazy("Department late to report in"),
    "resolved": gettext_lazy("Result recorded"),
    "inspected": gettext_lazy("Inspected and accepted"),
    "inspection_failed": gettext_lazy("Inspection failed: sent back for rectification"),
    "rated": gettext_lazy("Rated by the reporter"),
    "closed": gettext_lazy("Closed"),
    "closed_unsolved": gettext_lazy("Closed as not solved"),
    "reopened": gettext_lazy("Reopened"),
    "merged": gettext_lazy("Merged into another matter"),
    "merged_in": gettext_lazy("A duplicate was merged in"),
    "overdue": gettext_lazy("Deadline passed"),
}


@dataclass
class EventView:
    """What the timeline template shows for one event."""

    event: object
    label: str
    summary: str
    note: str
    internal: bool
    late: bool = False

    @property
    def action(self):
        return self.event.action


def local_time(value):
    """Return an ISO string or a datetime as local "YYYY-MM-DD HH:MM" ("" if unreadable)."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if timezone.is_naive(value):
        return value.strftime("%Y-%m-%d %H:%M")
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _label(choices, value):
    try:
        return choices(value).label
    except ValueError:
        return value or ""


def _raised(data, names):
    text = _("Via %(channel)s, at %(level)s level.") % {
        "channel": _label(Channel, data.get("channel")), "level": _label(Level, data.get("level")),
    }
    if data.get("on_behalf"):
        text += " " + _("Recorded by staff on the resident's behalf.")
    return text


def _triaged(data, names):
    return _("Classified as %(kind)s; owned at %(level)s level, due %(due)s.") % {
        "kind": _label(Kind, data.get("kind")), "level": _label(Level, data.get("owner_level")),
        "due": local_time(data.get("due_at")),
    }


def _rejected(data, names):
    return _("Reason: %(reason)s.") % {"reason": _label(RejectReason, data.get("reason"))}


def _recategorised(data, names):
    return _("From “%(old)s” to “%(new)s”.") % {
        "old": names.get(data.get("old_category"), "?"),
        "new": names.get(data.get("new_category"), "?"),
    }


def _golden(data, names):
    return data.get("reason", "")


# What ends a sentence, in Chinese (full width) and in Western text: a reason quoted
# inside a longer sentence loses it, so "…住建。，截止时间" reads "…住建，截止时间".
SENTENCE_END = "。．.！!？?；;，,、 \u3000"


def clause(text):
    """Return ``text`` to be quoted mid-sentence: without its closing punctuation."""
    return (text or "").strip().rstrip(SENTENCE_END)


def _escalated(data, names, note):
    return _("Escalated from %(from)s to %(to)s (%(owner)s): %(reason)s, due %(due)s.") % {
        "from": _label(Level, data.get("from_level")), "to": _label(Level, data.get("to_level")),
        "owner": data.get("owner", ""), "reason": clause(note), "due": local_time(data.get("due_at")),
    }


def _parked(data, names):
    return _("On the agenda of the deliberation day %(date)s.") % {
        "date": data.get("deliberation_on", "")}


def _whistled(data, names):
    return _("%(departments)s must report in by %(report)s and answer by %(answer)s.") % {
        "departments": "、".join(data.get("departments", [])),
        "report": local_time(data.get("report_due_at")),
        "answer": local_time(data.get("answer_due_at")),
    }


def _department(data, names):
    return data.get("department", "")


def _department_late(data, names):
    return _("%(department)s did not report in by %(due)s.") % {
        "department": data.get("department", ""), "due": local_time(data.get("due_at"))}


def _round(data, names):
    return _("Round %(round)s.") % {"round": data.get("round", 1)} if data.get("round") else ""


def _rated(data, names):
    return _label(Satisfaction, data.get("satisfaction"))


def _merged(data, names):
    return _("Merged into matter %(number)s.") % {"number": data.get("into_number", "")}


def _merged_in(data, names):
    return _("%(n)d supporters moved here with it.") % {"n": data.get("supporters_added", 0)}


def _overdue(data, names):
    return _("Was due %(due)s (owner: %(owner)s).") % {
        "due": local_time(data.get("due_at")), "owner": data.get("owner", "")}


SUMMARIES = {
    "raised": _raised,
    "triaged": _triaged,
    "rejected": _rejected,
    "recategorised": _recategorised,
    "golden_idea": _golden,
    "parked": _parked,
    "whistled": _whistled,
    "department_reported": _department,
    "department_answered": _department,
    "department_late": _department_late,
    "resolved": _round,
    "inspected": _round,
    "inspection_failed": _round,
    "rated": _rated,
    "merged": _merged,
    "merged_in": _merged_in,
    "overdue": _overdue,
}
# Actions whose note is already part of the summary (so it is not shown twice).
NOTE_IN_SUMMARY = {"escalated"}


def label_for(action):
    return LABELS.get(action) or action.replace("_", " ")


def _whole(text):
    return text


def present(event, category_names=None, *, mask=None):
    """Return the EventView of one event; ``mask`` (text -> text) is applied to its summary
    and note, the free text people typed (selectors.timeline_as_seen)."""
    names = category_names or {}
    mask = mask or _whole
    data = event.data or {}
    if event.action in NOTE_IN_SUMMARY:
        summary, note = _escalated(data, names, event.note), ""
    else:
        summarise = SUMMARIES.get(event.action)
        summary, note = (summarise(data, names) if summarise else ""), event.note
    return EventView(
        event=event, label=str(label_for(event.action)), summary=mask(str(summary)),
        note=mask(note) if note else note,
        internal=event.visibility == Visibility.INTERNAL, late=bool(data.get("late")),
    )


def present_events(events, *, mask=None):
    """Return EventViews for ``events`` with category names looked up in one query (their
    free text passed through ``mask``, as present())."""
    events = list(events)
    ids = {
        value for e in events if e.action == "recategorised"
        for value in ((e.data or {}).get("old_category"), (e.data or {}).get("new_category"))
        if value
    }
    names = dict(Category.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
    return [present(event, names, mask=mask) for event in events]


# --- the inbox's cards -----------------------------------------------------------------------------


@dataclass
class Card:
    """What one inbox card shows, computed in one pass for the page (issue 12: the labels
    and the link's pattern once per page, not per card in the template)."""

    matter: object
    url: str
    title: str
    status_label: str
    kind_label: str
    owner_label: str
    is_overdue: bool

    @property
    def pk(self):
        return self.matter.pk


def labels(choices):
    """Return {value: translated label} of ``choices``, each translated once."""
    return {value: str(label) for value, label in choices}


def link_pattern(name):
    """Return a function giving the URL ``name`` for a pk, with one ``reverse`` in all."""
    sentinel = 987654321
    prefix, _sep, suffix = reverse(name, args=[sentinel]).partition(str(sentinel))
    return lambda pk: f"{prefix}{pk}{suffix}"



def cards(matters, title_of, *, now=None):
    """Return a Card for each of ``matters`` (category, place and owner place loaded),
    titled by ``title_of(matter)``."""
    now = now or timezone.now()
    statuses, kinds, levels = labels(Status.choices), labels(Kind.choices), labels(Level.choices)
    detail = link_pattern("matters:detail")
    return [Card(matter=m, url=detail(m.pk), title=title_of(m),
                 status_label=statuses.get(m.status, m.status),
                 kind_label=kinds.get(m.kind, m.kind or ""),
                 owner_label=levels.get(m.owner_level, m.owner_level),
                 is_overdue=bool(m.status in ACTIVE_STATUSES and m.due_at and m.due_at < now))
            for m in matters]
