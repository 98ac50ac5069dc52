"""The tables of the matter loop: which action moves which statuses, who acts, what it writes.

Services (services.py) change a matter's or a whistle's status only through these
workflows (kernel.workflow); tests walk them exhaustively for every role.
``target`` None keeps the status (a step on the timeline).
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tongxin.kernel.workflow import Transition, Workflow
from tongxin.matters import rules
from tongxin.matters.choices import Status as S
from tongxin.matters.choices import WhistleStatus as W
from tongxin.matters.events import record_step, record_whistle_step

HANDLING = {S.IN_PROGRESS, S.AWAITING_DELIBERATION, S.WHISTLED, S.RECTIFYING}
# A resident may add a "me too" while the matter is open (support is not a transition).
SUPPORTABLE = {S.NEW} | HANDLING

MATTER_FLOW = Workflow(
    "matters.matter",
    [
        Transition("triage", {S.NEW}, S.IN_PROGRESS, "handler", _("Hear and triage"),
                   "triaged"),
        Transition("reject", {S.NEW, S.IN_PROGRESS}, S.REJECTED, "handler",
                   _("Do not accept"), "rejected"),
        Transition("escalate", {S.NEW, S.IN_PROGRESS, S.AWAITING_DELIBERATION, S.RECTIFYING},
                   S.IN_PROGRESS, "handler", _("Escalate"), "escalated"),
        Transition("park", {S.IN_PROGRESS}, S.AWAITING_DELIBERATION, "handler",
                   _("Put on the deliberation day agenda"), "parked"),
        Transition("resume", {S.AWAITING_DELIBERATION}, S.IN_PROGRESS, "handler",
                   _("Resume handling"), "resumed"),
        Transition("recategorise", {S.NEW} | HANDLING, None, "handler",
                   _("Change the category"), "recategorised"),
        Transition("flag_golden", {S.NEW} | HANDLING | {S.RESOLVED, S.CLOSED}, None,
                   "handler", _("Flag as a golden idea"), "golden_idea"),
        Transition("whistle", {S.IN_PROGRESS}, S.WHISTLED, "whistler",
                   _("Whistle departments"), "whistled"),
        Transition("resolve", {S.IN_PROGRESS, S.WHISTLED, S.RECTIFYING}, S.RESOLVED,
                   "handler", _("Record the result"), "resolved"),
        # The action (验收), not the event it records ("Inspected and accepted", 验收通过).
        Transition("inspect_pass", {S.RESOLVED}, None, "inspector",
                   pgettext_lazy("matter action", "Inspect and accept"), "inspected"),
        Transition("inspect_fail", {S.RESOLVED}, S.RECTIFYING, "inspector",
                   _("Inspect and send back"), "inspection_failed"),
        Transition("rate_ok", {S.RESOLVED}, S.CLOSED, "reporter", _("Rate: satisfied"),
                   "rated"),
        Transition("rate_unsatisfied", {S.RESOLVED}, S.RECTIFYING, "reporter",
                   _("Rate: unsatisfied"), "rated"),
        Transition("close", {S.RESOLVED}, S.CLOSED, "handler", _("Close after inspection"),
                   "closed"),
        Transition("close_unsolved", HANDLING, S.CLOSED_UNSOLVED, "handler",
                   _("Close as not solved"), "closed_unsolved"),
        Transition("reopen", {S.CLOSED, S.CLOSED_UNSOLVED}, S.IN_PROGRESS, "reporter",
                   _("Reopen"), "reopened"),
        Transition("merge", {S.NEW, S.IN_PROGRESS, S.AWAITING_DELIBERATION}, S.MERGED,
                   "handler", _("Merge into another matter"), "merged"),
    ],
    actors=rules.ACTORS,
    recorder=record_step,
    state_label=lambda state: S(state).label,
    not_now_message=_("“%(action)s” is not possible while the matter is “%(status)s”."),
    not_allowed_message=_("You may not “%(action)s” on this matter."),
)

# A department's part in a whistled matter (吹哨报到): report in, then answer. Whistling
# it again before it answered starts its deadlines over.
WHISTLE_FLOW = Workflow(
    "matters.whistle",
    [
        Transition("report_in", {W.WHISTLED}, W.REPORTED, "department", _("Report in"),
                   "department_reported"),
        Transition("answer", {W.WHISTLED, W.REPORTED}, W.ANSWERED, "department", _("Answer"),
                   "department_answered"),
        Transition("rewhistle", {W.WHISTLED, W.REPORTED}, W.WHISTLED, "whistler",
                   _("Whistle again"), "rewhistled"),
    ],
    actors={"department": rules.is_department_member,
            "whistler": lambda user, whistle: rules.is_whistler(user, whistle.matter)},
    recorder=record_whistle_step,
    state_label=lambda state: W(state).label,
)

# The matter table by action, as before the workflow engine (tests and forms read it).
TRANSITIONS = MATTER_FLOW.table
