"""What the matters app declares to the kernel registry and which events it subscribes to
(docs/architecture.md). The kernel imports this module once at start-up."""

from django.utils.translation import gettext_lazy as _

from tongxin.kernel import events, registry
from tongxin.matters import (
    demo_seed,  # noqa: F401  (registers the demo categories)
    integrations,
    notices,
    personal_data,  # noqa: F401  (registers the personal data sections)
    services,
)
from tongxin.matters.events import send_notices

# Who hears of each step of the loop (after commit).
events.subscribe("matters.*", send_notices)

registry.register(
    "matters",
    # The notices it sends, how a matter is linked and placed, what partners may hear.
    notice_kinds=notices.NOTICE_KINDS,
    subjects=integrations.SUBJECTS,
    webhook_events=integrations.WEBHOOK_EVENTS,
    # What the deadline scan does when a matter's or a whistle's deadline passes, and the
    # counts it reports (``tongxin check-deadlines``).
    deadline_handlers={
        "matters.matter": services.matter_deadline_passed,
        "matters.whistle": services.whistle_deadline_passed,
    },
    deadline_counts=["overdue", "escalated", "departments_late"],
    # Which input each refusal of the services is about (forms and the API).
    error_fields=services.ERROR_FIELDS,
    audited_reads={"reporter_contact": _("the reporter's contact details")},
)
