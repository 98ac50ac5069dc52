"""The one table of the matter workflow: which action moves which statuses, and who acts.

Services (services.py) check every change against this table; tests walk it
exhaustively for every role. ``target`` None keeps the status (a step on the timeline).
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from tongxin.matters.choices import Status as S


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset
    target: str | None
    actor: str  # a key of rules.ACTORS
    label: str


def _t(action, sources, target, actor, label):
    return Transition(action, frozenset(sources), target, actor, label)


HANDLING = {S.IN_PROGRESS, S.AWAITING_DELIBERATION, S.WHISTLED, S.RECTIFYING}

TRANSITIONS = {t.action: t for t in (
    _t("triage", {S.NEW}, S.IN_PROGRESS, "handler", _("Hear and triage")),
    _t("reject", {S.NEW, S.IN_PROGRESS}, S.REJECTED, "handler", _("Do not accept")),
    _t("escalate", {S.NEW, S.IN_PROGRESS, S.AWAITING_DELIBERATION, S.RECTIFYING},
       S.IN_PROGRESS, "handler", _("Escalate")),
    _t("park", {S.IN_PROGRESS}, S.AWAITING_DELIBERATION, "handler",
       _("Put on the deliberation day agenda")),
    _t("resume", {S.AWAITING_DELIBERATION}, S.IN_PROGRESS, "handler", _("Resume handling")),
    _t("recategorise", {S.NEW} | HANDLING, None, "handler", _("Change the category")),
    _t("flag_golden", {S.NEW} | HANDLING | {S.RESOLVED, S.CLOSED}, None, "handler",
       _("Flag as a golden idea")),
    _t("whistle", {S.IN_PROGRESS}, S.WHISTLED, "whistler", _("Whistle departments")),
    _t("resolve", {S.IN_PROGRESS, S.WHISTLED, S.RECTIFYING}, S.RESOLVED, "handler",
       _("Record the result")),
    _t("inspect_pass", {S.RESOLVED}, None, "inspector", _("Inspect and accept")),
    _t("inspect_fail", {S.RESOLVED}, S.RECTIFYING, "inspector", _("Inspect and send back")),
    _t("rate_ok", {S.RESOLVED}, S.CLOSED, "reporter", _("Rate: satisfied")),
    _t("rate_unsatisfied", {S.RESOLVED}, S.RECTIFYING, "reporter", _("Rate: unsatisfied")),
    _t("close", {S.RESOLVED}, S.CLOSED, "handler", _("Close after inspection")),
    _t("close_unsolved", HANDLING, S.CLOSED_UNSOLVED, "handler", _("Close as not solved")),
    _t("reopen", {S.CLOSED, S.CLOSED_UNSOLVED}, S.IN_PROGRESS, "reporter", _("Reopen")),
    _t("merge", {S.NEW, S.IN_PROGRESS, S.AWAITING_DELIBERATION}, S.MERGED, "handler",
       _("Merge into another matter")),
)}
