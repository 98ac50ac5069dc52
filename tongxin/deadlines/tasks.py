"""Background work for deadlines, run by the django-tasks database worker (``tongxin db_worker``)."""

from django.conf import settings
from django.utils import translation
from django_tasks import task


@task()
def scan_deadlines_task():
    """Run one deadline scan and return its counts (overdue, escalated, departments late)."""
    from tongxin.matters.services import scan_deadlines

    # Notes written by the scan (automatic escalation) are in the district's language.
    with translation.override(settings.LANGUAGE_CODE):
        return scan_deadlines()
