"""The one dispatch of actions on a matter: action name → the page's form, the service
call, the message when done.

The matter page (views/staff.py), the residents' pages (views/resident.py) and the REST
API (api/views.py) all perform an action through ``perform(name, matter, by, data)``,
where ``data`` is what the page's form cleans (the API's serializers validate the same
field names and turn ids into the same objects first). The API's request bodies live
with the API (api/serializers.ACTION_SERIALIZERS, keyed by these names): an interface
layer, which matters may not import.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from tongxin.matters import forms_staff as forms
from tongxin.matters import services


@dataclass(frozen=True)
class Action:
    perform: Callable  # (matter, by, data) -> Matter
    form: type | None = None  # its form on the matter page (None: a form elsewhere, or none)
    done: str = ""  # the page's message once done
    # The transition whose guard applies when the name is not one (the API's single
    # "rate" and "inspect", guarded like the transitions they choose between).
    guard: str = ""


def _triage(m, by, d):
    return services.triage(m, by=by, kind=d["kind"], category=d.get("category"),
                           emergency=d.get("emergency"), golden_reason=d.get("golden_reason", ""),
                           note=d.get("note", ""))


def _resolve(m, by, d):
    return services.resolve(m, by=by, what_was_done=d["what_was_done"], basis=d["basis"],
                            standard=d["standard"], photos=d.get("photos", ()),
                            checks=d.get("checks", ()))


def _rate(m, by, d):
    return services.rate(m, by=by, satisfaction=d["satisfaction"], comment=d.get("comment", ""))


ACTIONS = {
    "triage": Action(_triage, forms.TriageForm, _("The matter is heard and triaged.")),
    "reject": Action(
        lambda m, by, d: services.reject(m, by=by, reason=d["reason"], note=d.get("note", "")),
        forms.RejectForm, _("The matter is marked as not accepted.")),
    "escalate": Action(
        lambda m, by, d: services.escalate(m, by=by, reason=d["reason"],
                                           to_level=d.get("to_level") or None),
        forms.EscalateForm, _("The matter is escalated.")),
    "park": Action(
        lambda m, by, d: services.park(m, by=by, on=d.get("date"), note=d.get("note", "")),
        forms.ParkForm, _("The matter is on the deliberation day agenda.")),
    "resume": Action(
        lambda m, by, d: services.resume(m, by=by, note=d.get("note", "")),
        forms.ResumeForm, _("Handling resumed.")),
    "recategorise": Action(
        lambda m, by, d: services.recategorise(m, by=by, category=d["category"]),
        forms.RecategoriseForm, _("The category is changed.")),
    "flag_golden": Action(
        lambda m, by, d: services.flag_golden(m, by=by, reason=d["reason"]),
        forms.FlagGoldenForm, _("Flagged as a golden idea.")),
    "whistle": Action(
        lambda m, by, d: services.whistle(m, by=by, departments=d["departments"],
                                          note=d.get("note", "")),
        forms.WhistleForm, _("The departments are whistled.")),
    "resolve": Action(_resolve, forms.ResolveForm, _("The result is recorded and published.")),
    "close": Action(lambda m, by, d: services.close(m, by=by), forms.CloseForm,
                    _("The matter is closed.")),
    "close_unsolved": Action(
        lambda m, by, d: services.close_unsolved(m, by=by, reason=d["reason"]),
        forms.CloseUnsolvedForm, _("The matter is closed as not solved.")),
    "merge": Action(
        lambda m, by, d: services.merge(m, into=d["into"], by=by),
        forms.MergeForm, _("The matter is merged; its supporters moved with it.")),
    # The residents' judgement: their forms are on the board and the reporter's box.
    "inspect": Action(
        lambda m, by, d: services.inspect(m, by=by, passed=d["passed"], note=d.get("note", "")),
        guard="inspect_pass"),
    "inspect_pass": Action(
        lambda m, by, d: services.inspect(m, by=by, passed=True, note=d.get("note", ""))),
    "inspect_fail": Action(
        lambda m, by, d: services.inspect(m, by=by, passed=False, note=d.get("note", ""))),
    "rate": Action(_rate, guard="rate_ok"),
    "rate_ok": Action(_rate),
    "rate_unsatisfied": Action(
        lambda m, by, d: services.rate(m, by=by, satisfaction="unsatisfied",
                                       comment=d.get("comment", ""))),
    "reopen": Action(lambda m, by, d: services.reopen(m, by=by, reason=d["reason"])),
}
# A whistled department's actions (吹哨报到), on the whistle rather than the matter.
WHISTLE_ACTIONS = {
    "report_in": Action(
        lambda w, by, d: services.report_in(w, by=by, note=d.get("note", "")),
        forms.ReportInForm, _("Reported in.")),
    "answer": Action(
        lambda w, by, d: services.answer_whistle(w, by=by, answer=d["answer"]),
        forms.AnswerForm, _("The answer is sent.")),
}
# The actions whose forms the matter page shows, in the page's order.
PAGE_ACTIONS = tuple(name for name, action in ACTIONS.items() if action.form is not None)
# What the single "rate" and "inspect" stand for in the list of allowed actions.
ALIASES = {"rate_ok": "rate", "inspect_pass": "inspect"}


def guard_name(name):
    """Return the transition whose guard ``name`` is checked against."""
    return ACTIONS[name].guard or name


def perform(name, matter, by, data):
    """Take action ``name`` on ``matter`` as ``by`` with cleaned ``data``; return the matter."""
    return ACTIONS[name].perform(matter, by, data)
