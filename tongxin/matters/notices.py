"""The notices the matter loop sends; declared to the registry in manifest.py.

Every notice names the matter by its number and its title (cut short), and says what
happened: which step, and where the matter went. Notices sent before titles were
added (no ``title`` in their params) keep their first wording.
"""

import re
import unicodedata

from django.db import models
from django.utils.translation import gettext_lazy as _

from tongxin.matters.choices import Kind, Status

TITLE_IN_NOTICE = 20  # characters of the title a notice quotes


# A run of digits that may be a phone or ID number, however spaced (ASCII or full width).
_NUMBER = re.compile(r"[0-9０-９](?:[0-9０-９\s-]{4,}[0-9０-９xXｘＸ])")


def _mask_number(match):
    digits = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", match.group(0)))
    if len(digits) < 7:
        return match.group(0)
    # A phone keeps its first three and last four digits (138****0001), as elsewhere;
    # a shorter number keeps its first three only.
    tail = digits[-4:] if len(digits) >= 11 else "****"
    return digits[:3] + "*" * (len(digits) - 7) + tail


def short_title(title):
    """Return ``title`` as a notice quotes it: phone and ID numbers typed into it masked
    (a notice is a lasting copy, e-mailed too, read by staff who see contacts masked),
    cut short with an ellipsis."""
    title = _NUMBER.sub(_mask_number, " ".join(str(title or "").split()))
    return title if len(title) <= TITLE_IN_NOTICE else title[:TITLE_IN_NOTICE] + "…"


class NoticeKind(models.TextChoices):
    """What a notice says; the text is rendered in the reader's language when shown."""

    RAISED = "raised", _(
        "Your matter %(number)s “%(title)s” was received; it will be heard by %(due)s.")
    ASSIGNED = "assigned", _(
        "New matter %(number)s “%(title)s” for %(owner)s: hear it by %(due)s.")
    STATUS = "status", _("Matter %(number)s “%(title)s”: %(status)s.")
    WHISTLED = "whistled", _(
        "Your department was whistled to matter %(number)s “%(title)s”: report in by %(due)s.")
    OVERDUE = "overdue", _("Matter %(number)s “%(title)s” is overdue (due %(due)s).")
    DEPARTMENT_LATE = "department_late", _(
        "%(department)s has not reported in on matter %(number)s “%(title)s” (due %(due)s).")
    RESOLVED = "resolved", _(
        "Matter %(number)s “%(title)s” was resolved: please inspect or rate it.")
    REWORK = "rework", _(
        "Matter %(number)s “%(title)s” was sent back for rework (%(why)s): put it right "
        "by %(due)s.")


# The first wording of each kind, for notices stored before they named the matter.
UNTITLED = {
    NoticeKind.RAISED: _("Your matter %(number)s was received; it will be heard by %(due)s."),
    NoticeKind.ASSIGNED: _("Matter %(number)s is now yours to handle, due %(due)s."),
    NoticeKind.STATUS: _("Matter %(number)s: %(status)s."),
    NoticeKind.WHISTLED: _(
        "Your department was whistled to matter %(number)s: report in by %(due)s."),
    NoticeKind.OVERDUE: _("Matter %(number)s is overdue (due %(due)s)."),
    NoticeKind.DEPARTMENT_LATE: _(
        "%(department)s has not reported in on matter %(number)s (due %(due)s)."),
    NoticeKind.RESOLVED: _("Matter %(number)s was resolved: please inspect or rate it."),
}

# A step's own words (params ``step``), where "status" alone would not say what happened.
STEPS = {
    (NoticeKind.STATUS, "triaged"): _(
        "Matter %(number)s “%(title)s” was heard (%(heard_as)s); %(owner)s handles it."),
    (NoticeKind.STATUS, "escalated"): _(
        "Matter %(number)s “%(title)s” was escalated to %(owner)s."),
    (NoticeKind.STATUS, "whistled"): _(
        "Matter %(number)s “%(title)s”: the district whistled %(departments)s to it."),
    (NoticeKind.STATUS, "parked"): _(
        "Matter %(number)s “%(title)s” is on the agenda of the deliberation day %(date)s."),
    (NoticeKind.ASSIGNED, "escalated"): _(
        "Matter %(number)s “%(title)s” was escalated to %(owner)s: it is yours to handle, "
        "due %(due)s."),
    (NoticeKind.ASSIGNED, "reopened"): _(
        "Matter %(number)s “%(title)s” was reopened by its reporter: handle it again by "
        "%(due)s."),
}


def _label(choices, value):
    try:
        return choices(value).label
    except ValueError:
        return value or ""


def _wording(kind):
    """Return the callable that words a notice of ``kind`` from its params."""

    def word(params):
        if "title" not in params and kind in UNTITLED:
            wording = UNTITLED[kind]
        else:
            wording = STEPS.get((kind, params.get("step")), kind.label)
        values = {"title": "", "owner": "", "due": "", "why": "", "departments": "", "date": "",
                  "heard_as": "", **params}
        if "status" in params:
            values["status"] = _label(Status, params["status"])
        if params.get("heard_as"):
            values["heard_as"] = _label(Kind, params["heard_as"])
        return str(wording) % values

    return word


# The wording of each kind (registry ``notice_kinds``): a callable that receives the
# notice's params and returns the text in the active language.
NOTICE_KINDS = {kind.value: _wording(kind) for kind in NoticeKind}
