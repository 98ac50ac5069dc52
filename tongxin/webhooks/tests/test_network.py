"""Webhooks reach the public internet only, their log tells categories, their payload masks
contacts, and their signature covers the delivery and the event and expires (issue 16,
item 33)."""

import json
import socket
import time
from urllib.parse import urlsplit

import pytest

from tongxin.kernel.errors import ServiceError
from tongxin.webhooks import network
from tongxin.webhooks.choices import DeliveryStatus
from tongxin.webhooks.models import Delivery, validate_webhook_url
from tongxin.webhooks.services import create_subscription, sign, verify_signature

pytestmark = pytest.mark.django_db

PUBLIC = "93.184.215.14"


@pytest.fixture
def dns(monkeypatch):
    """A resolver the test controls: name → addresses (a name it does not know fails)."""
    table = {}

    def resolve(host, port):
        if host not in table:
            raise network.LookupFailed(host)
        return list(table[host])

    monkeypatch.setattr(network, "resolve", resolve)
    return table


@pytest.fixture
def subscribe(world):
    def make(url, events=("matter.created",)):
        return create_subscription(organisation=world.partner, url=url, events=list(events))
    return make


INTERNAL = [
    "https://169.254.169.254/latest/meta-data/", "https://10.0.0.1/hook",
    "https://192.168.1.1:6379/", "https://172.16.0.1/", "https://[::]/", "https://0.0.0.0/",
    "https://127.0.0.1/hook", "https://[::1]/hook", "https://localhost/hook",
    "https://[fe80::1]/", "https://[fd00::1]/", "https://[fec0::1]/", "https://[::ffff:10.0.0.1]/",
    "https://[2002:a00:1::1]/",
    "https://100.64.0.1/", "https://224.0.0.1/", "https://240.0.0.1/", "https://198.18.0.1/",
    "https://internal.example/hook", "https://mixed.example/hook",
    "http://127.0.0.1:8000/hook", "http://localhost/hook",
]


@pytest.mark.parametrize("url", INTERNAL)
def test_an_address_inside_a_private_or_special_network_is_refused(url, dns, settings):
    settings.TONGXIN_WEBHOOK_ALLOWED_INTERNAL_HOSTS = []
    dns.update({"internal.example": ["10.1.2.3"], "mixed.example": [PUBLIC, "192.168.0.7"],
                "localhost": ["127.0.0.1", "::1"]})
    with pytest.raises(ServiceError) as refused:
        validate_webhook_url(url)
    assert refused.value.code == "webhook_url_internal"
    assert "公网" in refused.value.message  # in the default language, Simplified Chinese


def test_a_public_address_and_a_name_not_resolving_yet_are_accepted(dns, settings):
    settings.TONGXIN_WEBHOOK_ALLOWED_INTERNAL_HOSTS = []
    dns["partner.example"] = [PUBLIC, "2606:2800:220:1::1"]
    validate_webhook_url("https://partner.example/hooks")
    validate_webhook_url(f"https://{PUBLIC}:8443/hooks")
    validate_webhook_url("https://not-yet.example/hooks")  # every delivery resolves it again


def test_a_named_internal_host_is_allowed_by_the_setting(dns, settings):
    settings.TONGXIN_WEBHOOK_ALLOWED_INTERNAL_HOSTS = ["Bridge.Internal.Example"]
    dns.update({"bridge.internal.example": ["10.1.2.3"], "other.internal.example": ["10.1.2.4"]})
    validate_webhook_url("https://bridge.internal.example/hook")
    with pytest.raises(ServiceError):
        validate_webhook_url("https://other.internal.example/hook")


def test_a_name_that_rebinds_to_an_internal_address_is_refused_at_delivery(
        world, dns, settings, subscribe, new_matter, receiver):
    """Public when subscribed, 127.0.0.1 when the delivery connects: nothing is sent."""
    settings.TONGXIN_WEBHOOK_ALLOWED_INTERNAL_HOSTS = []
    settings.DEBUG = True  # plain http to a name, so that the loopback receiver could answer
    dns["rebind.example"] = [PUBLIC]
    subscribe(f"http://rebind.example:{receiver.port}/hooks/tongxin")
    dns["rebind.example"] = ["127.0.0.1"]

    new_matter()

    delivery = Delivery.objects.get()
    assert receiver.requests == []
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error == network.NOT_ALLOWED


def test_the_delivery_connects_to_the_checked_address_and_names_the_host(
        world, dns, settings, subscribe, new_matter, receiver):
    settings.TONGXIN_WEBHOOK_ALLOWED_INTERNAL_HOSTS = ["partner.example"]
    settings.DEBUG = True
    dns["partner.example"] = ["127.0.0.1"]
    subscribe(f"http://partner.example:{receiver.port}/hooks/tongxin?x=1")

    new_matter()

    assert Delivery.objects.get().status == DeliveryStatus.SUCCEEDED
    request = receiver.requests[0]
    assert request.headers["Host"] == f"partner.example:{receiver.port}"
    assert request.path == "/hooks/tongxin?x=1"


