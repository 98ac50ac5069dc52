"""Compute the stored hot issues again: once, every N seconds, or by queueing it.

    tongxin refresh-hot-issues                # refresh what changed now, print the counts
    tongxin refresh-hot-issues --every 600    # every ten minutes until stopped (a service)
    tongxin refresh-hot-issues --enqueue      # queue one refresh for `tongxin db_worker`

Each run computes the streets and districts whose matters changed since they were last
computed, and those computed more than six hours ago (periods move on, heat fades);
the page only ever reads what was stored (hotspots.computing).
"""

from django.utils import timezone

from tongxin.core.periodic import PeriodicCommand
from tongxin.hotspots.computing import STALE_AFTER
from tongxin.hotspots.tasks import refresh_hot_issues_task


class _Stale:
    """The task, called with the stale-after age of the periodic refresh."""

    hours = STALE_AFTER.total_seconds() / 3600

    def call(self):
        return refresh_hot_issues_task.call(stale_hours=self.hours)

    def enqueue(self):
        return refresh_hot_issues_task.enqueue(stale_hours=self.hours)


class Command(PeriodicCommand):
    help = "Compute the hot issues of the streets and districts whose matters changed."
    task = _Stale()
    noun = "hot-issue refresh"

    def report(self, counts):
        return (f"{timezone.localtime():%Y-%m-%d %H:%M:%S} areas {counts['areas']}, "
                f"groups {counts['groups']}, {counts['seconds']} s")
