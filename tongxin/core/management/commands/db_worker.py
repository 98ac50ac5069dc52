"""``tongxin db_worker``: django-tasks' database worker, made to outlive the database.

The stock worker (django_tasks_db) dies on a database error it does not expect: a
SQLite write lock held past the busy timeout (a long transaction elsewhere) or a
PostgreSQL restart ends the process. This command, which takes the stock one's name
and options, logs such an error, closes its connections, waits (0.5 s, doubling up to
a minute) and carries on. Recording a task's outcome is retried the same way, so a
task that ran is not left marked "running" because the database was briefly away.
"""

import logging
import os
import time

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from tongxin.core.errors import DATABASE_UNAVAILABLE
from tongxin.core.periodic import Backoff, drop_connections

logger = logging.getLogger("tongxin.tasks")


class Worker(db_worker.Worker):
    first_wait = 0.5
    longest_wait = 60.0

    def run(self):
        backoff = Backoff(self.first_wait, self.longest_wait)
        while True:
            started = time.monotonic()
            try:
                return super().run()
            except DATABASE_UNAVAILABLE as error:
                if not self.running:
                    return None
                if time.monotonic() - started > self.longest_wait:
                    backoff.reset()  # it had been working: this is a new outage
                self.wait(backoff, "looking for tasks", error)
                self.startup_delay = False

    def run_task(self, db_task_result):
        # The stock worker records the outcome with three quick tries; a database that
        # is away longer would leave the task "running" and crash the worker.
        for name in ("set_successful", "set_failed"):
            setattr(db_task_result, name, self.until_recorded(getattr(db_task_result, name)))
        super().run_task(db_task_result)

    def until_recorded(self, record):
        def record_patiently(*args):
            backoff = Backoff(self.first_wait, self.longest_wait)
            while True:
                try:
                    return record(*args)
                except DATABASE_UNAVAILABLE as error:
                    if not self.running:
                        raise
                    self.wait(backoff, "recording a task's outcome", error)

        return record_patiently

    def wait(self, backoff, doing, error):
        wait = backoff.next()
        logger.warning("task worker: database unavailable while %s (%s); trying again in "
                       "%.1f s", doing, error, wait)
        drop_connections()
        time.sleep(wait)


class Command(db_worker.Command):
    help = ("Run queued background tasks; outlive a locked or restarting database "
            "(wait and try again, with a log line).")

    def handle(self, *, verbosity, queue_name, interval, batch, backend_name, startup_delay,
               reload, max_tasks, worker_id, exclude_queues, **options):
        # The stock handle() with this module's Worker.
        self.configure_logging(verbosity)
        if reload and batch:
            logger.warning("--reload and --batch cannot be specified together; not reloading.")
            reload = False
        queue_names = queue_name.split(",")
        excluded_queue_names = exclude_queues.split(",") if exclude_queues else []
        if excluded_queue_names and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = Worker(queue_names=queue_names, interval=interval, batch=batch,
                        backend_name=backend_name, startup_delay=startup_delay,
                        max_tasks=max_tasks, worker_id=worker_id,
                        excluded_queue_names=excluded_queue_names)
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
