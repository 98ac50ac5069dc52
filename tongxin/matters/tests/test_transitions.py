"""Walk the transition table exhaustively: every action, every status, every role."""

import pytest

from tongxin.kernel.errors import PermissionDenied
from tongxin.matters.choices import Level, Status
from tongxin.matters.services import TransitionError, allowed_actions, guard
from tongxin.matters.transitions import TRANSITIONS
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db

# Who is each kind of actor for a matter in building b1, owned by grid g1 or higher.
HANDLERS = {
    Level.GRID: {Role.GRID_WORKER, Role.COMPOUND_SECRETARY, Role.COMMUNITY_SECRETARY,
                 Role.COMMITTEE_MEMBER, Role.STREET_OFFICER, Role.DISTRICT_OFFICER,
                 Role.SYSTEM_ADMIN},
    Level.COMPOUND: {Role.COMPOUND_SECRETARY, Role.COMMUNITY_SECRETARY, Role.COMMITTEE_MEMBER,
                     Role.STREET_OFFICER, Role.DISTRICT_OFFICER, Role.SYSTEM_ADMIN},
    Level.COMMUNITY: {Role.COMMUNITY_SECRETARY, Role.COMMITTEE_MEMBER, Role.STREET_OFFICER,
                      Role.DISTRICT_OFFICER, Role.SYSTEM_ADMIN},
    Level.STREET: {Role.STREET_OFFICER, Role.DISTRICT_OFFICER, Role.SYSTEM_ADMIN},
    Level.DISTRICT: {Role.DISTRICT_OFFICER, Role.SYSTEM_ADMIN},
}
ACTORS = {
    "whistler": {Role.DISTRICT_OFFICER, Role.SYSTEM_ADMIN},
    "inspector": {Role.BUILDING_HEAD, Role.OWNERS_COMMITTEE},
    "reporter": {Role.RESIDENT},
}
OWNER_OF = {Level.GRID: "g1", Level.COMPOUND: "compound_a1a", Level.COMMUNITY: "community_a1",
            Level.STREET: "street_a", Level.DISTRICT: "district"}


def expected_actors(transition, level):
    return HANDLERS[level] if transition.actor == "handler" else ACTORS[transition.actor]


@pytest.fixture
def matter(world, new_matter):
    return new_matter()


@pytest.mark.parametrize("level", list(Level), ids=lambda level: level.value)
def test_every_action_in_every_status_for_every_role(world, matter, level):
    owner = getattr(world, OWNER_OF[level])
    matter.owner_level, matter.owner_place, matter.owner_code = level, owner, owner.code
    for status in Status:
        matter.status = status
        for role in Role:
            user = world.by_role[role]
            allowed = set(allowed_actions(matter, user))
            for action, transition in TRANSITIONS.items():
                should = status in transition.sources and role in expected_actors(transition, level)
                assert (action in allowed) == should, (action, status, role, level)
                if should:
                    assert guard(matter, action, user) is transition
                    continue
                error = PermissionDenied if status in transition.sources else TransitionError
                with pytest.raises(error):
                    guard(matter, action, user)


def test_every_status_is_reachable_and_closed_states_only_reopen(world):
    targets = {t.target for t in TRANSITIONS.values() if t.target}
    assert targets | {Status.NEW} == set(Status)
    for status in (Status.REJECTED, Status.MERGED):
        assert not [a for a, t in TRANSITIONS.items() if status in t.sources]
    leaving_closed = {a for a, t in TRANSITIONS.items()
                      if Status.CLOSED in t.sources and t.target is not None}
    assert leaving_closed == {"reopen"}
