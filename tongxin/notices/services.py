"""Notify people: an in-app notice now, an e-mail through a background task after commit."""

from django.db import transaction
from django.utils import timezone

from tongxin.notices.models import Notice


def notify(recipients, kind, *, subject=None, matter=None, **params):
    """Queue a notice of ``kind`` for each distinct recipient; call inside the service's transaction."""
    matter = matter or subject  # transitional until notices take any subject
    people = {person.pk: person for person in recipients if person is not None}
    notices = Notice.objects.bulk_create(
        Notice(recipient_id=pk, kind=kind, params=params, matter=matter) for pk in people
    )
    emails = [n.pk for n in notices if getattr(people[n.recipient_id], "email", "")]
    if emails:
        from tongxin.notices.tasks import send_notice_emails

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
