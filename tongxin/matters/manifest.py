"""What the matters app declares to the kernel registry and which events it subscribes to
(docs/architecture.md). The kernel imports this module once at start-up."""

# notices and webhooks
from tongxin.kernel.registry import register
from tongxin.matters import integrations, notices

register("matters", notice_kinds=notices.NOTICE_KINDS, subjects=integrations.SUBJECTS,
         webhook_events=integrations.WEBHOOK_EVENTS)
