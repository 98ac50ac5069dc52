"""A matter raised for the whole compound (整个小区): who sees it, who hears and handles it.

It is placed at compound a1a itself and owned by the compound. The grid workers of that
compound hear it with the compound's party secretary; a grid worker of another compound
does not see it; the other roles see and act on it as on any matter of the compound.
"""

import pytest
from django.urls import reverse

from tongxin.matters import selectors, services
from tongxin.matters.choices import Kind, Level, Status
from tongxin.matters.models import Matter
from tongxin.people.choices import Role
from tongxin.people.services import assign_role, create_person

pytestmark = pytest.mark.django_db

SEES = {
    Role.GRID_WORKER, Role.COMPOUND_SECRETARY, Role.COMMUNITY_SECRETARY, Role.COMMITTEE_MEMBER,
    Role.MEDIATOR, Role.LEGAL_ADVISER, Role.COMMUNITY_POLICE, Role.STREET_OFFICER,
    Role.DISTRICT_OFFICER, Role.SYSTEM_ADMIN,
}
HANDLES = {
    Role.GRID_WORKER, Role.COMPOUND_SECRETARY, Role.COMMUNITY_SECRETARY, Role.COMMITTEE_MEMBER,
    Role.STREET_OFFICER, Role.DISTRICT_OFFICER, Role.SYSTEM_ADMIN,
}


@pytest.fixture
def whole_compound(world, new_matter):
    """A matter the compound secretary recorded for the whole compound a1a."""
    matter = new_matter(title="小区围墙多处开裂", by=world.by_role[Role.COMPOUND_SECRETARY],
                        place=world.compound_a1a, contact_name="热心居民")
    assert matter.place_code == matter.owner_code == world.compound_a1a.code
    assert matter.owner_level == Level.COMPOUND
    return matter


@pytest.fixture
def other_grid_worker(world):
    """A grid worker of grid g3, in the other compound (a1b) of the same community."""
    person = create_person(full_name="外网格员", phone="13900009999", username="grid_g3",
                           password="a-long-test-password")
    assign_role(person, role=Role.GRID_WORKER, place=world.g3)
    return person


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_who_sees_and_handles_a_matter_of_the_whole_compound(client, world, whole_compound,
                                                             role):
    user = world.by_role[role]
    seen = Matter.objects.visible_to(user).filter(pk=whole_compound.pk).exists()
    assert seen == (role in SEES), role
    client.force_login(user)
    response = client.get(reverse("matters:detail", args=[whole_compound.pk]))
    assert response.status_code == (200 if role in SEES else 404), role
    assert ("triage" in services.allowed_actions(whole_compound, user)) == (role in HANDLES), role


def test_the_grid_worker_of_the_compound_hears_it_from_the_inbox(client, world, whole_compound):
    grid = world.by_role[Role.GRID_WORKER]
    assert whole_compound in selectors.inbox(grid).matters
    assert selectors.work_summary(grid)["new"] == 1
    client.force_login(grid)
    response = client.post(reverse("matters:act", args=[whole_compound.pk, "triage"]),
                           {"kind": Kind.PENDING, "category": whole_compound.category_id})
    assert response.status_code == 302
    whole_compound.refresh_from_db()
    assert whole_compound.status == Status.IN_PROGRESS


def test_a_grid_worker_of_another_compound_neither_sees_nor_handles_it(client, world,
                                                                     whole_compound,
                                                                     other_grid_worker):
    assert not Matter.objects.visible_to(other_grid_worker).filter(pk=whole_compound.pk).exists()
    assert whole_compound not in selectors.inbox(other_grid_worker).matters
    assert services.allowed_actions(whole_compound, other_grid_worker) == []
    client.force_login(other_grid_worker)
    assert client.get(reverse("matters:detail", args=[whole_compound.pk])).status_code == 404


def test_once_the_community_owns_it_the_grid_worker_still_sees_it_but_no_longer_handles_it(
        world, whole_compound):
    grid = world.by_role[Role.GRID_WORKER]
    services.escalate(whole_compound, by=world.by_role[Role.COMPOUND_SECRETARY], reason="需社区协调")
    whole_compound.refresh_from_db()
    assert Matter.objects.visible_to(grid).filter(pk=whole_compound.pk).exists()
    assert services.allowed_actions(whole_compound, grid) == []
    assert whole_compound not in selectors.inbox(grid).matters


def test_a_matter_escalated_from_a_grid_to_the_compound_is_not_the_grid_workers_to_handle(
        world, new_matter):
    grid = world.by_role[Role.GRID_WORKER]
    matter = new_matter()
    services.escalate(matter, by=grid, reason="网格解决不了", to_level=Level.COMPOUND)
    matter.refresh_from_db()
    assert Matter.objects.visible_to(grid).filter(pk=matter.pk).exists()
    assert services.allowed_actions(matter, grid) == []


def test_the_grid_workers_of_the_compound_are_told_of_it(world, whole_compound,
                                                         other_grid_worker):
    from tongxin.matters.notices import NoticeKind
    from tongxin.notices.models import Notice

    told = set(Notice.objects.about(whole_compound).filter(kind=NoticeKind.ASSIGNED)
               .values_list("recipient_id", flat=True))
    assert world.by_role[Role.GRID_WORKER].pk in told
    assert world.by_role[Role.COMPOUND_SECRETARY].pk in told
    assert other_grid_worker.pk not in told
