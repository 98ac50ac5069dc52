"""Who sees which matter: the matrix for a matter raised in building b1 (grid g1)."""

import pytest

from tongxin.matters import services
from tongxin.matters.choices import Level
from tongxin.matters.models import Matter
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db

SEES_A_MATTER_IN_B1 = {
    Role.RESIDENT, Role.GRID_WORKER, Role.BUILDING_HEAD, Role.COMPOUND_SECRETARY,
    Role.COMMUNITY_SECRETARY, Role.COMMITTEE_MEMBER, Role.MEDIATOR, Role.LEGAL_ADVISER,
    Role.COMMUNITY_POLICE, Role.STREET_OFFICER, Role.DISTRICT_OFFICER, Role.SYSTEM_ADMIN,
}


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_who_sees_a_matter_in_b1(world, new_matter, role):
    matter = new_matter()
    user = world.by_role[role]
    seen = Matter.objects.visible_to(user).filter(pk=matter.pk).exists()
    assert seen == (role in SEES_A_MATTER_IN_B1)
    assert user.has_perm("matters.view_matter", matter) == seen


def test_other_residents_do_not_see_it_until_they_support_it(world, new_matter):
    matter = new_matter()
    assert not Matter.objects.visible_to(world.resident_b).filter(pk=matter.pk).exists()
    services.support(matter, by=world.resident_b)
    assert Matter.objects.visible_to(world.resident_b).filter(pk=matter.pk).exists()


def test_a_grid_worker_does_not_see_another_grids_matter(world, new_matter):
    matter = new_matter(by=world.by_role[Role.COMMUNITY_SECRETARY], place=world.b3)
    assert not Matter.objects.visible_to(world.by_role[Role.GRID_WORKER]).filter(pk=matter.pk).exists()
    assert Matter.objects.visible_to(world.by_role[Role.COMMUNITY_SECRETARY]).filter(pk=matter.pk).exists()


def test_a_department_sees_a_matter_once_whistled(world, new_matter):
    officer = world.by_role[Role.DISTRICT_OFFICER]
    staff = world.by_role[Role.DEPARTMENT_STAFF]
    matter = new_matter()
    assert not Matter.objects.visible_to(staff).filter(pk=matter.pk).exists()
    services.escalate(matter, by=officer, reason="上报", to_level=Level.DISTRICT)
    services.whistle(matter, by=officer, departments=[world.department])
    assert Matter.objects.visible_to(staff).filter(pk=matter.pk).exists()


def test_the_visible_list_has_no_duplicates(world, new_matter):
    matter = new_matter()
    services.support(matter, by=world.resident_b)
    services.support(matter, by=world.neighbour)
    admin = world.by_role[Role.SYSTEM_ADMIN]
    assert Matter.objects.visible_to(world.by_role[Role.GRID_WORKER]).count() == 1
    assert Matter.objects.visible_to(admin).count() == 1
