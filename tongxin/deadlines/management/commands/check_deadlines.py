"""Scan deadlines: once, every N seconds, or by handing the scan to the task worker.

    tongxin check-deadlines                # one scan now, print the counts
    tongxin check-deadlines --every 300    # scan every five minutes until stopped
    tongxin check-deadlines --enqueue      # queue one scan for `tongxin db_worker`

A scan only acts on what became overdue since the last one, so running it often, or
twice at once, notifies nobody twice (deadlines.services.scan_deadlines). Each run also
delivers kernel events that a request left undelivered (kernel.events.deliver_pending).
"""

from django.utils import timezone

from tongxin.core.periodic import PeriodicCommand
from tongxin.deadlines.tasks import scan_deadlines_task


class Command(PeriodicCommand):
    help = "Flag overdue matters and late departments, remind owners and supervisors."
    task = scan_deadlines_task
    noun = "deadline scan"

    def report(self, counts):
        figures = ", ".join(f"{key.replace('_', ' ')} {n}" for key, n in counts.items())
        return f"{timezone.localtime():%Y-%m-%d %H:%M:%S} {figures}"
