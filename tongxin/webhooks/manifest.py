"""What the webhooks app declares to the kernel registry and which events it subscribes to
(docs/architecture.md). The kernel imports this module once at start-up."""

from tongxin.kernel import events, registry
from tongxin.webhooks import (
    personal_data,  # noqa: F401  (registers the personal data sections)
    services,
    transitions,  # noqa: F401  (declares the delivery workflow)
)


def _partners_may_hear_of(kind):
    """Whether some app declared ``kind`` as a webhook event (read when an event comes, so
    it holds whatever the order in which the apps' manifests were imported)."""
    return any(kind in declared.kinds for declared in registry.webhook_events())


events.subscribe(_partners_may_hear_of, services.create_deliveries, name="webhooks.deliveries")
