"""The tables are the law: every step of every workflow moves exactly as its table says."""

import pytest

from tongxin.kernel.errors import PermissionDenied, TransitionError
from tongxin.kernel.workflow import all_workflows
from tongxin.matters.models import Matter, MatterEvent, Whistle
from tongxin.matters.services import whistle as whistle_departments
from tongxin.matters.transitions import MATTER_FLOW, WHISTLE_FLOW

pytestmark = pytest.mark.django_db


def test_the_matter_loop_declares_its_two_workflows():
    assert {"matters.matter", "matters.whistle"} <= set(all_workflows())
    assert all_workflows()["matters.matter"] is MATTER_FLOW


def put_in(obj, state):
    """Put a record in ``state`` behind the engine's back (only a test may)."""
    type(obj).objects.filter(pk=obj.pk).update(status=state)
    return type(obj).objects.get(pk=obj.pk)


@pytest.mark.parametrize("action", sorted(MATTER_FLOW.table))
def test_each_matter_step_moves_from_its_sources_to_its_target_and_nowhere_else(
        world, new_matter, action):
    transition = MATTER_FLOW[action]
    matter = new_matter()
    for state in sorted(MATTER_FLOW.states):
        matter = put_in(matter, state)
        entries = MatterEvent.objects.filter(matter=matter).count()
        if state in transition.sources:
            MATTER_FLOW.apply(matter, action, by=None)
            stored = Matter.objects.get(pk=matter.pk).status
            assert stored == (transition.target or state), (action, state)
            last = MatterEvent.objects.filter(matter=matter).latest("pk")
            assert last.action == transition.event
            assert MatterEvent.objects.filter(matter=matter).count() == entries + 1
        else:
            with pytest.raises(TransitionError) as refused:
                MATTER_FLOW.apply(matter, action, by=None)
            assert refused.value.code == "not_now"
            assert Matter.objects.get(pk=matter.pk).status == state, (action, state)
            assert MatterEvent.objects.filter(matter=matter).count() == entries


@pytest.mark.parametrize("action", sorted(WHISTLE_FLOW.table))
def test_each_whistle_step_moves_from_its_sources_to_its_target_and_nowhere_else(
        world, new_matter, action):
    from tongxin.matters import services

    district_officer = world.by_role["district_officer"]
    matter = new_matter()
    services.escalate(matter, by=world.by_role["grid_worker"], reason="需要区里协调",
                      to_level="district")
    whistle_departments(matter, by=district_officer, departments=[world.department])
    item = Whistle.objects.get(matter=matter)
    transition = WHISTLE_FLOW[action]
    for state in sorted(WHISTLE_FLOW.states):
        item = put_in(item, state)
        if state in transition.sources:
            WHISTLE_FLOW.apply(item, action, by=None)
            assert Whistle.objects.get(pk=item.pk).status == transition.target
        else:
            with pytest.raises(TransitionError):
                WHISTLE_FLOW.apply(item, action, by=None)
            assert Whistle.objects.get(pk=item.pk).status == state


def test_a_stale_copy_cannot_move(world, new_matter):
    matter = new_matter()
    stale = Matter.objects.get(pk=matter.pk)
    MATTER_FLOW.apply(put_in(matter, "in_progress"), "park", by=None)
    with pytest.raises(TransitionError) as refused:
        MATTER_FLOW.apply(stale, "triage", by=None)
    assert refused.value.code == "stale"


def test_the_actor_rule_is_checked_when_a_person_acts(world, new_matter):
    matter = new_matter()
    with pytest.raises(PermissionDenied) as refused:
        MATTER_FLOW.apply(matter, "triage", by=world.resident)
    assert refused.value.code == "not_allowed"
    assert Matter.objects.get(pk=matter.pk).status == "new"
