"""Retry webhook deliveries whose next attempt has come: once, every N seconds, or queued.

    tongxin retry-webhooks                # one pass now, print the counts
    tongxin retry-webhooks --every 60     # a pass every minute until stopped
    tongxin retry-webhooks --enqueue      # queue one pass for `tongxin db_worker`

First attempts are queued when a matter event commits; this command sends the
retries (and anything that was never queued). Each delivery is claimed before it is
sent, so running it often, or twice at once, sends nothing twice.
"""

import argparse
import logging
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils import timezone

from tongxin.webhooks.tasks import retry_webhooks

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Send the webhook deliveries whose retry has come (after 1 min, 5 min … 12 h)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every", type=int, metavar="SECONDS",
            help="Run again every SECONDS seconds until stopped (for a service).",
        )
        parser.add_argument(
            "--enqueue", action="store_true",
            help="Queue the pass for the task worker (tongxin db_worker) instead of running it.",
        )
        # For tests: stop after this many passes instead of looping forever.
        parser.add_argument("--max-runs", type=int, help=argparse.SUPPRESS)

    def handle(self, *args, every=None, enqueue=False, max_runs=None, **options):
        if every is not None and every < 1:
            raise CommandError("--every needs a number of seconds of at least 1.")
        if every is None:
            self.run_once(enqueue)
            return
        runs = 0
        try:
            while max_runs is None or runs < max_runs:
                close_old_connections()  # a long-lived process must not keep a dead connection
                try:
                    self.run_once(enqueue)
                except Exception:
                    # Keep the service alive: the next pass picks up what this one missed.
                    logger.exception("webhook retry pass failed")
                runs += 1
                if max_runs is None or runs < max_runs:
                    time.sleep(every)
        except KeyboardInterrupt:
            self.stdout.write("stopped")

    def run_once(self, enqueue):
        if enqueue:
            result = retry_webhooks.enqueue()
            self.stdout.write(f"queued webhook retry pass {result.id}")
            return
        counts = retry_webhooks.call()
        self.stdout.write(
            "{:%Y-%m-%d %H:%M:%S} delivered {succeeded}, waiting {pending}, gave up {gave_up}, "
            "failed {failed}".format(timezone.localtime(), **counts)
        )
