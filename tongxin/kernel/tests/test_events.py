"""Kernel events: written with the change, delivered after commit, once per subscriber."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from tongxin.kernel import events
from tongxin.kernel.models import PublishedEvent
from tongxin.places.models import Place

pytestmark = pytest.mark.django_db


@pytest.fixture
def listener(monkeypatch):
    """Subscribe a recorder to "test.*" for one test (the list of subscribers is restored)."""
    heard = []
    monkeypatch.setattr(events, "_subscribers", list(events._subscribers))

    def hear(event):
        heard.append((event.kind, event.subject.pk, event.payload))

    events.subscribe("test.*", hear, name="test.listener")
    return heard


def test_a_subscriber_hears_an_event_after_the_transaction_commits(world, listener):
    with transaction.atomic():
        events.publish("test.happened", world.district, answer=42)
        assert listener == []  # not while the transaction is open
    assert listener == [("test.happened", world.district.pk, {"answer": 42})]
    row = PublishedEvent.objects.get(kind="test.happened")
    assert row.delivered_at is not None and row.handled_by == ["test.listener"]


def test_a_rolled_back_transaction_leaves_no_event_and_calls_no_subscriber(world, listener):
    with pytest.raises(RuntimeError), transaction.atomic():
        events.publish("test.happened", world.district)
        raise RuntimeError("undo")
    assert listener == []
    assert not PublishedEvent.objects.filter(kind="test.happened").exists()


def test_an_event_nobody_listens_to_is_kept_as_delivered(world, listener):
    row = events.publish("nobody.listens", world.district)
    assert row.delivered_at is not None


def test_a_failing_subscriber_neither_undoes_the_change_nor_stops_the_others(
        world, listener, monkeypatch):
    calls = []

    def broken(event):
        calls.append(event.kind)
        Place.objects.filter(pk=world.district.pk).update(name="改了一半")
        raise RuntimeError("boom")

    events.subscribe("test.*", broken, name="test.broken")
    events.publish("test.happened", world.district)
    assert calls == ["test.happened"] and len(listener) == 1
    # The broken subscriber's own writes were rolled back with it.
    assert Place.objects.get(pk=world.district.pk).name == world.district.name
    row = PublishedEvent.objects.get(kind="test.happened")
    assert row.delivered_at is None and row.handled_by == ["test.listener"]
    assert row.attempts == 1


def test_the_sweep_delivers_what_a_request_left_and_each_subscriber_runs_once(
        world, listener, monkeypatch):
    fixed = []

    def flaky(event):
        fixed.append(event.kind)
        if len(fixed) == 1:
            raise RuntimeError("database restarting")

    events.subscribe("test.*", flaky, name="test.flaky")
    events.publish("test.happened", world.district)
    assert len(listener) == 1 and len(fixed) == 1
    later = timezone.now() + timedelta(minutes=5)
    assert events.deliver_pending(later) == 1
    assert len(fixed) == 2 and len(listener) == 1  # the listener is not called twice
    assert events.deliver_pending(later) == 0
    row = PublishedEvent.objects.get(kind="test.happened")
    assert row.delivered_at is not None
    assert sorted(row.handled_by) == ["test.flaky", "test.listener"]


def test_the_sweep_leaves_fresh_events_to_the_request_that_made_them(world, monkeypatch):
    monkeypatch.setattr(events, "_subscribers", list(events._subscribers))
    heard = []
    events.subscribe("test.*", heard.append, name="test.late")
    with transaction.atomic():
        row = events.publish("test.happened", world.district)
        # Inside the transaction nothing is delivered, and the sweep keeps its hands off
        # an event younger than its grace period.
        assert events.deliver_pending(timezone.now()) == 0
    assert len(heard) == 1 and PublishedEvent.objects.get(pk=row.pk).delivered_at
