"""Scan deadlines: once, every N seconds, or by handing the scan to the task worker.

    tongxin check-deadlines                # one scan now, print the counts
    tongxin check-deadlines --every 300    # scan every five minutes until stopped
    tongxin check-deadlines --enqueue      # queue one scan for `tongxin db_worker`

A scan only acts on what became overdue since the last one, so running it often, or
twice at once, notifies nobody twice (matters.services.scan_deadlines).
"""

from django.utils import timezone

from tongxin.core.periodic import PeriodicCommand
from tongxin.deadlines.tasks import scan_deadlines_task


class Command(PeriodicCommand):
    help = "Flag overdue matters and late departments, remind owners and supervisors."
    task = scan_deadlines_task
    noun = "deadline scan"

    def report(self, counts):
        return (
            "{:%Y-%m-%d %H:%M:%S} overdue {overdue}, escalated {escalated}, "
            "departments late {departments_late}".format(timezone.localtime(), **counts)
        )
