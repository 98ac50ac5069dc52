"""What the deadlines app declares to the kernel registry and which events it subscribes to
(docs/architecture.md). The kernel imports this module once at start-up."""
from tongxin.deadlines import demo_seed  # noqa: F401  (registers the demo settings and holidays)