def test_https_checks_the_certificate_of_the_name_not_of_the_address(monkeypatch):
    """The TLS connection goes to the checked address, with the name for SNI and the check."""
    seen = {}

    def create_connection(address, timeout=None):
        seen["address"] = address
        return socket.socket()

    def wrap_socket(context, sock, server_hostname=None, **kwargs):
        seen["server_hostname"] = server_hostname
        sock.close()
        raise network.ssl.SSLCertVerificationError("certificate verify failed")

    monkeypatch.setattr(network.socket, "create_connection", create_connection)
    monkeypatch.setattr(network.ssl.SSLContext, "wrap_socket", wrap_socket)
    parts = urlsplit("https://partner.example:8443/hook")

    status, error = network.post(parts, [PUBLIC], b"{}", {})

    assert seen == {"address": (PUBLIC, 8443), "server_hostname": "partner.example"}
    assert (status, error) == (None, network.TLS_ERROR)


# --- the delivery log -------------------------------------------------------------------------


def test_the_log_tells_a_category_not_the_sockets_words(
        world, settings, subscribe, new_matter, down_url, start_receiver):
    """A closed port and a port that answers nonsense read alike: "connection failed" /
    "invalid HTTP response", never "[Errno 111] Connection refused"; a 500 is "HTTP 5xx"."""
    settings.TONGXIN_WEBHOOK_ALLOWED_INTERNAL_HOSTS = ["127.0.0.1"]
    subscribe(down_url)
    new_matter()
    delivery = Delivery.objects.get()
    assert delivery.last_error == network.CONNECTION_FAILED
    assert delivery.attempt_log.get().error == network.CONNECTION_FAILED

    Delivery.objects.all().delete()
    receiver = start_receiver()
    receiver.status = 503
    subscribe(receiver.url)
    new_matter(title="路灯坏了")
    assert {d.last_error for d in Delivery.objects.filter(last_status_code=503)} == {"HTTP 5xx"}


def test_a_receiver_that_does_not_answer_in_time_is_a_timeout(world, settings, subscribe,
                                                              new_matter, monkeypatch):
    settings.TONGXIN_WEBHOOK_ALLOWED_INTERNAL_HOSTS = ["127.0.0.1"]
    monkeypatch.setattr(network, "TIMEOUT_SECONDS", 0.2)
    with socket.socket() as silent:  # accepts the connection, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        subscribe(f"http://127.0.0.1:{silent.getsockname()[1]}/hook")
        new_matter()
    assert Delivery.objects.get().last_error == network.TIMEOUT


# --- the payload --------------------------------------------------------------------------------


def test_contacts_typed_into_a_title_are_masked_in_the_payload(
        world, settings, subscribe, new_matter, receiver):
    settings.TONGXIN_WEBHOOK_ALLOWED_INTERNAL_HOSTS = ["127.0.0.1"]
    subscribe(receiver.url)
    new_matter(title="路灯坏了请回电13912345678，身份证11010519491231002X，或139 1234 0000")

    body = receiver.requests[0].body.decode("utf-8")
    assert "13912345678" not in body and "11010519491231002X" not in body
    assert "139 1234 0000" not in body  # however the number is written (core.masking)
    assert json.loads(body)["matter"]["title"].startswith("路灯坏了请回电139****5678")
    assert Delivery.objects.get().payload["matter"]["title"] == json.loads(body)["matter"]["title"]


# --- the signature ------------------------------------------------------------------------------


def headers_for(secret, body, *, at, delivery="42", event="matter.created"):
    timestamp = str(int(at))
    return {"X-Tongxin-Timestamp": timestamp, "X-Tongxin-Delivery": delivery,
            "X-Tongxin-Event": event,
            "X-Tongxin-Signature": sign(secret, timestamp, body, delivery=delivery, event=event)}


def test_a_signature_older_than_five_minutes_is_refused_by_default():
    body, now = b'{"id":42}', time.time()
    assert verify_signature("s3cret", headers_for("s3cret", body, at=now - 299), body)
    assert not verify_signature("s3cret", headers_for("s3cret", body, at=now - 301), body)
    assert not verify_signature("s3cret", headers_for("s3cret", body, at=now - 30 * 86400), body)
    assert not verify_signature("s3cret", headers_for("s3cret", body, at=now + 301), body)
    assert verify_signature("s3cret", headers_for("s3cret", body, at=now - 3000), body,
                            tolerance=3600)


@pytest.mark.parametrize("header,value", [("X-Tongxin-Delivery", "43"),
                                          ("X-Tongxin-Event", "matter.resolved"),
                                          ("X-Tongxin-Timestamp", "1")])
def test_the_signature_covers_the_delivery_and_the_event(header, value):
    body = b'{"id":42}'
    headers = headers_for("s3cret", body, at=time.time())
    assert verify_signature("s3cret", headers, body)
    assert not verify_signature("s3cret", {**headers, header: value}, body, tolerance=None)


def test_no_part_of_the_signed_message_moves_into_its_neighbour():
    """Review of item 33: with dots between the parts, delivery "42.matter" and event
    "created" were signed like delivery 42 and event matter.created."""
    body = b'{"id":42}'
    headers = headers_for("s3cret", body, at=time.time(), delivery="42", event="matter.created")
    moved = {**headers, "X-Tongxin-Delivery": "42.matter", "X-Tongxin-Event": "created"}
    assert verify_signature("s3cret", headers, body)
    assert not verify_signature("s3cret", moved, body)


def test_headers_are_read_whatever_their_case():
    body = b"{}"
    headers = {k.lower(): v for k, v in headers_for("s3cret", body, at=time.time()).items()}
    assert verify_signature("s3cret", headers, body)
