"""The webhook admin: subscriptions through the services, the delivery log read-only."""

import pytest
from django.urls import reverse

from tongxin.people.choices import Role
from tongxin.people.services import grant_superuser
from tongxin.webhooks.models import Delivery, Subscription
from tongxin.webhooks.services import create_subscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, world):
    # The admin site is the site-wide superuser's (people.services.grant_superuser).
    client.force_login(grant_superuser(world.by_role[Role.SYSTEM_ADMIN]))
    return client


def test_adding_a_subscription_generates_its_secret_and_shows_it_read_only(world, admin_client):
    response = admin_client.post(reverse("admin:webhooks_subscription_add"), {
        "organisation": world.partner.pk, "url": "https://partner.example/hooks",
        "events": ["matter.created", "matter.resolved"], "active": "on",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    subscription = Subscription.objects.get()
    assert subscription.events == ["matter.created", "matter.resolved"]
    assert len(subscription.secret) == 64
    page = admin_client.get(reverse("admin:webhooks_subscription_change", args=[subscription.pk]))
    assert subscription.secret in page.content.decode()
    assert 'name="secret"' not in page.content.decode()


def test_an_insecure_address_is_refused_in_the_admin(world, admin_client, settings):
    settings.DEBUG = False
    response = admin_client.post(reverse("admin:webhooks_subscription_add"), {
        "organisation": world.partner.pk, "url": "http://partner.example/hooks",
        "events": ["matter.created"], "active": "on",
    })
    assert response.status_code == 200 and not Subscription.objects.exists()


def test_an_internal_address_is_refused_in_the_admin_with_a_message(world, admin_client):
    response = admin_client.post(reverse("admin:webhooks_subscription_add"), {
        "organisation": world.partner.pk, "url": "https://169.254.169.254/latest/meta-data/",
        "events": ["matter.created"], "active": "on",
    }, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and not Subscription.objects.exists()
    assert "public internet addresses only" in response.content.decode()


def test_the_log_shows_the_error_category(world, admin_client, new_matter, down_url):
    create_subscription(organisation=world.partner, url=down_url, events=["matter.created"])
    new_matter()  # sent at once, to a port where nothing listens
    delivery = Delivery.objects.get()
    page = admin_client.get(reverse("admin:webhooks_delivery_change", args=[delivery.pk]),
                            HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "connection failed" in page and "Errno" not in page and "refused" not in page


def test_the_delivery_log_is_read_only_and_lists_the_attempts(world, admin_client, new_matter,
                                                              queue_down):
    create_subscription(organisation=world.partner, url="https://partner.example/hooks",
                        events=["matter.created"])
    new_matter()  # the task queue is down: the delivery waits, never sent
    delivery = Delivery.objects.get()
    assert admin_client.get(reverse("admin:webhooks_delivery_changelist")).status_code == 200
    page = admin_client.get(reverse("admin:webhooks_delivery_change", args=[delivery.pk]))
    assert page.status_code == 200 and "matter.created" in page.content.decode()
    assert admin_client.get(reverse("admin:webhooks_delivery_add")).status_code == 403
