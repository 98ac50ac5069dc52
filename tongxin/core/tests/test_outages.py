"""Background processes outlive a locked or restarting database (issue 16, item 25)."""

import pytest
from django.core.management import get_commands
from django.db import InterfaceError, OperationalError
from django_tasks import task
from django_tasks_db.management.commands import db_worker as stock
from django_tasks_db.models import DBTaskResult

from tongxin.core.management.commands.db_worker import Worker
from tongxin.core.periodic import PeriodicCommand

pytestmark = pytest.mark.django_db(transaction=True)
RAN = []


@task()
def remember(word):
    RAN.append(word)
    return word


@pytest.fixture
def sleeps(monkeypatch):
    waited = []
    monkeypatch.setattr("time.sleep", waited.append)
    return waited


@pytest.fixture
def queued(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    RAN.clear()
    return remember.enqueue("hello")


def worker():
    return Worker(queue_names=["default"], interval=0, batch=True, backend_name="default",
                  startup_delay=False, max_tasks=None, worker_id="test-worker",
                  excluded_queue_names=[])


def test_tongxin_db_worker_is_the_one_that_outlives_the_database():
    assert get_commands()["db_worker"] == "tongxin.core"


def test_the_task_worker_waits_out_a_locked_then_restarting_database(queued, sleeps,
                                                                     monkeypatch):
    outage = [OperationalError("database is locked"),
              InterfaceError("connection already closed"),
              OperationalError("server closed the connection unexpectedly")]
    real = stock.exclusive_transaction

    def unavailable_at_first(using=None):
        if outage:
            raise outage.pop(0)
        return real(using)

    monkeypatch.setattr(stock, "exclusive_transaction", unavailable_at_first)
    worker().run()
    assert RAN == ["hello"]
    assert DBTaskResult.objects.get(pk=queued.id).status == "SUCCESSFUL"
    assert sleeps[:3] == [0.5, 1.0, 2.0]  # backing off, not hammering the database


def test_a_task_that_ran_is_recorded_once_the_database_is_back(queued, sleeps, monkeypatch):
    real_save = DBTaskResult.save
    refusals = [6]

    def locked_while_recording(self, *args, update_fields=None, **kwargs):
        if update_fields and "finished_at" in update_fields and refusals[0]:
            refusals[0] -= 1
            raise OperationalError("database is locked")
        return real_save(self, *args, update_fields=update_fields, **kwargs)

    monkeypatch.setattr(DBTaskResult, "save", locked_while_recording)
    worker().run()
    assert RAN == ["hello"]  # once: recording the outcome is retried, not the task
    assert DBTaskResult.objects.get(pk=queued.id).status == "SUCCESSFUL"


class Probe(PeriodicCommand):
    noun = "probe"

    def __init__(self, failures):
        super().__init__()
        self.failures = failures
        self.runs = 0

    def run_once(self, enqueue):
        self.runs += 1
        if self.failures:
            raise self.failures.pop(0)


def test_the_periodic_loop_backs_off_while_the_database_is_away(sleeps, caplog):
    probe = Probe([OperationalError("database is locked"),
                   InterfaceError("connection already closed"),
                   OperationalError("the database system is starting up")])
    probe.handle(every=300, max_runs=5, enqueue=False)
    assert probe.runs == 5
    # Tried again after 1, 2 and 4 seconds, not after the 300-second interval; each
    # failure said so in the log; back to the interval once it worked.
    assert sleeps == [1, 2, 4, 300]
    assert [r.getMessage() for r in caplog.records].count(
        "probe: database unavailable (database is locked); trying again in 1 s") == 1
