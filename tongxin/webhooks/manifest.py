"""What the webhooks app declares to the kernel registry and which events it subscribes to
(docs/architecture.md). The kernel imports this module once at start-up."""

from tongxin.kernel import events
from tongxin.webhooks import services

# Every kernel event: which kinds partners hear of is read from the registry when an
# event comes (registry ``webhook_events``), so that it holds whatever the order in
# which the apps' manifests were imported.
events.subscribe("*", services.create_deliveries, name="webhooks.deliveries")

from tongxin.webhooks import transitions  # noqa: E402, F401  (declares the delivery workflow)
