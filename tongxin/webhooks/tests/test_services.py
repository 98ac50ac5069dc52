"""Webhooks end to end: a matter changes, a real receiver on 127.0.0.1 gets a signed POST,
a receiver that is down gets retries along the back-off table, and the log shows them."""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone

from tongxin.core.models import Event
from tongxin.kernel import events
from tongxin.kernel.errors import ServiceError
from tongxin.kernel.models import PublishedEvent
from tongxin.matters import services as matters
from tongxin.matters.choices import Kind
from tongxin.orgs.choices import OrgKind
from tongxin.orgs.services import create_organisation
from tongxin.people.choices import Role
from tongxin.people.services import grant_superuser
from tongxin.webhooks.choices import DeliveryStatus
from tongxin.webhooks.models import Delivery, DeliveryAttempt
from tongxin.webhooks.services import (
    BACKOFF,
    MAX_ATTEMPTS,
    create_subscription,
    deliver,
    retry_due_deliveries,
    retry_now,
    update_subscription,
    verify_signature,
)

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def subscribe(world):
    def make(url, events=("matter.created", "matter.resolved"), organisation=None):
        return create_subscription(organisation=organisation or world.partner, url=url,
                                   events=list(events))
    return make


@pytest.fixture
def raise_and_commit(new_matter):
    """Raise a matter; its transaction commits, and what it queued on commit runs, as in
    production (tongxin/conftest.py): the deliveries are created and sent."""
    return new_matter


@pytest.fixture
def grid_worker(world):
    return world.by_role[Role.GRID_WORKER]


def log(delivery):
    attempts = DeliveryAttempt.objects.filter(delivery=delivery)
    return list(attempts.values_list("status_code", "error"))


# --- a receiver that is up ---------------------------------------------------------------------


def test_raising_a_matter_sends_one_signed_post_to_the_partner_of_its_community(
        world, receiver, subscribe, raise_and_commit):
    subscription = subscribe(receiver.url)
    matter = raise_and_commit(contact_name="张先生", contact_phone="13912345678")

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    delivery = Delivery.objects.get()
    assert request.path == "/hooks/tongxin"
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert request.headers["X-Tongxin-Event"] == "matter.created"
    assert request.headers["X-Tongxin-Delivery"] == str(delivery.pk)
    assert verify_signature(subscription.secret, request.headers, request.body)
    assert not verify_signature("another secret", request.headers, request.body)

    payload = json.loads(request.body.decode("utf-8"))
    assert payload["id"] == delivery.pk and payload["type"] == "matter.created"
    assert datetime.fromisoformat(payload["occurred_at"]).utcoffset() is not None
    assert payload["matter"]["id"] == matter.pk
    assert payload["matter"]["number"] == matter.number
    assert payload["matter"]["title"] == matter.title
    assert payload["matter"]["status"] == "new"
    assert payload["matter"]["category"] == matter.category.name
    assert payload["matter"]["place_code"] == matter.place_code
    assert payload["matter"]["url"] == f"/matters/{matter.pk}/"
    text = request.body.decode("utf-8")
    for personal in (world.resident.full_name, world.resident.phone, "张先生", "13912345678"):
        assert personal not in text
    assert not {"reporter", "contact_name", "contact_phone", "description"} & set(payload["matter"])

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.SUCCEEDED, 1, 200)
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None
    assert log(delivery) == [(200, "")]


def test_only_the_subscribed_events_are_sent(world, receiver, subscribe, new_matter, grid_worker):
    subscribe(receiver.url, events=["matter.resolved"])
    matter = new_matter()
    matters.triage(matter, by=grid_worker, kind=Kind.IMMEDIATE)
    matters.resolve(matter, by=grid_worker, what_was_done="已清理", basis="物业合同",
                    standard="通道畅通")
    assert [r.headers["X-Tongxin-Event"] for r in receiver.requests] == ["matter.resolved"]
    assert json.loads(receiver.requests[0].body)["matter"]["status"] == "resolved"


