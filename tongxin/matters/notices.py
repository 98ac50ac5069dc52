"""The notices the matter loop sends; declared to the registry in manifest.py."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from tongxin.matters.choices import Status


class NoticeKind(models.TextChoices):
    """What a notice says; the text is rendered in the reader's language when shown."""

    RAISED = "raised", _("Your matter %(number)s was received; it will be heard by %(due)s.")
    ASSIGNED = "assigned", _("Matter %(number)s is now yours to handle, due %(due)s.")
    STATUS = "status", _("Matter %(number)s: %(status)s.")
    WHISTLED = "whistled", _(
        "Your department was whistled to matter %(number)s: report in by %(due)s.")
    OVERDUE = "overdue", _("Matter %(number)s is overdue (due %(due)s).")
    DEPARTMENT_LATE = "department_late", _(
        "%(department)s has not reported in on matter %(number)s (due %(due)s).")
    RESOLVED = "resolved", _("Matter %(number)s was resolved: please inspect or rate it.")


def _status_wording(params):
    """Word a status notice, the status code shown as its label in the reader's language."""
    return str(NoticeKind.STATUS.label) % {**params, "status": Status(params["status"]).label}


# The wording of each kind (registry ``notice_kinds``): a lazy text filled with the
# notice's params, or a callable that receives the params and returns the text.
NOTICE_KINDS = {kind.value: kind.label for kind in NoticeKind}
NOTICE_KINDS[NoticeKind.STATUS.value] = _status_wording
