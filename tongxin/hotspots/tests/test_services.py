"""The district's hot issues: grouping the matters a person sees, confirming and splitting."""

from types import SimpleNamespace

import pytest

from tongxin.core.models import Event
from tongxin.hotspots import computing, services
from tongxin.hotspots.models import KeptApart
from tongxin.kernel.errors import PermissionDenied, ServiceError
from tongxin.matters import services as matter_services
from tongxin.matters.choices import Status
from tongxin.matters.models import Matter, MatterEvent
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def complaints(world, new_matter):
    """Three residents of 幸福小区 about the blocked east gate, in their own words; the same
    kind of complaint in 安居小区 and 光明小区; and a broken lamp in 幸福小区."""
    return SimpleNamespace(
        p1=new_matter(by=world.resident, title="幸福小区东门电动车乱停放",
                      description="东门口每天晚上堆满电动车，消防通道被堵住了。"),
        p2=new_matter(by=world.neighbour, title="东门消防通道被电动车堵死",
                      description="幸福小区东门那里电动车乱停，消防车根本进不来，请尽快整治。"),
        p3=new_matter(by=world.same_compound, title="电动车堵住小区东门消防通道",
                      description="我们小区东门口电瓶车停得到处都是，把消防通道堵了，晚上尤其严重。"),
        other=new_matter(by=world.same_community, title="安居小区电动车乱停放",
                         description="安居小区南门电动车乱停，消防通道被占用。"),
        far=new_matter(by=world.same_street, title="光明小区电动车乱停乱放",
                       description="光明小区北门口电动车乱停乱放，堵住了消防通道。"),
        lamp=new_matter(by=world.resident_b, title="3号楼路灯坏了",
                        description="幸福小区3号楼前的路灯坏了一个星期，晚上很黑。"),
    )


def stored(user, days=90):
    """Compute what changed (the background task's work), then read the page's groups."""
    computing.refresh_dirty()
    return services.district_groups(user, days=days).groups


def groups_of(user, days=90):
    groups = stored(user, days=days)
    return {frozenset(m.pk for m in g.matters): g for g in groups}


def district(world):
    return world.by_role[Role.DISTRICT_OFFICER]


def test_paraphrases_in_one_compound_are_one_group_and_other_compounds_stay_apart(world,
                                                                                   complaints):
    groups = groups_of(district(world))
    c = complaints
    assert frozenset({c.p1.pk, c.p2.pk, c.p3.pk}) in groups
    for alone in (c.other, c.far, c.lamp):
        assert frozenset({alone.pk}) in groups
    group = groups[frozenset({c.p1.pk, c.p2.pk, c.p3.pk})]
    assert group.rank == 1 and group.group.place == "幸福小区"
    assert group.representative == c.p1  # raised first, still open
    assert group.group.reporters == 3


def test_each_person_groups_only_the_matters_they_see(world, complaints):
    grid_worker = world.by_role[Role.GRID_WORKER]  # grid g1: p1, p2 and the lamp (p3 is in g2)
    seen = {m.pk for g in stored(grid_worker) for m in g.matters}
    assert seen == {complaints.p1.pk, complaints.p2.pk, complaints.lamp.pk}


def test_merged_and_rejected_matters_are_left_out(world, complaints):
    officer = district(world)
    matter_services.reject(complaints.lamp, by=officer, reason="not_governance")
    matter_services.merge(complaints.p3, into=complaints.p1, by=officer)
    seen = {m.pk for g in stored(officer) for m in g.matters}
    assert complaints.lamp.pk not in seen and complaints.p3.pk not in seen


def test_confirming_a_group_merges_its_matters_into_the_representative(world, complaints):
    officer, c = district(world), complaints
    result = services.confirm_group(into=c.p1, members=[c.p1, c.p2, c.p3], by=officer)
    assert [m.pk for m in result.merged] == [c.p2.pk, c.p3.pk] and result.refused == []
    for duplicate in (c.p2, c.p3):
        duplicate.refresh_from_db()
        assert duplicate.status == Status.MERGED and duplicate.merged_into_id == c.p1.pk
        assert duplicate.events.filter(action="merged").exists()
    c.p1.refresh_from_db()
    assert c.p1.status == Status.NEW and c.p1.supporter_count == 2
    assert MatterEvent.objects.filter(matter=c.p1, action="merged_in").count() == 2
    event = Event.objects.get(action="hotspots.group_confirmed")
    assert event.subject_id == str(c.p1.pk) and event.actor == officer
    assert event.data == {"merged": [c.p2.pk, c.p3.pk], "refused": []}
    groups = groups_of(officer)
    assert frozenset({c.p1.pk}) in groups  # one matter now, with the others as supporters