def test_triage_is_an_assignment_and_a_rating_is_a_rating(
        world, receiver, subscribe, new_matter, grid_worker):
    subscribe(receiver.url, events=["matter.assigned", "matter.rated"])
    matter = new_matter()
    matters.triage(matter, by=grid_worker, kind=Kind.IMMEDIATE)
    matters.resolve(matter, by=grid_worker, what_was_done="已清理", basis="物业合同",
                    standard="通道畅通")
    matters.rate(matter, by=world.resident, satisfaction="satisfied")
    assert [r.headers["X-Tongxin-Event"] for r in receiver.requests] == [
        "matter.assigned", "matter.rated"]
    rated = json.loads(receiver.requests[1].body)["matter"]
    assert (rated["status"], rated["satisfaction"]) == ("closed", "satisfied")


def test_nothing_is_sent_when_the_matter_change_rolls_back(receiver, subscribe, new_matter):
    subscribe(receiver.url)
    with pytest.raises(RuntimeError), transaction.atomic():
        new_matter()
        raise RuntimeError("something later in the request failed")
    assert receiver.requests == [] and not Delivery.objects.exists()
    # Nothing is left for the sweep to deliver later either.
    assert not PublishedEvent.objects.exists()
    events.deliver_pending(timezone.now() + timedelta(days=1))
    assert receiver.requests == [] and not Delivery.objects.exists()


def test_an_inactive_subscription_hears_nothing(receiver, subscribe, raise_and_commit):
    update_subscription(subscribe(receiver.url), active=False)
    raise_and_commit()
    assert receiver.requests == [] and not Delivery.objects.exists()


# --- which partner hears of which matter ------------------------------------------------------


def test_a_partner_elsewhere_hears_nothing_of_matters_outside_its_place(
        world, start_receiver, subscribe, raise_and_commit):
    here, there, district_wide = start_receiver(), start_receiver(), start_receiver()
    subscribe(here.url)  # the hospital in community A1, where the resident lives
    elsewhere = create_organisation(kind=OrgKind.PARTNER_UNIT, name="和平学校",
                                    place=world.community_b1)
    subscribe(there.url, organisation=elsewhere)
    subscribe(district_wide.url, organisation=world.department)  # at the district

    raise_and_commit()  # in building b1, community A1
    assert (len(here.requests), len(there.requests), len(district_wide.requests)) == (1, 0, 1)

    raise_and_commit(by=world.other_street)  # in building b5, community B1
    assert (len(here.requests), len(there.requests), len(district_wide.requests)) == (1, 1, 2)
    assert json.loads(there.requests[0].body)["matter"]["place_code"].startswith(
        world.community_b1.code)


def test_a_partner_of_another_district_hears_nothing(world, receiver, subscribe, raise_and_commit):
    from tongxin.places.choices import PlaceKind
    from tongxin.places.services import create_place

    other = create_place(kind=PlaceKind.DISTRICT, name="别区", code="990102")
    subscribe(receiver.url, organisation=create_organisation(
        kind=OrgKind.DEPARTMENT, name="别区城管局", place=other))
    raise_and_commit()
    assert receiver.requests == [] and not Delivery.objects.exists()


# --- a receiver that is down ------------------------------------------------------------------


