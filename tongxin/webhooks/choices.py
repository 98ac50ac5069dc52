"""What a partner system can subscribe to, and where a delivery stands."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    CREATED = "matter.created", _("Matter raised")
    ASSIGNED = "matter.assigned", _("Matter assigned (triaged, escalated, whistled, reopened)")
    RESOLVED = "matter.resolved", _("Matter resolved")
    RATED = "matter.rated", _("Matter rated")


# Which timeline action (MatterEvent.action, matters.services) is which event type.
# Actions not listed here are not sent to partner systems.
ACTION_EVENTS = {
    "raised": EventType.CREATED,
    "triaged": EventType.ASSIGNED,
    "escalated": EventType.ASSIGNED,
    "whistled": EventType.ASSIGNED,
    "reopened": EventType.ASSIGNED,
    "resolved": EventType.RESOLVED,
    "rated": EventType.RATED,
}


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")  # not yet sent, or waiting for its next retry
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")  # not sent: the subscription was switched off or its URL refused
    GAVE_UP = "gave_up", _("Gave up")  # every retry of the back-off table failed
