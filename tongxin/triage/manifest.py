"""What the triage app declares to the kernel registry and which events it subscribes to
(docs/architecture.md). The kernel imports this module once at start-up."""

from tongxin.kernel import events
from tongxin.triage import demo_seed  # noqa: F401  (registers the demo rules and suggester)
from tongxin.triage.services import suggest_for_raised

# The suggestion is made after the raise commits, never inside it: a slow or failing
# model cannot hold the raise's locks or undo it, and a rolled-back raise gets none.
events.subscribe("matters.raised", suggest_for_raised)