def test_members_that_cannot_be_merged_are_reported_not_dropped(world, complaints):
    officer, c = district(world), complaints
    matter_services.triage(c.p3, by=officer, kind="immediate")
    matter_services.resolve(c.p3, by=officer, what_was_done="清理了东门的电动车",
                            basis="消防法", standard="通道畅通")
    result = services.confirm_group(into=c.p1, members=[c.p2, c.p3], by=officer)
    assert [m.pk for m in result.merged] == [c.p2.pk]
    [(refused, why)] = result.refused
    assert refused.pk == c.p3.pk and why
    c.p3.refresh_from_db()
    assert c.p3.status == Status.RESOLVED and c.p3.merged_into_id is None
    assert Event.objects.get(action="hotspots.group_confirmed").data["refused"] == [c.p3.pk]


def test_a_member_the_person_does_not_handle_is_reported(world, complaints):
    grid_worker, c = world.by_role[Role.GRID_WORKER], complaints
    matter_services.escalate(c.p2, by=grid_worker, reason="需要小区协调")  # now the compound's
    result = services.confirm_group(into=c.p1, members=[c.p2], by=grid_worker)
    assert result.merged == [] and [m.pk for m, _why in result.refused] == [c.p2.pk]
    c.p2.refresh_from_db()
    assert c.p2.status != Status.MERGED
    assert not Event.objects.filter(action="hotspots.group_confirmed").exists()


def test_merging_into_a_matter_one_does_not_handle_is_refused_whole(world, complaints):
    grid_worker, c = world.by_role[Role.GRID_WORKER], complaints
    with pytest.raises(PermissionDenied):
        services.confirm_group(into=c.p3, members=[c.p1, c.p2], by=grid_worker)
    assert not Matter.objects.filter(status=Status.MERGED).exists()


def test_merging_into_a_merged_matter_or_nothing_is_refused(world, complaints):
    officer, c = district(world), complaints
    matter_services.merge(c.p3, into=c.p1, by=officer)
    with pytest.raises(ServiceError) as error:
        services.confirm_group(into=c.p3, members=[c.p2], by=officer)
    assert error.value.code == "bad_target"
    with pytest.raises(ServiceError) as error:
        services.confirm_group(into=c.p1, members=[c.p1], by=officer)
    assert error.value.code == "nothing_to_merge"
    c.p2.refresh_from_db()
    assert c.p2.status == Status.NEW


def test_splitting_keeps_members_apart_when_grouping_again(world, complaints):
    secretary, c = world.by_role[Role.COMPOUND_SECRETARY], complaints
    assert frozenset({c.p1.pk, c.p2.pk, c.p3.pk}) in groups_of(secretary)
    added = services.split_group(members=[c.p1, c.p2, c.p3], remove=[c.p3], by=secretary)
    assert added == 2
    assert set(KeptApart.objects.values_list("first_id", "second_id")) == {
        (min(c.p1.pk, c.p3.pk), max(c.p1.pk, c.p3.pk)),
        (min(c.p2.pk, c.p3.pk), max(c.p2.pk, c.p3.pk))}
    event = Event.objects.get(action="hotspots.kept_apart")
    assert event.subject_id == str(c.p3.pk) and event.data == {"apart_from": [c.p1.pk, c.p2.pk]}
    groups = groups_of(secretary)
    assert frozenset({c.p1.pk, c.p2.pk}) in groups and frozenset({c.p3.pk}) in groups
    # splitting the same way again adds nothing
    assert services.split_group(members=[c.p1, c.p2, c.p3], remove=[c.p3], by=secretary) == 0


@pytest.mark.parametrize("remove,code", [
    ([], "nothing_to_split"),
    (["p1", "p2", "p3"], "split_everything"),
    (["far"], "not_in_group"),
])
def test_a_split_that_makes_no_sense_is_refused_and_writes_nothing(world, complaints, remove, code):
    c = complaints
    with pytest.raises(ServiceError) as error:
        services.split_group(members=[c.p1, c.p2, c.p3],
                             remove=[getattr(c, name) for name in remove], by=district(world))
    assert error.value.code == code
    assert not KeptApart.objects.exists()
    assert not Event.objects.filter(action="hotspots.kept_apart").exists()


def test_splitting_off_a_matter_one_does_not_handle_is_refused(world, complaints):
    grid_worker, c = world.by_role[Role.GRID_WORKER], complaints
    matter_services.escalate(c.p2, by=grid_worker, reason="需要小区协调")
    with pytest.raises(PermissionDenied):
        services.split_group(members=[c.p1, c.p2], remove=[c.p2], by=grid_worker)
    assert not KeptApart.objects.exists()
