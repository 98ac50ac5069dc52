"""The one table of a webhook delivery's life (kernel.workflow): the only way its status
changes. The attempts themselves are the delivery log (DeliveryAttempt)."""

from django.utils.translation import gettext_lazy as _

from tongxin.kernel.workflow import Transition, Workflow
from tongxin.webhooks.choices import DeliveryStatus as D


def _the_sender(user, delivery):
    return user is None  # the sender task and the retry scan act as the system


def _an_administrator(user, delivery):
    return user is None or getattr(user, "is_superuser", False)


DELIVERY_FLOW = Workflow(
    "webhooks.delivery",
    [
        Transition("refuse", {D.PENDING}, D.FAILED, "sender",
                   _("Not sent: subscription off or address refused")),
        Transition("succeed", {D.PENDING}, D.SUCCEEDED, "sender", _("Delivered")),
        Transition("give_up", {D.PENDING}, D.GAVE_UP, "sender", _("Gave up")),
        # "Send again" also hurries a pending delivery waiting for its back-off.
        Transition("retry", {D.PENDING, D.FAILED, D.GAVE_UP}, D.PENDING, "administrator",
                   _("Send again")),
    ],
    actors={"sender": _the_sender, "administrator": _an_administrator},
    state_label=lambda state: D(state).label,
)
