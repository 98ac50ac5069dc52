"""A management command that runs a background task once, every N seconds, or queues it.

The deadline scan and the webhook retries are both run this way by a service (systemd,
``scripts/serve.py``), so the loop, its error handling and its options live here once.
A long-running loop outlives the database: a run that meets it locked (SQLite, a long
write) or unreachable (PostgreSQL restarting) drops the connections and is tried again
after a wait that doubles up to the interval; the task worker (``db_worker``) does the same.
"""

import argparse
import logging
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import (
    DatabaseError,
    close_old_connections,
    connections,
)

from tongxin.core.errors import DATABASE_UNAVAILABLE

logger = logging.getLogger(__name__)



class Backoff:
    """Waits that double after each failure, from ``first`` up to ``longest`` seconds."""

    def __init__(self, first=1.0, longest=60.0):
        self.first = first
        self.longest = max(first, longest)
        self.current = first

    def next(self):
        wait = self.current
        self.current = min(self.current * 2, self.longest)
        return wait

    def reset(self):
        self.current = self.first


def drop_connections():
    """Close every database connection (the next query opens a fresh one)."""
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except DatabaseError:
            pass  # a connection the server already dropped


class PeriodicCommand(BaseCommand):
    """Subclasses set ``task`` (a django-tasks task), ``noun`` and ``report(result)``."""

    task = None
    noun = "run"

    def add_arguments(self, parser):
        parser.add_argument(
            "--every", type=int, metavar="SECONDS",
            help="Run again every SECONDS seconds until stopped (for a service).",
        )
        parser.add_argument(
            "--enqueue", action="store_true",
            help="Queue the run for the task worker (tongxin db_worker) instead of running it.",
        )
        # For tests: stop after this many runs instead of looping forever.
        parser.add_argument("--max-runs", type=int, help=argparse.SUPPRESS)

    def handle(self, *args, every=None, enqueue=False, max_runs=None, **options):
        if every is not None and every < 1:
            raise CommandError("--every needs a number of seconds of at least 1.")
        if every is None:
            self.run_once(enqueue)
            return
        backoff = Backoff(first=1, longest=every)
        runs = 0
        try:
            while max_runs is None or runs < max_runs:
                wait = every
                try:
                    close_old_connections()  # a long-lived process must not keep a dead connection
                    self.run_once(enqueue)
                    backoff.reset()
                except DATABASE_UNAVAILABLE as error:
                    drop_connections()
                    wait = backoff.next()
                    logger.warning("%s: database unavailable (%s); trying again in %s s",
                                   self.noun, error, wait)
                except Exception:
                    # Keep the service alive: the next run picks up what this one missed.
                    logger.exception("%s failed", self.noun)
                runs += 1
                if max_runs is None or runs < max_runs:
                    time.sleep(wait)
        except KeyboardInterrupt:
            self.stdout.write("stopped")

    def run_once(self, enqueue):
        if enqueue:
            result = self.task.enqueue()
            self.stdout.write(f"queued {self.noun} {result.id}")
            return
        self.stdout.write(self.report(self.task.call()))

    def report(self, result):
        raise NotImplementedError
