"""Webhooks: subscriptions, the deliveries a kernel event creates, and sending them.

The webhooks app knows no domain: an app declares which of its kernel events partners
may subscribe to, and their payload (registry ``webhook_events``), and where its
records are (registry ``subjects``). After the change commits, each such event becomes
one Delivery per matching subscription (``create_deliveries``, a subscriber); after
that commits, a task POSTs it. A receiver that fails is retried along BACKOFF until the
table runs out, and every try is kept as a DeliveryAttempt (the delivery log).

Sending is at least once: a receiver may see a delivery twice (a worker that died
after sending, a retry racing a slow answer) and should ignore a repeated
``X-Tongxin-Delivery``.
"""

import hashlib
import hmac
import json
import logging
import secrets
import time
from collections import Counter
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core.masking import mask_contacts_in_text
from tongxin.core.models import record_event
from tongxin.kernel import registry
from tongxin.kernel.errors import ServiceError
from tongxin.webhooks import network
from tongxin.webhooks.choices import DeliveryStatus, event_names
from tongxin.webhooks.models import (
    Delivery,
    DeliveryAttempt,
    Subscription,
    validate_event_types,
    validate_webhook_url,
    validate_webhook_url_form,
)
from tongxin.webhooks.transitions import DELIVERY_FLOW

logger = logging.getLogger(__name__)

# How long to wait after the n-th failed attempt; after the last step, give up.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# A sender claims a delivery by moving its next attempt this far ahead, so that the
# task and the retry scan never POST it at the same time; a sender that dies leaves
# the delivery to the scan once the claim runs out.
CLAIM = timedelta(minutes=5)
USER_AGENT = "Tongxin-Webhooks/1"
# How old (or how far ahead) a signed timestamp a receiver accepts, against replays.
SIGNATURE_TOLERANCE = 300
# Contacts a resident may type into a title or any text a payload carries.
# --- subscriptions ---------------------------------------------------------------------------


def generate_secret():
    return secrets.token_hex(32)


def _clean_events(events):
    chosen = {str(e) for e in (events or [])}
    validate_event_types(sorted(chosen))
    return [e for e in event_names() if e in chosen]


def _clean_url(url):
    url = str(url or "").strip()
    validate_webhook_url(url)
    return url


@transaction.atomic
def create_subscription(*, organisation, url, events, active=True, by=None):
    """Subscribe a partner system of ``organisation`` to ``events`` with a new secret."""
    url, events = _clean_url(url), _clean_events(events)
    if Subscription.objects.filter(organisation=organisation, url=url).exists():
        raise ServiceError("webhook_duplicate",
                           _("This organisation already has a subscription for this address."))
    subscription = Subscription.objects.create(
        organisation=organisation, url=url, events=events, active=bool(active),
        secret=generate_secret(),
    )
    record_event("webhook.subscribed", subscription, actor=by, place=organisation.place,
                 url=url, events=events)
    return subscription


@transaction.atomic
def update_subscription(subscription, *, url=None, events=None, active=None, by=None):
    """Change a subscription's address, events or switch; the secret stays."""
    subscription = Subscription.objects.select_for_update().select_related(
        "organisation__place").get(pk=subscription.pk)
    changed = {}
    if url is not None and _clean_url(url) != subscription.url:
        subscription.url = changed["url"] = _clean_url(url)
    if events is not None and _clean_events(events) != subscription.events:
        subscription.events = changed["events"] = _clean_events(events)
    if active is not None and bool(active) != subscription.active:
        subscription.active = changed["active"] = bool(active)
    if changed:
        subscription.save(update_fields=list(changed))
        record_event("webhook.changed", subscription, actor=by,
                     place=subscription.organisation.place, **changed)
    return subscription


@transaction.atomic
def rotate_secret(subscription, *, by=None):
    """Give a subscription a new secret (the partner must switch to it)."""
    subscription = Subscription.objects.select_for_update().select_related(
        "organisation__place").get(pk=subscription.pk)
    subscription.secret = generate_secret()
    subscription.save(update_fields=["secret"])
    record_event("webhook.secret_rotated", subscription, actor=by,
                 place=subscription.organisation.place)
    return subscription


# --- from a kernel event to deliveries ---------------------------------------------------------


def _iso(dt):
    return timezone.localtime(dt).isoformat() if dt else None


