"""Publish what happened; subscribers react after the transaction commits.

    events.publish("matters.raised", matter, by=person.pk)          # in a service
    events.subscribe("matters.raised", record_suggestion_for)        # in a manifest

A service publishes inside its transaction. The event is written to an outbox row
(kernel.models.PublishedEvent) in that same transaction and handed to its subscribers
after commit, each subscriber in a transaction of its own. So:

- a rolled-back transaction produces nothing: no notice, no webhook, no suggestion;
- a subscriber that fails does not undo the change nor stop the other subscribers; the
  sweep (``deliver_pending``, run with every deadline scan, ``tongxin check-deadlines``
  loop) tries it again, and a subscriber's work is committed with the note that it ran,
  so it runs once per event.

Subscribers receive an ``Event``: ``kind``, ``subject_type`` ("matters.matter"),
``subject_id``, ``payload`` (JSON) and ``subject`` (the record, fetched on first use).
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from fnmatch import fnmatchcase

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from tongxin.kernel.models import PublishedEvent

logger = logging.getLogger(__name__)

# Give up on a subscriber after this many failed deliveries (it stays undelivered, logged).
MAX_ATTEMPTS = 10
# The sweep leaves fresh events to the after-commit delivery of the request that made them.
SWEEP_GRACE = timedelta(seconds=30)


@dataclass(frozen=True)
class Subscriber:
    pattern: object  # an event kind, a glob such as "matters.*", or a predicate of the kind
    handler: object
    name: str

    def wants(self, kind):
        if callable(self.pattern):
            return bool(self.pattern(kind))
        return fnmatchcase(kind, self.pattern)


_subscribers: list[Subscriber] = []


def subscribe(pattern, handler, *, name=None):
    """Call ``handler(event)`` after commit for every event whose kind matches ``pattern``.

    Call it from an app's manifest (run once at start-up). ``pattern`` may also be a
    function of the kind (the webhooks app asks the registry which kinds partners may
    hear of). ``name`` identifies the subscriber in the outbox; it defaults to the
    handler's module and name.
    """
    name = name or f"{handler.__module__}.{handler.__qualname__}"
    if any(s.name == name for s in _subscribers):
        return  # a manifest imported twice subscribes once
    _subscribers.append(Subscriber(pattern, handler, name))


def subscribers_of(kind):
    return [s for s in _subscribers if s.wants(kind)]


def subject_label(model_or_obj):
    return model_or_obj._meta.label_lower


@dataclass
class Event:
    kind: str
    subject_type: str
    subject_id: str
    payload: dict = field(default_factory=dict)
    id: int | None = None
    _subject: object = None

    @property
    def subject(self):
        """Return the record the event is about (fetched once; None if it is gone)."""
        if self._subject is None:
            model = apps.get_model(self.subject_type)
            self._subject = model._default_manager.filter(pk=self.subject_id).first()
        return self._subject


def publish(kind, subject, **payload):
    """Record that ``kind`` happened to ``subject``; subscribers run after commit.

    ``payload`` must be JSON-serialisable (ids, codes, strings, ISO dates). Call it
    inside the service's transaction; outside one it is delivered at once.
    """
    listening = bool(subscribers_of(kind))
    row = PublishedEvent.objects.create(
        kind=kind, subject_type=subject_label(subject), subject_id=str(subject.pk),
        payload=payload, delivered_at=None if listening else timezone.now(),
    )
    if listening:
        transaction.on_commit(lambda: deliver(row.pk, subject=subject))
    return row


def deliver(pk, *, subject=None):
    """Hand one outbox event to each subscriber that has not handled it yet."""
    row = PublishedEvent.objects.filter(pk=pk, delivered_at__isnull=True).first()
    if row is None:
        return True
    event = Event(row.kind, row.subject_type, row.subject_id, row.payload, row.pk, subject)
    failed = False
    for subscriber in subscribers_of(row.kind):
        if subscriber.name in row.handled_by:
            continue
        try:
            with transaction.atomic():
                locked = PublishedEvent.objects.select_for_update().get(pk=pk)
                if subscriber.name in locked.handled_by:
                    continue  # another deliverer got there first
                subscriber.handler(event)
                locked.handled_by = [*locked.handled_by, subscriber.name]
                locked.save(update_fields=["handled_by"])
        except Exception:
            failed = True
            logger.exception("subscriber %s failed on event %s (%s)", subscriber.name, pk,
                             row.kind)
    if failed:
        PublishedEvent.objects.filter(pk=pk).update(attempts=row.attempts + 1)
        return False
    PublishedEvent.objects.filter(pk=pk).update(delivered_at=timezone.now())
    return True


def deliver_pending(now=None, *, limit=1000):
    """Deliver events that a request did not finish delivering (a worker died, a subscriber
    failed); return how many were delivered in full."""
    now = now or timezone.now()
    pending = PublishedEvent.objects.filter(
        delivered_at__isnull=True, created_at__lt=now - SWEEP_GRACE, attempts__lt=MAX_ATTEMPTS,
    ).order_by("pk").values_list("pk", flat=True)[:limit]
    return sum(1 for pk in list(pending) if deliver(pk))


def history(subject, kinds=None):
    """Return the outbox rows about ``subject`` (oldest first), optionally of some kinds."""
    rows = PublishedEvent.objects.filter(subject_type=subject_label(subject),
                                         subject_id=str(subject.pk))
    if kinds is not None:
        rows = rows.filter(kind__in=kinds)
    return rows.order_by("pk")
