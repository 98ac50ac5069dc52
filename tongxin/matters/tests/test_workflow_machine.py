"""Hypothesis walks the matter workflow at random: people in every position take any
action of the transition table (and "me too", department report-in and answers) on a
few matters, with good and bad arguments.

Each step is checked against a model kept here, written from the table and from who
holds which role in the ``world`` fixture, not from rules.py or services.py: a step
succeeds exactly when the model says it may, changes what the model says and appends
the documented number of timeline events; a refused step raises the service's error
(class and code) and changes nothing at all. After every step the invariants of the
loop hold (reachable status, counters that agree with the timeline, merged matters
pointing at a live matter, deadlines running only where someone must act, closing
times on closed matters).

There is no dispute (mediation) workflow in Tongxin yet; when it lands it gets a
machine of its own.
"""

import random
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import Count, Prefetch
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tongxin.kernel.errors import PermissionDenied, ServiceError
from tongxin.matters import services
from tongxin.matters.choices import Status as S
from tongxin.matters.models import (
    Inspection,
    Matter,
    MatterEvent,
    Photo,
    Rating,
    Resolution,
    Support,
    Whistle,
)
from tongxin.matters.services import TransitionError
from tongxin.matters.transitions import TRANSITIONS
from tongxin.notices.models import Notice
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db

