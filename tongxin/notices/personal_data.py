"""What the notices app holds about a person: the notices sent to them.

Registered from manifest.py. Erasure deletes them: no count is computed from notices.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.kernel.registry import Column, PersonalData, register
from tongxin.notices.models import Notice


def _when(value):
    return timezone.localtime(value).isoformat() if value else None


def _text(notice):
    try:
        return notice.text
    except (KeyError, ValueError, TypeError):  # an old notice whose wording changed since
        return notice.kind


def export_notices(person):
    return [
        {"text": _text(n), "at": _when(n.created_at), "read_at": _when(n.read_at)}
        for n in Notice.objects.filter(recipient=person)
    ]


def erase_notices(person, *, by):
    Notice.objects.filter(recipient=person).delete()


register("notices", personal_data=[
    PersonalData(
        "notices", _("Notices"), order=70,
        columns=(Column("text", _("Message")), Column("at", _("At")),
                 Column("read_at", _("Read at"))),
        export=export_notices, erase=erase_notices, covers=("notices.notice.recipient",),
    ),
])
