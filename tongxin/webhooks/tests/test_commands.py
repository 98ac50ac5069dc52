"""tongxin retry-webhooks: one pass, or a loop for a service."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tongxin.webhooks.choices import DeliveryStatus
from tongxin.webhooks.models import Delivery
from tongxin.webhooks.services import create_subscription

pytestmark = pytest.mark.django_db


def test_one_pass_sends_what_is_due_and_prints_the_counts(world, receiver, new_matter,
                                                         queue_down):
    create_subscription(organisation=world.partner, url=receiver.url, events=["matter.created"])
    new_matter()  # the task queue is down: nothing was queued, the pass sends it
    out = io.StringIO()
    call_command("retry_webhooks", stdout=out)
    assert "delivered 1, waiting 0, gave up 0" in out.getvalue()
    assert Delivery.objects.get().status == DeliveryStatus.SUCCEEDED
    assert len(receiver.requests) == 1


def test_the_loop_runs_every_n_seconds(world, receiver, new_matter, monkeypatch, queue_down):
    sleeps = []
    monkeypatch.setattr("time.sleep", sleeps.append)
    # The loop drops stale connections between runs; in a test that would drop the
    # test's own transaction on PostgreSQL.
    monkeypatch.setattr(
        "tongxin.core.periodic.close_old_connections", lambda: None
    )
    create_subscription(organisation=world.partner, url=receiver.url, events=["matter.created"])
    new_matter()
    Delivery.objects.update(next_attempt_at=timezone.now() + timedelta(hours=1))
    out = io.StringIO()
    call_command("retry_webhooks", "--every", "60", "--max-runs", "2", stdout=out)
    assert sleeps == [60] and out.getvalue().count("delivered 0") == 2
    assert receiver.requests == []


def test_every_needs_a_positive_number():
    with pytest.raises(CommandError):
        call_command("retry_webhooks", "--every", "0")
