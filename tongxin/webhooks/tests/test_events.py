"""Webhooks react to kernel events after commit: a published event of a kind an app
declared (registry ``webhook_events``) becomes deliveries once its transaction commits,
a rolled-back one produces nothing, and partners get the body they always got."""

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone

from tongxin.kernel import events, registry
from tongxin.kernel.models import PublishedEvent
from tongxin.notices.models import Notice
from tongxin.webhooks.choices import event_choices
from tongxin.webhooks.models import Delivery

pytestmark = pytest.mark.django_db

AT = datetime(2026, 11, 2, 2, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture
def subscribe(world):
    from tongxin.webhooks.services import create_subscription

    def make(url, events=("matter.created", "matter.resolved"), organisation=None):
        return create_subscription(organisation=organisation or world.partner, url=url,
                                   events=list(events))
    return make


def publish(matter, action, at=AT):
    """Publish a timeline step of ``matter`` as the matters app does (issue 11's contract)."""
    step = matter.events.filter(action=action).last()
    return events.publish(f"matters.{action}", matter, event=step.pk if step else None,
                          action=action, by=None, at=at.isoformat(), visibility="public")


def raise_published(new_matter):
    """Raise a matter; the matters app publishes its ``matters.raised`` event."""
    matter = new_matter()
    assert events.history(matter, ["matters.raised"]).exists()
    return matter


# --- what partners may subscribe to ------------------------------------------------------------


def test_the_events_partners_may_subscribe_to_come_from_the_registry():
    assert [name for name, _label in event_choices()] == [
        "matter.created", "matter.assigned", "matter.resolved", "matter.rated"]
    kinds = {e.name: e.kinds for e in registry.webhook_events()}
    assert kinds["matter.created"] == ("matters.raised",)
    assert set(kinds["matter.assigned"]) == {"matters.triaged", "matters.escalated",
                                             "matters.whistled", "matters.reopened"}
    assert kinds["matter.resolved"] == ("matters.resolved",)
    assert kinds["matter.rated"] == ("matters.rated",)


# --- from an event to deliveries ---------------------------------------------------------------


def test_a_published_event_becomes_a_delivery_only_when_its_transaction_commits(
        world, receiver, subscribe, new_matter):
    subscribe(receiver.url, events=["matter.resolved"])
    matter = new_matter()
    with transaction.atomic():
        publish(matter, "resolved")
        assert not Delivery.objects.exists() and receiver.requests == []
    delivery = Delivery.objects.get()
    assert (delivery.event_type, delivery.subject_type, delivery.subject_id) == (
        "matter.resolved", "matters.matter", str(matter.pk))
    assert [r.headers["X-Tongxin-Event"] for r in receiver.requests] == ["matter.resolved"]


def test_the_body_is_what_partners_got_before(world, receiver, subscribe,
                                                            new_matter):
    subscribe(receiver.url, events=["matter.resolved"])
    matter = new_matter()
    publish(matter, "resolved")
    delivery = Delivery.objects.get()
    matter.refresh_from_db()
    expected = {
        "id": delivery.pk,
        "type": "matter.resolved",
        "occurred_at": "2026-11-02T10:00:00.123456+08:00",
        "matter": {
            "id": matter.pk,
            "number": matter.number,
            "title": matter.title,
            "status": "new",
            "category": matter.category.name,
            "place_code": matter.place_code,
            "owner_level": "grid",
            "due_at": timezone.localtime(matter.due_at).isoformat(),
            "satisfaction": None,
            "url": f"/matters/{matter.pk}/",
        },
    }
    # The body is the stored payload, compact (its key order is the database's JSON
    # order on PostgreSQL, as it always was).
    assert delivery.payload == expected == json.loads(receiver.requests[0].body)
    assert receiver.requests[0].body == json.dumps(
        delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()


def test_occurred_at_is_the_event_s_time_in_local_time_whatever_offset_it_was_published_with(
        world, receiver, subscribe, new_matter):
    subscribe(receiver.url, events=["matter.resolved"])
    matter = new_matter()
    publish(matter, "resolved", at=AT.astimezone(ZoneInfo("America/New_York")))
    body = json.loads(receiver.requests[0].body)
    assert body["occurred_at"] == "2026-11-02T10:00:00.123456+08:00"


def test_the_url_is_absolute_when_the_site_is_known(world, receiver, subscribe, new_matter,
                                                    settings):
    settings.TONGXIN_SITE_URL = "https://tongxin.example.gov.cn/"
    subscribe(receiver.url, events=["matter.resolved"])
    matter = new_matter()
    publish(matter, "resolved")
    body = json.loads(receiver.requests[0].body)
    assert body["matter"]["url"] == f"https://tongxin.example.gov.cn/matters/{matter.pk}/"


def test_events_no_app_declared_for_partners_create_no_delivery(world, receiver, subscribe,
                                                                new_matter):
    subscribe(receiver.url, events=["matter.created", "matter.assigned", "matter.resolved",
                                    "matter.rated"])
    matter = new_matter()
    before = Delivery.objects.count()
    for action in ("supported", "parked", "overdue", "merged_in"):
        publish(matter, action)
    assert Delivery.objects.count() == before


def test_a_partner_outside_the_subject_s_place_hears_nothing(world, receiver, subscribe,
                                                             new_matter):
    from tongxin.orgs.choices import OrgKind
    from tongxin.orgs.services import create_organisation

    elsewhere = create_organisation(kind=OrgKind.PARTNER_UNIT, name="和平学校",
                                    place=world.community_b1)
    subscribe(receiver.url, events=["matter.resolved"], organisation=elsewhere)
    publish(new_matter(), "resolved")  # in building b1, community A1
    assert receiver.requests == [] and not Delivery.objects.exists()


def test_a_subscriber_runs_once_per_event_even_when_the_sweep_comes_again(
        world, receiver, subscribe, new_matter):
    subscribe(receiver.url, events=["matter.resolved"])
    matter = new_matter()
    publish(matter, "resolved")
    events.deliver_pending(timezone.now() + timedelta(days=1))
    for row in PublishedEvent.objects.all():
        events.deliver(row.pk)
    assert Delivery.objects.count() == 1 and len(receiver.requests) == 1


# --- a transaction that rolls back produces nothing --------------------------------------------


def test_a_rolled_back_raise_produces_no_delivery_and_no_notice(world, receiver, subscribe,
                                                                new_matter):
    subscribe(receiver.url)
    notices = Notice.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        raise_published(new_matter)
        assert Notice.objects.count() == notices  # nobody reacts before the commit
        raise RuntimeError("something later in the request failed")
    assert not Delivery.objects.exists() and Notice.objects.count() == notices
    assert receiver.requests == [] and not PublishedEvent.objects.exists()
    # Nor does anything turn up later, when the sweep delivers what was left.
    events.deliver_pending(timezone.now() + timedelta(days=1))
    assert not Delivery.objects.exists() and receiver.requests == []


def test_the_same_raise_committed_produces_the_delivery_and_the_notices(
        world, receiver, subscribe, new_matter):
    subscribe(receiver.url)
    with transaction.atomic():
        matter = raise_published(new_matter)
        assert not Delivery.objects.exists()  # not before the commit
    delivery = Delivery.objects.get()
    assert (delivery.event_type, delivery.subject_id) == ("matter.created", str(matter.pk))
    assert Notice.objects.about(matter).filter(recipient=world.resident).exists()
    assert [r.headers["X-Tongxin-Event"] for r in receiver.requests] == ["matter.created"]
