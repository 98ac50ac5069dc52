"""Webhook subscriptions of partner systems, and the log of every delivery and attempt."""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.kernel.errors import ServiceError
from tongxin.webhooks import network
from tongxin.webhooks.choices import DeliveryStatus, event_names

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


def is_local_host(host):
    host = (host or "").lower().rstrip(".")
    if host in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_webhook_url(url):
    """Refuse a URL that a webhook may not be sent to.

    Its form (``validate_webhook_url_form``), and where it leads: a host that is, or
    resolves to, an address inside a private or special network is refused unless
    settings.TONGXIN_WEBHOOK_ALLOWED_INTERNAL_HOSTS names it (network.py). Every
    delivery checks the address again when it connects.
    """
    parts = validate_webhook_url_form(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        network.check_host(parts.hostname, port)
    except network.Refused:
        raise ServiceError(
            "webhook_url_internal",
            _("Webhooks are sent to public internet addresses only: this address is, or "
              "leads to, a private, local or reserved network."),
        ) from None


def validate_webhook_url_form(url):
    """Refuse a URL whose form a webhook may not take; return it split.

    HTTPS everywhere; plain HTTP only while DEBUG is on or to this machine itself
    (a receiver on 127.0.0.1 or localhost), so that a signed payload never crosses a
    network in clear text. Credentials in the URL are refused: they would be shown in
    the admin and in logs, and the signature already proves who sent the request.
    """
    try:
        parts = urlsplit(str(url or "").strip())
        host = parts.hostname
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number
    except ValueError:
        host = None
    if not host or parts.scheme not in ("https", "http"):
        raise ServiceError("webhook_url_invalid", _("Enter an https:// address."))
    if parts.username or parts.password:
        raise ServiceError("webhook_url_credentials",
                           _("A webhook address may not contain a user name or password."))
    if parts.scheme == "http" and not (settings.DEBUG or is_local_host(host)):
        raise ServiceError(
            "webhook_url_insecure",
            _("Webhooks are sent over HTTPS only (plain http:// only to this machine)."),
        )
    return parts


def validate_event_types(value):
    if not isinstance(value, list) or not value:
        raise ServiceError("webhook_events_required", _("Choose at least one event."))
    known = set(event_names())
    unknown = [v for v in value if v not in known]
    if unknown:
        raise ServiceError("webhook_events_unknown", _("Unknown event: %(events)s."),
                           params={"events": ", ".join(map(str, unknown))})


class Subscription(models.Model):
    """A partner system of an organisation that wants to hear about what happens in its place.

    It hears only of records (matters …) at or under the organisation's place, so a
    partner of one community never learns of another's. ``secret`` signs every request (HMAC-SHA256);
    it has to be kept as it is to sign with, unlike an API key, of which only a hash is kept.
    """

    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT,
        related_name="webhook_subscriptions",
    )
    url = models.URLField(_("address"), max_length=500, validators=[validate_webhook_url])
    secret = models.CharField(_("signing secret"), max_length=64, editable=False)
    events = models.JSONField(_("events"), default=list, validators=[validate_event_types])
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["organisation__name", "url"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "url"],
                                    name="webhook_subscription_once_per_url"),
        ]

    def __str__(self):
        return f"{self.organisation} → {self.url}"

    def wants(self, event_type):
        return self.active and event_type in self.events

    def covers(self, place_code):
        """Return whether a record at ``place_code`` lies inside the organisation's place."""
        return place_code.startswith(self.organisation.place.code)


class DeliveryQuerySet(models.QuerySet):
    def due(self, now=None):
        """Return the pending deliveries whose next attempt has come."""
        return self.filter(status=DeliveryStatus.PENDING,
                           next_attempt_at__lte=now or timezone.now())


class Delivery(models.Model):
    """One event for one subscription: the body that is sent (the same on every retry)."""

    subscription = models.ForeignKey(Subscription, verbose_name=_("subscription"),
                                     on_delete=models.CASCADE, related_name="deliveries")
    event_type = models.CharField(_("event"), max_length=32)  # a registered webhook event
    # What the event happened to, named as kernel events name it (the record may be gone).
    subject_type = models.CharField(_("subject type"), max_length=64, blank=True)
    subject_id = models.CharField(_("subject id"), max_length=64, blank=True)
    payload = models.JSONField(_("payload"), default=dict)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    status = models.CharField(_("status"), max_length=12, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last HTTP status"), null=True,
                                                        blank=True)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]

    def __str__(self):
        return f"{self.event_type} #{self.pk}"


class DeliveryAttempt(models.Model):
    """One POST of a delivery and what came of it: the delivery log. Append-only."""

    delivery = models.ForeignKey(Delivery, verbose_name=_("delivery"),
                                 on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(_("at"), default=timezone.now)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=200, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.delivery_id} {self.status_code or self.error}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("delivery attempts are append-only")
        super().save(*args, **kwargs)

    @property
    def succeeded(self):
        return self.status_code is not None and 200 <= self.status_code < 300
