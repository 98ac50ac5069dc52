"""What the triage app declares to the kernel registry and which events it subscribes to
(docs/architecture.md). The kernel imports this module once at start-up."""

from tongxin.kernel import events, registry
from tongxin.triage import demo_seed  # noqa: F401  (registers the demo rules and suggester)
from tongxin.triage.services import suggest_for_raised

# The suggestion is made after the raise commits, never inside it: a slow or failing
# model cannot hold the raise's locks or undo it, and a rolled-back raise gets none.
events.subscribe("matters.raised", suggest_for_raised)


def reply_warnings(matter, *, what_was_done, basis, standard, user=None):
    """The reply check's warnings on a result about to be published (lazy: numpy), in
    words ``user`` (who records it) may read."""
    from tongxin.triage import replies

    return replies.warnings_in(replies.check(matter, what_was_done=what_was_done, basis=basis,
                                             standard=standard, user=user))


def category_suggestions(matter):
    """Smart triage's top-3 categories and routed handler for the hear form."""
    from tongxin.triage.hear import suggestions_for

    return suggestions_for(matter)


# The matter page offers these without importing triage (matters sits below triage).
registry.register("triage", hooks={
    "matters.reply_warnings": reply_warnings,
    "matters.category_suggestions": category_suggestions,
})