def mask_contacts(value):
    """Return ``value`` (a payload, nested) with mobile and ID-card numbers in its text masked.

    Apps declare payloads without personal data, but a title is what a resident typed:
    "路灯坏了请回电13912345678" must reach a partner as "…139****5678".
    """
    if isinstance(value, str):
        return mask_contacts_in_text(value)
    if isinstance(value, dict):
        return {key: mask_contacts(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_contacts(item) for item in value]
    return value


def occurred_at(event):
    """Return when ``event`` happened, in local time: its payload's ``at`` (ISO), or now."""
    try:
        at = datetime.fromisoformat(event.payload.get("at") or "")
    except (TypeError, ValueError):
        at = None
    if at is not None and timezone.is_naive(at):
        at = timezone.make_aware(at)
    return _iso(at or timezone.now())


def subscriptions_for(place_code, event_name):
    """Return the active subscriptions that want ``event_name`` for a record at ``place_code``."""
    code = place_code or ""
    # The organisation's place is the record's place or one of its ancestors, and a
    # place's ancestors are the prefixes of its code: one indexed lookup.
    candidates = Subscription.objects.filter(
        active=True, organisation__place__code__in=[code[:n] for n in range(1, len(code) + 1)],
    ).select_related("organisation__place").order_by("pk")
    return [s for s in candidates if s.wants(event_name) and s.covers(code)]


def create_deliveries(event):
    """Create the deliveries a kernel event calls for, and send them after commit.

    Subscribed to the kinds some app declared as webhook events (manifest.py): such an
    event (registry ``webhook_events``) becomes one Delivery per
    active subscription of an organisation at or above the subject's place (registry
    ``subjects``). It runs after the change has committed, in a transaction of its
    own, so a change that rolls back produces no delivery.
    """
    declared = [w for w in registry.webhook_events() if event.kind in w.kinds]
    subject = event.subject if declared else None
    if subject is None:
        return []
    place_code = registry.subject_place_code(subject)
    now = timezone.now()
    deliveries = []
    for webhook_event in declared:
        subscriptions = subscriptions_for(place_code, webhook_event.name)
        part = webhook_event.payload(event) if subscriptions else None
        if part is None:
            continue
        body = mask_contacts({"type": webhook_event.name, "occurred_at": occurred_at(event),
                              **part})
        for subscription in subscriptions:
            delivery = Delivery.objects.create(
                subscription=subscription, event_type=webhook_event.name,
                subject_type=event.subject_type, subject_id=event.subject_id,
                next_attempt_at=now, created_at=now,
            )
            # The delivery's id is part of the body, so the body is written once it has one.
            delivery.payload = {"id": delivery.pk, **body}
            delivery.save(update_fields=["payload"])
            deliveries.append(delivery)
    if deliveries:
        _send_on_commit([d.pk for d in deliveries])
    return deliveries


def _send_on_commit(delivery_ids):
    from tongxin.webhooks.tasks import deliver_webhook

    def enqueue():
        for pk in delivery_ids:
            deliver_webhook.enqueue(pk)

    # robust: a queue that is down must not fail the deliveries that already
    # committed; the retry scan sends what was not queued.
    transaction.on_commit(enqueue, robust=True)


# --- signing -------------------------------------------------------------------------------


def sign(secret, timestamp, body, *, delivery, event):
    """Return the signature header value for ``body`` (bytes) of ``delivery`` (its id) of
    ``event`` (its name), sent at ``timestamp``: HMAC-SHA256 of
    "<timestamp>\n<delivery>\n<event>\n<body>" with the subscription's secret. A header
    value cannot hold a line break, so no part can be moved into its neighbour (a dot
    could: delivery "41.matter" with event "assigned" signed like 41 and matter.assigned).
    """
    message = f"{timestamp}\n{delivery}\n{event}\n".encode() + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _header(headers, name):
    wanted = name.lower()
    for key, value in headers.items():
        if str(key).lower() == wanted:
            return str(value).strip()
    return ""


def verify_signature(secret, headers, body, *, tolerance=SIGNATURE_TOLERANCE, now=None):
    """Return whether a request's headers sign ``body`` for this subscription's ``secret``.

    For receivers: pass the request's headers (any mapping; names in any case) and the raw
    body as received. The signature covers the timestamp, the delivery id, the event and
    the body; a timestamp more than ``tolerance`` seconds old or ahead (five minutes
    unless told otherwise; None turns the check off) is refused, against replays.
    """
    timestamp = _header(headers, "X-Tongxin-Timestamp")
    delivery = _header(headers, "X-Tongxin-Delivery")
    event = _header(headers, "X-Tongxin-Event")
    signature = _header(headers, "X-Tongxin-Signature")
    if not (secret and timestamp and delivery and event and signature):
        return False
    if any(ch in value for value in (timestamp, delivery, event) for ch in "\r\n"):
        return False
    if isinstance(body, str):
        body = body.encode("utf-8")
    expected = sign(secret, timestamp, body, delivery=delivery, event=event).encode()
    if not hmac.compare_digest(expected, signature.encode("utf-8", "replace")):
        return False
    if tolerance is not None:
        try:
            age = (now if now is not None else time.time()) - int(timestamp)
        except (TypeError, ValueError):
            return False
        return abs(age) <= tolerance
    return True


# --- sending ----------------------------------------------------------------------------------


def _refusal(subscription):
    if not subscription.active:
        return "subscription inactive"
    try:
        validate_webhook_url_form(subscription.url)
    except ServiceError:
        return "address refused (https required)"
    return ""


def _addresses(parts):
    """Return the addresses to connect to for the split URL ``parts``, checked now (the
    name may resolve elsewhere than when subscribed); raise network.Refused or
    network.LookupFailed."""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return network.destinations(parts.hostname, port)


def deliver(delivery, *, now=None):
    """POST a due delivery once, log the attempt and schedule the next; return the delivery.

    A delivery that is not due (sent already, waiting for its retry, or claimed by
    another sender) is returned untouched. No transaction is held while sending.
    """
    pk = getattr(delivery, "pk", delivery)
    now = now or timezone.now()
    claimed = Delivery.objects.due(now).filter(pk=pk).update(
        next_attempt_at=timezone.now() + CLAIM)
    delivery = Delivery.objects.select_related("subscription").filter(pk=pk).first()
    if not claimed or delivery is None:
        return delivery
    subscription = delivery.subscription
    refusal, parts, addresses = _refusal(subscription), urlsplit(subscription.url), []
    if not refusal:
        try:
            addresses = _addresses(parts)
        except network.Refused:
            refusal = network.NOT_ALLOWED
        except network.LookupFailed:
            pass  # a failed attempt, retried along BACKOFF
    if refusal:
        delivery.next_attempt_at, delivery.last_error = None, refusal
        DELIVERY_FLOW.apply(delivery, "refuse", by=None,
                            fields=["next_attempt_at", "last_error"])
        return delivery

    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    attempted_at = timezone.now()
    timestamp = str(int(attempted_at.timestamp()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Tongxin-Event": delivery.event_type,
        "X-Tongxin-Delivery": str(delivery.pk),
        "X-Tongxin-Timestamp": timestamp,
        "X-Tongxin-Signature": sign(subscription.secret, timestamp, body,
                                    delivery=delivery.pk, event=delivery.event_type),
    }
    started = time.monotonic()
    if addresses:
        status_code, error = network.post(parts, addresses, body, headers)
    else:
        status_code, error = None, network.LOOKUP_FAILED
    duration_ms = int((time.monotonic() - started) * 1000)
    return _record(delivery, attempted_at, status_code, error, duration_ms)


@transaction.atomic
def _record(delivery, attempted_at, status_code, error, duration_ms):
    DeliveryAttempt.objects.create(delivery=delivery, at=attempted_at, status_code=status_code,
                                   error=error, duration_ms=duration_ms)
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error = status_code, error
    fields = ["attempts", "last_status_code", "last_error", "next_attempt_at", "delivered_at"]
    if not error:
        delivery.next_attempt_at, delivery.delivered_at = None, timezone.now()
        DELIVERY_FLOW.apply(delivery, "succeed", by=None, fields=fields)
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.next_attempt_at = None
        DELIVERY_FLOW.apply(delivery, "give_up", by=None, fields=fields)
        logger.warning("webhook delivery %s gave up after %s attempts: %s",
                       delivery.pk, delivery.attempts, error)
    else:
        delivery.next_attempt_at = attempted_at + BACKOFF[delivery.attempts - 1]
        delivery.save(update_fields=fields)
        logger.info("webhook delivery %s attempt %s failed (%s), next at %s",
                    delivery.pk, delivery.attempts, error, delivery.next_attempt_at)
    return delivery


def retry_due_deliveries(now=None, *, limit=500):
    """Send the pending deliveries whose next attempt has come; return counts by outcome.

    Safe to run as often as you like, and alongside the task worker: each delivery
    is claimed before it is sent.
    """
    now = now or timezone.now()
    due = Delivery.objects.due(now).order_by("next_attempt_at", "pk").values_list("pk", flat=True)
    counts = Counter({status: 0 for status in DeliveryStatus.values})
    for pk in list(due[:limit]):
        delivery = deliver(pk, now=now)
        if delivery is not None:
            counts[delivery.status] += 1
    return dict(counts)


@transaction.atomic
def retry_now(delivery, *, by=None):
    """Send a delivery that gave up or failed once more, now (from the admin)."""
    delivery = Delivery.objects.select_for_update().select_related(
        "subscription__organisation__place").get(pk=delivery.pk)
    if delivery.status == DeliveryStatus.SUCCEEDED:
        raise ServiceError("webhook_delivered", _("This delivery has already been delivered."))
    delivery.next_attempt_at = timezone.now()
    DELIVERY_FLOW.apply(delivery, "retry", by=by, fields=["next_attempt_at"])
    record_event("webhook.retried", delivery, actor=by,
                 place=delivery.subscription.organisation.place)
    _send_on_commit([delivery.pk])
    return delivery