def test_a_receiver_that_is_down_gets_retries_and_the_delivery_log_shows_them(
        world, start_receiver, down_url, subscribe, raise_and_commit, time_machine):
    time_machine.move_to(T0, tick=False)
    subscribe(down_url)
    raise_and_commit()

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert delivery.next_attempt_at == T0 + BACKOFF[0]
    assert delivery.last_status_code is None and delivery.last_error == "connection failed"

    # Not yet due: a retry pass leaves it alone.
    time_machine.move_to(T0 + timedelta(seconds=30), tick=False)
    assert retry_due_deliveries()[DeliveryStatus.PENDING] == 0
    assert Delivery.objects.get().attempts == 1

    # The receiver comes up on that address, but fails.
    port = int(down_url.split(":")[2].split("/")[0])
    receiver = start_receiver(port)
    receiver.status = 500
    second = T0 + BACKOFF[0] + timedelta(seconds=1)
    time_machine.move_to(second, tick=False)
    assert retry_due_deliveries()[DeliveryStatus.PENDING] == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.PENDING, 2, 500)
    assert delivery.next_attempt_at == second + BACKOFF[1]

    # Then it answers.
    receiver.status = 200
    time_machine.move_to(second + BACKOFF[1], tick=False)
    assert retry_due_deliveries()[DeliveryStatus.SUCCEEDED] == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code, delivery.last_error) == (
        DeliveryStatus.SUCCEEDED, 3, 200, "")
    assert delivery.next_attempt_at is None

    attempts = list(delivery.attempt_log.all())
    assert [a.status_code for a in attempts] == [None, 500, 200]
    assert attempts[0].error == "connection failed" and attempts[1].error == "HTTP 5xx"
    assert [a.at for a in attempts] == [T0, second, second + BACKOFF[1]]
    # Every try carries the same delivery and body, freshly signed.
    assert {r.headers["X-Tongxin-Delivery"] for r in receiver.requests} == {str(delivery.pk)}
    assert receiver.requests[0].body == receiver.requests[1].body
    assert all(verify_signature(delivery.subscription.secret, r.headers, r.body, tolerance=None)
               for r in receiver.requests)

    # Delivered: later passes send nothing more.
    time_machine.move_to(T0 + timedelta(days=2), tick=False)
    retry_due_deliveries()
    assert len(receiver.requests) == 2


def test_after_the_last_back_off_step_it_gives_up(down_url, subscribe, raise_and_commit,
                                                 time_machine):
    time_machine.move_to(T0, tick=False)
    subscribe(down_url)
    raise_and_commit()
    delivery = Delivery.objects.get()
    now = T0
    for step in BACKOFF:
        assert delivery.next_attempt_at == now + step
        now += step
        time_machine.move_to(now, tick=False)
        retry_due_deliveries()
        delivery.refresh_from_db()
    assert MAX_ATTEMPTS == len(BACKOFF) + 1 == 6
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        DeliveryStatus.GAVE_UP, MAX_ATTEMPTS, None)
    assert len(log(delivery)) == MAX_ATTEMPTS

    time_machine.move_to(now + timedelta(days=7), tick=False)
    assert retry_due_deliveries()[DeliveryStatus.GAVE_UP] == 0
    assert DeliveryAttempt.objects.count() == MAX_ATTEMPTS


def test_a_delivery_that_gave_up_can_be_sent_again_from_the_admin(
        world, start_receiver, down_url, subscribe, raise_and_commit, time_machine):
    time_machine.move_to(T0, tick=False)
    subscription = subscribe(down_url)
    raise_and_commit()
    Delivery.objects.update(status=DeliveryStatus.GAVE_UP, next_attempt_at=None)
    receiver = start_receiver()
    update_subscription(subscription, url=receiver.url)
    retry_now(Delivery.objects.get(), by=grant_superuser(world.by_role[Role.SYSTEM_ADMIN]))
    assert Delivery.objects.get().status == DeliveryStatus.SUCCEEDED
    assert len(receiver.requests) == 1
    assert Event.objects.filter(action="webhook.retried").exists()
    with pytest.raises(ServiceError) as refused:
        retry_now(Delivery.objects.get())
    assert refused.value.code == "webhook_delivered"


def test_a_delivery_is_sent_once_even_if_the_task_and_the_scan_both_pick_it(
        receiver, subscribe, new_matter, queue_down):
    subscribe(receiver.url)
    new_matter()  # no task queued: it has not been sent yet
    delivery = Delivery.objects.get()
    deliver(delivery)
    deliver(delivery)
    retry_due_deliveries()
    assert len(receiver.requests) == 1 and Delivery.objects.get().attempts == 1


def test_a_subscription_switched_off_after_the_event_fails_without_sending(
        receiver, subscribe, new_matter, queue_down):
    subscription = subscribe(receiver.url)
    new_matter()  # no task queued: the delivery waits
    update_subscription(subscription, active=False)
    delivery = deliver(Delivery.objects.get())
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 0
    assert receiver.requests == []


def test_a_redirect_is_not_followed(world, start_receiver, subscribe, raise_and_commit):
    receiver = start_receiver()
    receiver.status = 302
    subscribe(receiver.url)
    raise_and_commit()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == (DeliveryStatus.PENDING, 302)
    assert len(receiver.requests) == 1
