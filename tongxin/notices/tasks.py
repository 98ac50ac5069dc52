"""Background work for notices, run by the django-tasks database worker (``tongxin db_worker``)."""

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django_tasks import task

from tongxin.notices.models import Notice


@task()
def send_notice_emails(notice_ids):
    """E-mail each notice to its recipient, in the site's default language."""
    with translation.override(settings.LANGUAGE_CODE):
        for notice in Notice.objects.filter(pk__in=notice_ids).select_related("recipient"):
            send_mail(
                subject=notice.text[:80], message=notice.text,
                from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=[notice.recipient.email],
            )
