"""One engine for every workflow table: the table is the law.

An app declares its table once (``<app>/transitions.py``)::

    MATTER_FLOW = Workflow("matters.matter", [
        Transition("triage", {S.NEW}, S.IN_PROGRESS, actor="handler", label=_("Hear"),
                   event="triaged"),
        ...
    ], actors={"handler": rules.is_handler, ...}, recorder=record_step)

and its services change state only through it::

    @transaction.atomic
    def resolve(matter, *, by, ...):
        matter = MATTER_FLOW.lock(matter)           # SELECT … FOR UPDATE
        MATTER_FLOW.guard(matter, "resolve", by)    # refuse early, before other writes
        ...                                         # validate, write related rows
        workflow.apply(matter, "resolve", by=by, fields=["resolved_at"], note=...)

``apply`` takes the row lock (unless ``lock`` already did), checks the guard (or, when
the service already passed ``guard`` for this action and person, that the state is still
one of the step's sources: an escalation moves the owner before it applies), moves the
record to the table's target state, saves the named fields with it and
appends the step to the record's history through the app's ``recorder``. Nothing else
assigns a state: a test reads every module and fails on any other assignment.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from tongxin.kernel.errors import PermissionDenied, TransitionError

_LOCKED = "_workflow_locked"
_GUARDED = "_workflow_guarded"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset
    target: str | None  # None: a step on the record that keeps its state
    actor: str  # a key of the workflow's ``actors``
    label: str
    event: str = ""  # the history entry the step writes (defaults to the action)

    def __post_init__(self):
        object.__setattr__(self, "sources", frozenset(self.sources))
        if not self.event:
            object.__setattr__(self, "event", self.action)


@dataclass
class Workflow:
    """A state machine over one model's ``state_field``."""

    model: str  # "app_label.model", the model whose rows move
    transitions: list
    actors: dict = field(default_factory=dict)
    state_field: str = "status"
    # recorder(obj, transition, *, by, before, **data) writes the history entry and
    # publishes the event; it returns what it wrote.
    recorder: object = None
    # state_label(state) → the state's name for people (for refusals).
    state_label: object = str
    # The refusals, with %(action)s and %(status)s (translated when raised).
    not_now_message: str = ""
    not_allowed_message: str = ""

    def __post_init__(self):
        self.table = {t.action: t for t in self.transitions}
        _WORKFLOWS[self.model] = self

    @property
    def states(self):
        return {s for t in self.transitions for s in t.sources} | {
            t.target for t in self.transitions if t.target}

    def __getitem__(self, action):
        return self.table[action]

    def lock(self, obj):
        """Return ``obj`` fresh from the database with its row locked until commit."""
        fresh = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
        setattr(fresh, _LOCKED, True)
        return fresh

    def may(self, obj, action, user):
        """Whether ``user`` may take ``action`` on ``obj`` now (no exception)."""
        t = self.table[action]
        return getattr(obj, self.state_field) in t.sources and (
            user is None or self.actors[t.actor](user, obj))

    def guard(self, obj, action, user):
        """Return the transition, or raise why ``user`` may not take ``action`` now.

        ``user`` None is the system itself (the deadline scan): only the state counts.
        """
        t = self.table[action]
        state = getattr(obj, self.state_field)
        if state not in t.sources:
            message = self.not_now_message or _("“%(action)s” is not possible while it is "
                                                "“%(status)s”.")
            raise TransitionError("not_now", str(message) % {
                "action": t.label, "status": self.state_label(state)})
        if user is not None and not self.actors[t.actor](user, obj):
            message = self.not_allowed_message or _("You may not “%(action)s” here.")
            raise PermissionDenied("not_allowed", str(message) % {"action": t.label})
        # Remember who passed: a service guards before it changes anything (an escalation
        # moves the owner, after which the actor rule would read the new owner), and
        # ``apply`` then checks only that the state is still a source of the step.
        passed = getattr(obj, _GUARDED, set())
        passed.add((action, getattr(user, "pk", None)))
        setattr(obj, _GUARDED, passed)
        return t

    def allowed(self, obj, user):
        """Return the actions ``user`` may take on ``obj`` now, in table order."""
        return [a for a in self.table if self.may(obj, a, user)]

    def apply(self, obj, action, *, by, fields=(), guard=True, **data):
        """Move ``obj`` along ``action``: lock, guard, set the target state, save, record.

        ``fields`` are the other fields the service changed on ``obj`` for this step;
        they are saved with the state in one UPDATE. ``data`` goes to the recorder
        (the history entry and the published event). Return what the recorder wrote.
        """
        if not getattr(obj, _LOCKED, False):
            # Called without ``lock``: take the row lock here, in a savepoint, so that a
            # refusal leaves the caller's transaction usable.
            with transaction.atomic():
                stored = type(obj)._default_manager.select_for_update().filter(
                    pk=obj.pk).values_list(self.state_field, flat=True).first()
                if stored != getattr(obj, self.state_field):
                    raise TransitionError("stale", _("Someone changed this in the meantime; "
                                                     "please reload and try again."))
                setattr(obj, _LOCKED, True)
                return self._apply_locked(obj, action, by=by, fields=fields, guard=guard,
                                          data=data)
        return self._apply_locked(obj, action, by=by, fields=fields, guard=guard, data=data)

    def _apply_locked(self, obj, action, *, by, fields, guard, data):
        t = self.table[action]
        before = getattr(obj, self.state_field)
        # Every refusal comes before the first write.
        if guard and (action, getattr(by, "pk", None)) not in getattr(obj, _GUARDED, ()):
            self.guard(obj, action, by)
        elif before not in t.sources:
            self.guard(obj, action, None)  # raises "not_now"
        with transaction.atomic(savepoint=False):
            update = list(dict.fromkeys(fields))
            if t.target is not None:
                setattr(obj, self.state_field, t.target)
                update.append(self.state_field)
            if update:
                obj.save(update_fields=list(dict.fromkeys(update)))
            if self.recorder is None:
                return None
            return self.recorder(obj, t, by=by, before=before, **data)


_WORKFLOWS: dict[str, Workflow] = {}


def workflow_of(obj_or_label):
    label = obj_or_label if isinstance(obj_or_label, str) else obj_or_label._meta.label_lower
    return _WORKFLOWS[label]


def all_workflows():
    return dict(_WORKFLOWS)


def apply(obj, action, *, by, **kwargs):
    """Apply ``action`` to ``obj`` through the workflow declared for its model."""
    return workflow_of(obj).apply(obj, action, by=by, **kwargs)
