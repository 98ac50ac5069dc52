"""Side effects of the matter loop react to published events, after commit, and only then.

Notices (matters' own subscriber), webhook deliveries (webhooks) and the category
suggestion (triage) all subscribe to kernel events: none of them is called by a service.
"""

import pytest
from django.db import transaction

from tongxin.kernel.models import PublishedEvent
from tongxin.matters.models import Matter
from tongxin.notices.models import Notice
from tongxin.triage.models import Suggestion
from tongxin.webhooks.models import Delivery
from tongxin.webhooks.services import create_subscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner_listens(world, monkeypatch):
    """A partner of the world's community subscribed to new matters (nothing is POSTed)."""
    monkeypatch.setattr("tongxin.webhooks.services._send_on_commit", lambda ids: None)
    return create_subscription(organisation=world.partner, url="https://partner.example/hook",
                               events=["matter.created"])


def reactions():
    return Notice.objects.count(), Delivery.objects.count(), Suggestion.objects.count()


def test_a_rolled_back_raise_produces_no_notice_no_webhook_and_no_suggestion(
        world, new_matter, partner_listens):
    before = reactions()
    with pytest.raises(RuntimeError), transaction.atomic():
        new_matter()
        assert reactions() == before  # nothing reacts while the transaction is open
        raise RuntimeError("something later in the request failed")
    assert reactions() == before
    assert not Matter.objects.exists() and not PublishedEvent.objects.exists()


def test_the_same_raise_committed_produces_each_of_them_once(world, new_matter,
                                                            partner_listens):
    notices, deliveries, suggestions = reactions()
    with transaction.atomic():
        matter = new_matter()
        assert reactions() == (notices, deliveries, suggestions)
    assert Notice.objects.about(matter).count() - notices >= 2  # the reporter and the grid
    assert Delivery.objects.filter(subject_id=str(matter.pk)).count() == 1
    assert Suggestion.objects.filter(matter=matter).count() == 1
    raised = PublishedEvent.objects.get(kind="matters.raised", subject_id=str(matter.pk))
    assert raised.delivered_at is not None
    assert set(raised.handled_by) == {"tongxin.matters.events.send_notices",
                                      "webhooks.deliveries",
                                      "tongxin.triage.services.suggest_for_raised",
                                      "tongxin.hotspots.computing.matter_changed"}


def test_a_refused_step_publishes_nothing(world, new_matter):
    from tongxin.kernel.errors import PermissionDenied
    from tongxin.matters import services

    matter = new_matter()
    published = PublishedEvent.objects.count()
    with pytest.raises(PermissionDenied):
        services.escalate(matter, by=world.resident, reason="我想上报")
    assert PublishedEvent.objects.count() == published
    assert Matter.objects.get(pk=matter.pk).status == "new"


def test_a_late_webhook_tells_of_the_step_as_it_was(world, new_matter):
    from tongxin.kernel.events import Event
    from tongxin.matters import services
    from tongxin.matters.integrations import webhook_payload

    matter = new_matter()
    services.triage(matter, by=world.by_role["grid_worker"], kind="immediate")
    raised = PublishedEvent.objects.get(kind="matters.raised", subject_id=str(matter.pk))
    late = Event(raised.kind, raised.subject_type, raised.subject_id, raised.payload, raised.pk)
    body = webhook_payload(late)["matter"]
    assert body["status"] == "new" and body["owner_level"] == "grid"
    assert Matter.objects.get(pk=matter.pk).status == "in_progress"


def test_an_administrator_may_hurry_a_delivery_waiting_for_its_back_off(
        world, new_matter, partner_listens, frozen_now):
    from datetime import timedelta

    from tongxin.people.services import grant_superuser
    from tongxin.webhooks.services import retry_now

    matter = new_matter()
    delivery = Delivery.objects.get(subject_id=str(matter.pk))
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=frozen_now + timedelta(hours=2))  # waiting after a failed try
    retry_now(delivery, by=grant_superuser(world.by_role["system_admin"]))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.next_attempt_at) == ("pending", frozen_now)


@pytest.fixture
def frozen_now(time_machine):
    from django.utils import timezone

    time_machine.move_to("2026-10-09 10:00+08:00", tick=False)
    return timezone.now()
