"""Scan deadlines: once, every N seconds, or by handing the scan to the task worker.

    tongxin check-deadlines                # one scan now, print the counts
    tongxin check-deadlines --every 300    # scan every five minutes until stopped
    tongxin check-deadlines --enqueue      # queue one scan for `tongxin db_worker`

A scan only acts on what became overdue since the last one, so running it often, or
twice at once, notifies nobody twice (matters.services.scan_deadlines).
"""

import argparse
import logging
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils import timezone

from tongxin.deadlines.tasks import scan_deadlines_task

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Flag overdue matters and late departments, remind owners and supervisors."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every", type=int, metavar="SECONDS",
            help="Scan again every SECONDS seconds until stopped (for a service).",
        )
        parser.add_argument(
            "--enqueue", action="store_true",
            help="Queue the scan for the task worker (tongxin db_worker) instead of running it.",
        )
        # For tests: stop after this many scans instead of looping forever.
        parser.add_argument("--max-scans", type=int, help=argparse.SUPPRESS)

    def handle(self, *args, every=None, enqueue=False, max_scans=None, **options):
        if every is not None and every < 1:
            raise CommandError("--every needs a number of seconds of at least 1.")
        if every is None:
            self.scan_once(enqueue)
            return
        scans = 0
        try:
            while max_scans is None or scans < max_scans:
                close_old_connections()  # a long-lived process must not keep a dead connection
                try:
                    self.scan_once(enqueue)
                except Exception:
                    # Keep the service alive: the next scan retries what this one missed.
                    logger.exception("deadline scan failed")
                scans += 1
                if max_scans is None or scans < max_scans:
                    time.sleep(every)
        except KeyboardInterrupt:
            self.stdout.write("stopped")

    def scan_once(self, enqueue):
        if enqueue:
            result = scan_deadlines_task.enqueue()
            self.stdout.write(f"queued deadline scan {result.id}")
            return
        counts = scan_deadlines_task.call()
        self.stdout.write(
            "{:%Y-%m-%d %H:%M:%S} overdue {overdue}, escalated {escalated}, "
            "departments late {departments_late}".format(timezone.localtime(), **counts)
        )
