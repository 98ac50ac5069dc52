"""Background work for deadlines, run by the django-tasks database worker (``tongxin db_worker``)."""

from django.conf import settings
from django.utils import translation
from django_tasks import task

from tongxin.deadlines.services import scan_deadlines
from tongxin.kernel.events import deliver_pending


@task()
def scan_deadlines_task():
    """Run one deadline scan and return the counts the apps report (overdue, escalated,
    departments late …); deliver kernel events a request left undelivered on the way."""
    # Notes written by the scan (automatic escalation) are in the district's language.
    with translation.override(settings.LANGUAGE_CODE):
        counts = scan_deadlines()
        deliver_pending()
    return counts
