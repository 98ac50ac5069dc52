"""Notify people: an in-app notice now, an e-mail through a background task after commit.

The notices app knows no domain: a notice's kind and wording are declared by the app
that sends it (registry ``notice_kinds``), and what it is about is any record (its
``subject``), linked in the inbox through the registry's ``subjects``.
"""

from django.db import transaction
from django.utils import timezone

from tongxin.notices.models import Notice
from tongxin.notices.tasks import send_notice_emails


def notify(recipients, kind, *, subject=None, **params):
    """Queue a notice of ``kind`` about ``subject`` for each distinct recipient.

    ``kind`` is a notice kind an app declared (registry ``notice_kinds``); ``params``
    (JSON values) fill its wording when it is shown, in the reader's language.
    ``subject`` is the record the notice is about (any model instance), or None. Call
    it inside the service's transaction: a rolled-back change leaves no notice and
    sends no e-mail.
    """
    people = {person.pk: person for person in recipients if person is not None}
    notices = Notice.objects.bulk_create(
        Notice(recipient_id=pk, kind=str(kind), params=params, subject=subject) for pk in people
    )
    emails = [n.pk for n in notices if getattr(people[n.recipient_id], "email", "")]
    if emails:
        transaction.on_commit(lambda: send_notice_emails.enqueue(emails))
    return notices


def mark_read(notice, *, by):
    """Mark one of ``by``'s notices read; reading it again changes nothing."""
    if notice.recipient_id != by.pk:
        raise PermissionError("not your notice")
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    return notice


def mark_all_read(*, by):
    """Mark every unread notice of ``by`` read; return how many there were."""
    return Notice.objects.visible_to(by).unread().update(read_at=timezone.now())