# Without the shrink phase: a failure is reported as the (reproducible, derandomized)
# walk that found it, in seconds, rather than after minutes of shrinking.
MACHINE_SETTINGS = settings(
    phases=[Phase.explicit, Phase.generate], max_examples=30, stateful_step_count=40,
    deadline=None, derandomize=True, database=None, print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

# --- who is who (the world fixture), written down independently of rules.py -------------

LEVELS = ["grid", "compound", "community", "street", "district"]
STAFF = ["grid_worker", "building_head", "compound_secretary", "community_secretary",
         "street_officer", "district_officer", "department_staff"]
RESIDENTS = {"resident": "resident", "neighbour": "neighbour", "outsider": "other_street"}
PEOPLE = STAFF + list(RESIDENTS)
# The highest owner level at which each staff member handles a matter in compound a1a.
HANDLES_UP_TO = {"grid_worker": "grid", "compound_secretary": "compound",
                 "community_secretary": "community", "street_officer": "street",
                 "district_officer": "district"}
HANDLERS = list(HANDLES_UP_TO)
# Who may raise or support a matter at each place: residents of the compound and the
# staff whose area covers the place.
MAY_RAISE_AT = {
    "b1": {"grid_worker", "building_head", "compound_secretary", "community_secretary",
           "street_officer", "district_officer", "resident", "neighbour"},
    "compound": {"compound_secretary", "community_secretary", "street_officer",
                 "district_officer", "resident", "neighbour"},
}
REACHABLE = {t.target for t in TRANSITIONS.values() if t.target} | {S.NEW}
ACTIVE = {S.NEW, S.IN_PROGRESS, S.WHISTLED, S.RECTIFYING}
CLOSED = {S.CLOSED, S.CLOSED_UNSOLVED, S.REJECTED, S.MERGED}
# How often the walk picks each action among those it may pick (default 1).
WEIGHTS = {"reject": 0.25, "merge": 0.25, "close_unsolved": 0.25, "flag_golden": 0.5,
           "recategorise": 0.5, "support": 0.5, "inspect_pass": 2, "close": 2, "whistle": 3,
           "report_in": 2, "answer_whistle": 2}
SUPPORTABLE = {S.NEW, S.IN_PROGRESS, S.AWAITING_DELIBERATION, S.WHISTLED, S.RECTIFYING}


def handles(person, level):
    top = HANDLES_UP_TO.get(person)
    return top is not None and LEVELS.index(level) <= LEVELS.index(top)


def may_act(action, person, m):
    """Whether ``person`` is the actor the table names for ``action`` on matter model ``m``."""
    actor = TRANSITIONS[action].actor
    if actor == "handler":
        return handles(person, m.level)
    if actor == "whistler":
        return person == "district_officer"
    if actor == "inspector":
        return person == "building_head" and m.place == "b1"
    return person == m.reporter


# --- text the people type -----------------------------------------------------------------

class Long(str):
    """Longer than any text field allows (shown short in hypothesis's reports)."""

    def __repr__(self):
        return f"'长' * {len(self)}"


LONG = Long("长" * 5001)
GOOD_TEXT = ["已清理，通道畅通", "<script>alert(1)</script>", "' OR 1=1 --",
             "小區東門電動車亂停放 小区东门电动车乱停放", "🚲🔥 修好了", "  前后有空格  ",
             "小区\u200b东门", "\u202e右到左\u202c", "电动\x00车"]
BLANK_TEXT = ["", "   ", "\u200b\ufeff", "\u3000\u200b "]
texts = st.one_of(*[st.sampled_from(GOOD_TEXT)] * 6, st.sampled_from(BLANK_TEXT), st.just(LONG))


def cleaned(text):
    """Text as a service keeps it: without invisible, direction-changing and control
    characters (tab and newlines stay)."""
    return re.sub("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\x00-\x08\x0b\x0c"
                  "\x0e-\x1f\x7f]", "", text).strip()


def text_error(text, name, max_length, required=True):
    """Return the code a service refuses ``text`` with, or None."""
    if required and not cleaned(text):
        return f"{name}_required"
    if len(cleaned(text)) > max_length:
        return f"{name}_too_long"
    return None


def some_text(rnd, optional=False):
    """Mostly good text, so that walks get far; now and then blank or overlong."""
    if optional and rnd.random() < 0.4:
        return ""
    return rnd.choice(GOOD_TEXT * 12 + BLANK_TEXT + [LONG] * len(BLANK_TEXT))


# --- the model --------------------------------------------------------------------------------


@dataclass
class Model:
    pk: int
    place: str  # "b1" or "compound"
    reporter: str | None
    level: str
    status: str = S.NEW
    kind: str = ""
    category: int = 0
    golden: bool = False
    rework: int = 0
    reopened: int = 0
    escalations: int = 0
    rounds: int = 0
    inspected: dict = field(default_factory=dict)  # person -> passed, this round
    supporters: set = field(default_factory=set)
    merged_into: int | None = None
    events: int = 1  # "raised"


@dataclass
class WhistleModel:
    pk: int
    matter: int
    status: str = "whistled"


class Refused(Exception):
    """The model expects the service to refuse with (error class, code)."""

    def __init__(self, error, code):
        super().__init__(code)
        self.error, self.code = error, code


def expect(condition, error, code):
    if not condition:
        raise Refused(error, code)


def guard(action, person, m):
    expect(m.status in TRANSITIONS[action].sources, TransitionError, "not_now")
    expect(may_act(action, person, m), PermissionDenied, "not_allowed")


def text_ok(text, name, max_length, required=True):
    code = text_error(text, name, max_length, required)
    expect(code is None, ServiceError, code)


def snapshot():
    """Everything a refused step must leave as it was."""
    return (
        list(Matter.objects.order_by("pk").values()),
        list(MatterEvent.objects.order_by("pk").values_list("pk", flat=True)),
        list(Support.objects.order_by("pk").values_list("matter_id", "person_id")),
        list(Whistle.objects.order_by("pk").values_list("pk", "status", "answer")),
        Resolution.objects.count(), Inspection.objects.count(), Rating.objects.count(),
        Photo.objects.count(), Notice.objects.count(),
    )


SUCCEEDED = Counter()  # action -> successful steps, over the whole run


class WorkflowMachine(RuleBasedStateMachine):
    world = None  # set by the test
    categories = ()

    matters = Bundle("matters")

    def __init__(self):
        super().__init__()
        # One savepoint per example, rolled back in teardown: every example starts from
        # the bare world that the module fixture built.
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.models = {}
        self.whistle_models = {}
        w = self.world
        self.people = {name: w.by_role[Role(name)] for name in STAFF}
        self.people.update({name: getattr(w, attr) for name, attr in RESIDENTS.items()})
        self.places = {"b1": w.b1, "compound": w.compound_a1a}

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    # --- running a step against the model -----------------------------------------------------

    def step(self, action, predict, call):
        """Run ``call`` if ``predict`` (which returns {matter pk: new events}) does not
        raise Refused; otherwise check that ``call`` is refused the same way, changing nothing."""
        before_events = dict(Counter(MatterEvent.objects.values_list("matter_id", flat=True)))
        try:
            plan = predict()
        except Refused as refused:
            before = snapshot()
            with pytest.raises(ServiceError) as info:
                call()
            assert type(info.value) is refused.error, (action, info.value.code, refused.code)
            assert info.value.code == refused.code, (action, info.value.code, refused.code)
            assert snapshot() == before, action
            for message in info.value.messages:  # a sentence in the default language
                assert re.search("[\u4e00-\u9fff]", message), message
            return False
        result = call()
        after_events = dict(Counter(MatterEvent.objects.values_list("matter_id", flat=True)))
        for pk, new in (plan or {}).items():
            assert after_events.get(pk, 0) - before_events.get(pk, 0) == new, (action, pk)
            self.models[pk].events += new
        for pk in set(after_events) - set(plan or {}):
            if action == "raise" and pk == result.pk:
                assert after_events[pk] == 1  # "raised"
            else:
                assert after_events[pk] == before_events.get(pk, 0), (action, pk)
        SUCCEEDED[action] += 1
        return result or True

    def fresh(self, pk):
        return Matter.objects.get(pk=pk)

    # --- raising ------------------------------------------------------------------------------

    RAISES = [
        ("resident", "b1", "resident", {}),
        ("neighbour", "b1", "neighbour", {}),
        ("grid_worker", "b1", "resident", {"channel": "visit"}),
        ("grid_worker", "b1", None, {"channel": "hotline", "contact_name": "王大爷"}),
        ("compound_secretary", "compound", "resident", {"channel": "hall", "level": "compound"}),
    ]

    def _raise(self, how, title):
        by, place, reporter, extra = self.RAISES[how]

        def predict():
            text_ok(title, "title", services.TITLE_MAX)
            expect(by in MAY_RAISE_AT[place], PermissionDenied, "place_not_allowed")
            return {}

        kwargs = dict(extra)
        if reporter and by != reporter:
            kwargs["reporter"] = self.people[reporter]
        result = self.step("raise", predict, lambda: services.raise_matter(
            by=self.people[by], title=title, description="东门口每天晚上堆满电动车。",
            category=self.categories[0], place=self.places[place], **kwargs))
        if not result:
            return multiple()
        matter = result
        assert matter.title == cleaned(title)
        level = "compound" if place == "compound" else "grid"
        self.models[matter.pk] = Model(matter.pk, place, reporter, level,
                                       category=self.categories[0].pk)
        return matter.pk

    @initialize(target=matters, how=st.sampled_from([0, 2, 4]), seed=st.integers(0, 2**32))
    def first_matter(self, how, seed):
        # The walk's choices (action, person, text) come from a Random that hypothesis
        # seeds: uniform, where hypothesis's own draws lean towards their first option.
        self.rnd = random.Random(seed)
        return self._raise(how, "小区东门电动车乱停放")

    @initialize(target=matters, how=st.integers(0, len(RAISES) - 1))
    def second_matter(self, how):
        return self._raise(how, "<script>alert(1)</script> 楼道堆物")

    @precondition(lambda self: len(self.models) < 4)
    @rule(target=matters, how=st.integers(0, len(RAISES) - 1), title=texts)
    def raise_another(self, how, title):
        return self._raise(how, title)

    # --- every other step: one action on one matter --------------------------------------------

    @rule(pk=matters)
    def act(self, pk):
        """Take an action on a matter. Three times in four the action is one the table
        offers in the matter's status (so walks reach resolving, rating, reopening …),
        otherwise any action; the person is often, not always, one who may take it."""
        m = self.models[pk]
        at_top = m.level == "district"
        actions = [a for a, t in TRANSITIONS.items() if m.status in t.sources
                   and any(may_act(a, p, m) for p in PEOPLE)
                   and not (a == "escalate" and at_top or a == "whistle" and not at_top)]
        actions += ["support"] if m.status in SUPPORTABLE else []
        if any(w.matter == pk for w in self.whistle_models.values()):
            actions += ["report_in", "answer_whistle"]
        anything = sorted(TRANSITIONS) + ["support", "report_in", "answer_whistle"]
        rnd = self.rnd
        pool = anything if not actions or rnd.random() < 0.25 else actions
        # Ending a matter early (reject, merge, close unsolved) and steps that leave the
        # status as it is are tried less often, so that most walks go on to resolving,
        # inspecting, rating, closing and reopening.
        action = rnd.choices(pool, [WEIGHTS.get(a, 1) for a in pool])[0]
        getattr(self, f"do_{action}")(pk, rnd)

    def person(self, rnd, action, m):
        """Anyone, but most often someone the model says may act, so that walks get far."""
        if action in TRANSITIONS:
            likely = [p for p in PEOPLE if may_act(action, p, m)]
        elif action == "support":
            likely = [p for p in MAY_RAISE_AT[m.place] if p != m.reporter]
        else:
            likely = ["department_staff"]
        return rnd.choice(PEOPLE if not likely or rnd.random() < 0.3 else likely)

    # --- hear (听事)

    def do_triage(self, pk, draw):
        m = self.models[pk]
        person = self.person(draw, "triage", m)
        kind = draw.choice(["immediate", "pending", "escalate"])
        category = self.categories[draw.randint(0, 1)]
        golden_reason = some_text(draw, optional=True)
        note = some_text(draw, optional=True)

        def predict():
            guard("triage", person, m)
            expect(not (kind == "escalate" and m.level == "district"), TransitionError,
                   "top_level")
            text_ok(note, "note", 2000, required=False)
            text_ok(golden_reason, "reason", 200, required=False)
            golden = bool(cleaned(golden_reason)) and not m.golden
            events = {pk: 1 + (category.pk != m.category) + golden}
            m.status, m.kind, m.category, m.golden = S.IN_PROGRESS, kind, category.pk, (
                m.golden or golden)
            if kind == "escalate":
                m.level = LEVELS[LEVELS.index(m.level) + 1]
                m.escalations += 1
            return events

        self.step("triage", predict, lambda: services.triage(
            self.fresh(pk), by=self.people[person], kind=kind, category=category,
            golden_reason=golden_reason, note=note))

    def do_reject(self, pk, draw):
        m = self.models[pk]
        person = self.person(draw, "reject", m)
        reason = draw.choice(["not_governance", "duplicate", "other"])
        note = some_text(draw, optional=True)

        def predict():
            guard("reject", person, m)
            text_ok(note, "note", 2000, required=False)
            m.status = S.REJECTED
            return {pk: 1}

        self.step("reject", predict, lambda: services.reject(
            self.fresh(pk), by=self.people[person], reason=reason, note=note))

    def do_escalate(self, pk, draw):
        m = self.models[pk]
        person = self.person(draw, "escalate", m)
        reason = some_text(draw)
        to_level = draw.choice([None, None, "compound", "street", "district", "district"])

        def predict():
            guard("escalate", person, m)
            text_ok(reason, "reason", 2000)
            expect(to_level or m.level != "district", TransitionError, "top_level")
            target = to_level or LEVELS[LEVELS.index(m.level) + 1]
            expect(LEVELS.index(target) > LEVELS.index(m.level), TransitionError, "not_higher")
            m.status, m.level, m.kind = S.IN_PROGRESS, target, m.kind or "escalate"
            m.escalations += 1
            return {pk: 1}

        self.step("escalate", predict, lambda: services.escalate(
            self.fresh(pk), by=self.people[person], reason=reason, to_level=to_level))

    def do_park(self, pk, draw):
        m = self.models[pk]
        person = self.person(draw, "park", m)
        days = draw.choice([None, None, 30, -3])
        note = some_text(draw, optional=True)
        on = timezone.localdate() + timedelta(days=days) if days is not None else None

        def predict():
            guard("park", person, m)
            expect(days is None or days >= 0, ServiceError, "date_past")
            text_ok(note, "note", 2000, required=False)
            m.status = S.AWAITING_DELIBERATION
            return {pk: 1}

        self.step("park", predict, lambda: services.park(
            self.fresh(pk), by=self.people[person], on=on, note=note))

    def do_resume(self, pk, draw):
        m = self.models[pk]
        person = self.person(draw, "resume", m)
        note = some_text(draw, optional=True)

        def predict():
            guard("resume", person, m)
            text_ok(note, "note", 2000, required=False)
            m.status = S.IN_PROGRESS
            return {pk: 1}

        self.step("resume", predict, lambda: services.resume(
            self.fresh(pk), by=self.people[person], note=note))

    def do_recategorise(self, pk, draw):
        m = self.models[pk]
        person = self.person(draw, "recategorise", m)
        category = self.categories[draw.randint(0, 1)]

        def predict():
            guard("recategorise", person, m)
            changed = category.pk != m.category
            m.category = category.pk
            return {pk: int(changed)}

        self.step("recategorise", predict, lambda: services.recategorise(
            self.fresh(pk), by=self.people[person], category=category))

    def do_flag_golden(self, pk, draw):
        m = self.models[pk]
        person = self.person(draw, "flag_golden", m)
        reason = some_text(draw)

        def predict():
            guard("flag_golden", person, m)
            if m.golden:
                return {pk: 0}  # flagged once, paid once
            text_ok(reason, "reason", 200)
            m.golden = True
            return {pk: 1}

        self.step("flag_golden", predict, lambda: services.flag_golden(
            self.fresh(pk), by=self.people[person], reason=reason))

    # --- whistle (吹哨) and report in (报到)

    def do_whistle(self, pk, draw):
        m = self.models[pk]
        person = self.person(draw, "whistle", m)
        which = draw.choice(["department", "department", "none", "partner"])
        note = some_text(draw, optional=True)
        w = self.world
        departments = {"department": [w.department], "none": [], "partner": [w.partner]}[which]

        def predict():
            guard("whistle", person, m)
            expect(m.level == "district", TransitionError, "not_district")
            expect(departments, ServiceError, "no_departments")
            expect(which == "department", ServiceError, "bad_department")
            text_ok(note, "note", 2000, required=False)
            m.status = S.WHISTLED
            for wm in self.whistle_models.values():
                # Whistled again (after a reopen): the department's open whistle is renewed.
                if wm.matter == pk and wm.status != "answered":
                    wm.status = "whistled"
            return {pk: 1}

        if self.step("whistle", predict, lambda: services.whistle(
                self.fresh(pk), by=self.people[person], departments=departments, note=note)):
            for item in Whistle.objects.filter(matter_id=pk).exclude(pk__in=self.whistle_models):
                self.whistle_models[item.pk] = WhistleModel(item.pk, pk)

    def _department_step(self, action, pk, draw, check_text, call):
        m = self.models[pk]
        mine = sorted(w for w, wm in self.whistle_models.items() if wm.matter == pk)
        if not mine:
            return
        wm = self.whistle_models[draw.choice(mine)]
        person = self.person(draw, action, m)
        text = check_text(draw)

        def predict():
            expect(person == "department_staff", PermissionDenied, "not_allowed")
            expect(m.status == S.WHISTLED, TransitionError, "not_now")
            if action == "report_in":
                expect(wm.status == "whistled", TransitionError, "already_reported")
                text_ok(text, "note", 2000, required=False)
            else:
                expect(wm.status != "answered", TransitionError, "already_answered")
                text_ok(text, "answer", 5000)
            wm.status = "reported" if action == "report_in" else "answered"
            return {pk: 1}

        self.step(action, predict, lambda: call(Whistle.objects.get(pk=wm.pk),
                                                self.people[person], text))

    def do_report_in(self, pk, draw):
        self._department_step(
            "report_in", pk, draw, lambda draw: some_text(draw, optional=True),
            lambda item, by, text: services.report_in(item, by=by, note=text))

    def do_answer_whistle(self, pk, draw):
        self._department_step(
            "answer_whistle", pk, draw, lambda draw: some_text(draw),
            lambda item, by, text: services.answer_whistle(item, by=by, answer=text))

    # --- resolve, inspect, rate, close (评事)

    def do_resolve(self, pk, draw):
        m = self.models[pk]
        person = self.person(draw, "resolve", m)
        what, basis, standard = (some_text(draw) for name in (
            "what_was_done", "basis", "standard"))

        def predict():
            guard("resolve", person, m)
            text_ok(what, "what_was_done", 5000)
            text_ok(basis, "basis", 2000)
            text_ok(standard, "standard", 2000)
            m.status, m.rounds, m.inspected = S.RESOLVED, m.rounds + 1, {}
            return {pk: 1}

        self.step("resolve", predict, lambda: services.resolve(
            self.fresh(pk), by=self.people[person], what_was_done=what, basis=basis,
            standard=standard))

    def _inspect(self, pk, draw, passed):
        m = self.models[pk]
        action = "inspect_pass" if passed else "inspect_fail"
        person = self.person(draw, action, m)
        note = some_text(draw, optional=True)

        def predict():
            guard(action, person, m)
            text_ok(note, "note", 2000, required=not passed)
            expect(person not in m.inspected, TransitionError, "already_inspected")
            m.inspected[person] = passed
            if not passed:
                m.status, m.rework = S.RECTIFYING, m.rework + 1
            return {pk: 1}

        self.step(action, predict, lambda: services.inspect(
            self.fresh(pk), by=self.people[person], passed=passed, note=note))

    def do_inspect_pass(self, pk, draw):
        self._inspect(pk, draw, True)

    def do_inspect_fail(self, pk, draw):
        self._inspect(pk, draw, False)

    def _rate(self, pk, draw, satisfaction):
        m = self.models[pk]
        ok = satisfaction != "unsatisfied"
        action = "rate_ok" if ok else "rate_unsatisfied"
        person = self.person(draw, action, m)
        comment = some_text(draw, optional=True)

        def predict():
            guard(action, person, m)
            text_ok(comment, "comment", 2000, required=not ok)
            if ok:
                m.status = S.CLOSED
            else:
                m.status, m.rework = S.RECTIFYING, m.rework + 1
            return {pk: 1}

        self.step(action, predict, lambda: services.rate(
            self.fresh(pk), by=self.people[person], satisfaction=satisfaction, comment=comment))

    def do_rate_ok(self, pk, draw):
        self._rate(pk, draw, draw.choice(["satisfied", "basically"]))

    def do_rate_unsatisfied(self, pk, draw):
        self._rate(pk, draw, "unsatisfied")

    def do_close(self, pk, draw):
        m = self.models[pk]
        person = self.person(draw, "close", m)

        def predict():
            guard("close", person, m)
            expect(True in m.inspected.values(), TransitionError, "not_inspected")
            m.status = S.CLOSED
            return {pk: 1}

        self.step("close", predict, lambda: services.close(self.fresh(pk), by=self.people[person]))

    def do_close_unsolved(self, pk, draw):
        m = self.models[pk]
        person = self.person(draw, "close_unsolved", m)
        reason = some_text(draw)

        def predict():
            guard("close_unsolved", person, m)
            text_ok(reason, "reason", 2000)
            m.status = S.CLOSED_UNSOLVED
            return {pk: 1}

        self.step("close_unsolved", predict, lambda: services.close_unsolved(
            self.fresh(pk), by=self.people[person], reason=reason))

    def do_reopen(self, pk, draw):
        m = self.models[pk]
        person = self.person(draw, "reopen", m)
        reason = some_text(draw)

        def predict():
            guard("reopen", person, m)
            text_ok(reason, "reason", 2000)
            m.status, m.reopened = S.IN_PROGRESS, m.reopened + 1
            return {pk: 1}

        self.step("reopen", predict, lambda: services.reopen(
            self.fresh(pk), by=self.people[person], reason=reason))

    def do_merge(self, pk, draw):
        m = self.models[pk]
        into = draw.choice(sorted(self.models))
        target = self.models[into]
        person = self.person(draw, "merge", m)

        def predict():
            expect(pk != into, ServiceError, "merge_self")
            guard("merge", person, m)
            expect(handles(person, target.level) and target.status not in (S.MERGED, S.REJECTED),
                   TransitionError, "bad_target")
            moving = set(m.supporters) | ({m.reporter} if m.reporter else set())
            target.supporters |= moving - {target.reporter}
            m.supporters, m.status, m.merged_into = set(), S.MERGED, into
            for other in self.models.values():  # what was merged here now points further on
                if other.merged_into == pk:
                    other.merged_into = into
            return {pk: 1, into: 1}

        self.step("merge", predict, lambda: services.merge(
            self.fresh(pk), into=self.fresh(into), by=self.people[person]))

    def do_support(self, pk, draw):
        m = self.models[pk]
        person = self.person(draw, "support", m)

        def predict():
            expect(m.status in SUPPORTABLE, TransitionError, "not_now")
            expect(person != m.reporter, ServiceError, "own_matter")
            expect(person in MAY_RAISE_AT[m.place], PermissionDenied, "place_not_allowed")
            if person in m.supporters:
                return {pk: 0}
            m.supporters.add(person)
            return {pk: 1}

        self.step("support", predict, lambda: services.support(
            self.fresh(pk), by=self.people[person]))

    # --- invariants ---------------------------------------------------------------------------

    @invariant()
    def the_loop_holds(self):
        names = {p.pk: name for name, p in self.people.items()}
        matters = (Matter.objects.filter(pk__in=self.models).select_related("merged_into")
                   .annotate(rounds=Count("resolutions"))
                   .prefetch_related("supports", Prefetch(
                       "events", queryset=MatterEvent.objects.order_by("at", "pk"))))
        for matter in matters:
            m = self.models[matter.pk]
            # As the model says.
            assert (matter.status, matter.owner_level) == (m.status, m.level), matter.pk
            assert (matter.rework_count, matter.reopen_count, matter.escalation_count) == (
                m.rework, m.reopened, m.escalations), matter.pk
            assert (matter.golden_idea, matter.category_id, matter.merged_into_id, matter.rounds
                    ) == (m.golden, m.category, m.merged_into, m.rounds), matter.pk
            supporters = {names[s.person_id] for s in matter.supports.all()}
            assert supporters == m.supporters, matter.pk
            events = list(matter.events.all())
            assert len(events) == m.events, matter.pk
            # And whole in itself: a reachable status, the one the timeline ends in.
            assert matter.status in REACHABLE
            actions = Counter(e.action for e in events)
            assert events[0].action == "raised" and actions["raised"] == 1
            moves = [e for e in events if e.to_status]
            assert (moves[-1].to_status if moves else S.NEW) == matter.status, matter.pk
            # Counters agree with the timeline.
            assert matter.rework_count == actions["inspection_failed"] + sum(
                1 for e in events if e.action == "rated" and e.to_status == S.RECTIFYING)
            assert matter.reopen_count == actions["reopened"]
            assert matter.escalation_count == actions["escalated"] + sum(
                1 for e in events if e.action == "triaged" and e.data.get("kind") == "escalate")
            assert matter.supporter_count == len(supporters)
            assert actions["golden_idea"] == int(matter.golden_idea)  # paid once
            assert actions["resolved"] == matter.rounds
            # A merged matter leads to a live one; deadlines run where someone must act;
            # closed matters say when.
            if matter.status == S.MERGED:
                assert matter.merged_into.status != S.MERGED, matter.pk
            else:
                assert matter.merged_into_id is None
            if matter.status in ACTIVE:
                assert matter.stage and matter.due_at is not None, matter.pk
            else:
                assert matter.due_at is None, (matter.pk, matter.status)
            assert (matter.closed_at is not None) == (matter.status in CLOSED), matter.pk
            if matter.status == S.RESOLVED:
                assert matter.rounds and matter.resolved_at and matter.published_at
        whistles = dict(Whistle.objects.filter(pk__in=self.whistle_models)
                        .values_list("pk", "status"))
        assert whistles == {pk: wm.status for pk, wm in self.whistle_models.items()}


def test_random_walks_through_the_matter_workflow_keep_the_loop_whole(world, categories):
    WorkflowMachine.world = world
    WorkflowMachine.categories = (categories["乱停乱放"], categories["楼道堆物"])
    SUCCEEDED.clear()
    run_state_machine_as_test(WorkflowMachine, settings=MACHINE_SETTINGS)
    # The walk is only worth something if it gets everywhere: every action of the table
    # succeeded at least once (and was refused, in the steps that tried it wrongly).
    missing = (set(TRANSITIONS) | {"support", "report_in", "answer_whistle"}) - set(SUCCEEDED)
    assert not missing, (missing, SUCCEEDED)


# --- what the walks found, pinned down ------------------------------------------------------


def test_a_department_can_be_whistled_again_after_a_reopen(world, new_matter):
    officer = world.by_role[Role.DISTRICT_OFFICER]
    matter = new_matter()
    services.escalate(matter, by=officer, reason="需要职能部门", to_level="district")
    services.whistle(matter, by=officer, departments=[world.department])
    first = Whistle.objects.get(matter=matter)
    services.report_in(first, by=world.by_role[Role.DEPARTMENT_STAFF])
    services.close_unsolved(matter, by=officer, reason="暂时无法解决")
    services.reopen(matter, by=world.resident, reason="问题依旧")

    services.whistle(matter, by=officer, departments=[world.department])  # was a 500

    again = Whistle.objects.get(matter=matter)
    assert again.pk == first.pk and again.status == "whistled" and again.reported_at is None
    assert again.report_due_at > first.report_due_at


def test_merging_the_matter_kept_passes_on_what_was_merged_into_it(world, new_matter):
    grid = world.by_role[Role.GRID_WORKER]
    a, b, c = new_matter(title="东门电动车"), new_matter(title="东门电瓶车"), new_matter()
    services.merge(a, into=b, by=grid)
    services.merge(b, into=c, by=grid)

    a.refresh_from_db()
    assert a.merged_into_id == c.pk  # not b, which is merged itself


def test_a_golden_idea_is_flagged_and_paid_once(world, new_matter):
    grid = world.by_role[Role.GRID_WORKER]
    matter = new_matter()
    services.flag_golden(matter, by=grid, reason="好办法")
    services.triage(matter, by=grid, kind="immediate", golden_reason="还是好办法")

    assert matter.events.filter(action="golden_idea").count() == 1


@pytest.mark.parametrize("blank", ["   ", "\u200b\ufeff"])
def test_a_blank_golden_reason_on_triage_means_no_golden_idea(world, new_matter, blank):
    matter = services.triage(new_matter(), by=world.by_role[Role.GRID_WORKER],
                             kind="immediate", golden_reason=blank)  # was "reason required"

    assert matter.status == S.IN_PROGRESS and not matter.golden_idea
