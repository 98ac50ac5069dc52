"""The address rule, the event list, and the signature receivers check."""

import hashlib
import hmac

import pytest

from tongxin.kernel.errors import ServiceError
from tongxin.webhooks.models import validate_webhook_url
from tongxin.webhooks.services import create_subscription, sign, verify_signature

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", [
    "https://partner.example/hooks", "https://93.184.215.14:8443/x",
    "http://127.0.0.1:8000/hook", "http://localhost/hook", "http://[::1]:9000/hook",
])
def test_https_anywhere_and_plain_http_only_to_this_machine(url, settings):
    settings.DEBUG = False
    # This machine is an internal address: it is reached only when allowed by name.
    settings.TONGXIN_WEBHOOK_ALLOWED_INTERNAL_HOSTS = ["127.0.0.1", "localhost", "::1"]
    validate_webhook_url(url)


@pytest.mark.parametrize("url", ["http://partner.example/hooks", "http://10.0.0.5/hook",
                                 "http://127.0.0.1.partner.example/hook"])
def test_an_http_address_elsewhere_is_refused_when_not_debug(url, settings):
    settings.DEBUG = False
    with pytest.raises(ServiceError) as refused:
        validate_webhook_url(url)
    assert refused.value.code == "webhook_url_insecure"


def test_an_http_address_elsewhere_is_allowed_while_debugging(settings):
    settings.DEBUG = True
    validate_webhook_url("http://partner.example/hooks")


@pytest.mark.parametrize("url", ["ftp://partner.example/", "partner.example/hook", "", "https://",
                                 "https://partner.example:notaport/"])
def test_what_is_not_a_web_address_is_refused(url):
    with pytest.raises(ServiceError) as refused:
        validate_webhook_url(url)
    assert refused.value.code == "webhook_url_invalid"


def test_credentials_in_the_address_are_refused():
    with pytest.raises(ServiceError) as refused:
        validate_webhook_url("https://user:pw@partner.example/hook")
    assert refused.value.code == "webhook_url_credentials"


def test_creating_a_subscription_checks_the_address_and_the_events(world, settings):
    settings.DEBUG = False
    with pytest.raises(ServiceError) as insecure:
        create_subscription(organisation=world.partner, url="http://partner.example/h",
                            events=["matter.created"])
    assert insecure.value.code == "webhook_url_insecure"
    with pytest.raises(ServiceError) as no_events:
        create_subscription(organisation=world.partner, url="https://partner.example/h", events=[])
    assert no_events.value.code == "webhook_events_required"
    with pytest.raises(ServiceError) as unknown:
        create_subscription(organisation=world.partner, url="https://partner.example/h",
                            events=["matter.deleted"])
    assert unknown.value.code == "webhook_events_unknown"


def test_a_new_subscription_has_its_own_secret_and_is_recorded(world):
    from tongxin.core.models import Event

    one = create_subscription(organisation=world.partner, url="https://a.example/h",
                              events=["matter.resolved", "matter.created", "matter.created"])
    two = create_subscription(organisation=world.partner, url="https://b.example/h",
                              events=["matter.created"])
    assert len(one.secret) == 64 and one.secret != two.secret
    assert one.events == ["matter.created", "matter.resolved"]
    assert Event.objects.filter(action="webhook.subscribed").count() == 2
    with pytest.raises(ServiceError) as twice:
        create_subscription(organisation=world.partner, url="https://a.example/h",
                            events=["matter.created"])
    assert twice.value.code == "webhook_duplicate"


def headers(timestamp, signature, delivery="1", event="matter.created"):
    return {"X-Tongxin-Timestamp": timestamp, "X-Tongxin-Delivery": delivery,
            "X-Tongxin-Event": event, "X-Tongxin-Signature": signature}


def test_the_signature_is_an_hmac_of_timestamp_delivery_event_and_body():
    body = '{"id":1,"title":"东门"}'.encode()
    expected = hmac.new(b"s3cret", b"1700000000\n1\nmatter.created\n" + body,
                        hashlib.sha256).hexdigest()
    assert sign("s3cret", "1700000000", body, delivery=1,
                event="matter.created") == f"sha256={expected}"
    header = f"sha256={expected}"
    at = {"now": 1700000000}
    assert verify_signature("s3cret", headers("1700000000", header), body, **at)
    assert verify_signature("s3cret", headers("1700000000", header), body.decode(), **at)
    assert not verify_signature("s3cret", headers("1700000001", header), body, **at)
    assert not verify_signature("s3cret", headers("1700000000", header), body + b" ", **at)
    # no "sha256=" prefix, nothing, not ASCII
    assert not verify_signature("s3cret", headers("1700000000", expected), body, **at)
    assert not verify_signature("s3cret", headers("1700000000", ""), body, **at)
    assert not verify_signature("s3cret", headers("1700000000", "sha256=非ascii"), body, **at)
    assert not verify_signature("s3cret", {}, body, **at)


def test_a_receiver_refuses_old_timestamps_by_default():
    header = sign("s3cret", "1700000000", b"{}", delivery=1, event="matter.created")
    assert verify_signature("s3cret", headers("1700000000", header), b"{}",
                            now=1700000000 + 299)
    assert not verify_signature("s3cret", headers("1700000000", header), b"{}",
                                now=1700000000 + 301)
    assert not verify_signature("s3cret", headers("1700000000", header), b"{}",
                                now=1700000000 + 30 * 86400)
