"""What a partner system can subscribe to, and where a delivery stands."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from tongxin.kernel import registry


def event_choices():
    """Return (name, label) of every event partners may subscribe to, as the apps declared
    them (registry ``webhook_events``), in the order of INSTALLED_APPS."""
    return [(event.name, event.label) for event in registry.webhook_events()]


def event_names():
    return [name for name, _label in event_choices()]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")  # not yet sent, or waiting for its next retry
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")  # not sent: the subscription was switched off or its URL refused
    GAVE_UP = "gave_up", _("Gave up")  # every retry of the back-off table failed
