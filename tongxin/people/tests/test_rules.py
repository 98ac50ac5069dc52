"""The permission matrix: for every role, which places and people it sees, and how."""

import pytest

from tongxin.orgs.models import Organisation
from tongxin.people.choices import Role
from tongxin.people.models import Person
from tongxin.people.rules import contact_for
from tongxin.people.tests.matrix import (
    FULL_CONTACT,
    PEOPLE_SEEN,
    PLACE_NAMES,
    PLACES_SEEN,
    people_by_label,
)
from tongxin.places.models import Place


def test_the_matrix_names_every_role():
    assert set(PLACES_SEEN) == set(Role) == set(PEOPLE_SEEN)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_sees_exactly_its_places(world, role):
    user = world.by_role[role]
    codes = {getattr(world, name).code: name for name in PLACE_NAMES}
    seen = {codes[code] for code in Place.objects.visible_to(user).values_list("code", flat=True)}
    assert seen == PLACES_SEEN[role]
    for name in PLACE_NAMES:
        place = getattr(world, name)
        assert user.has_perm("places.view_place", place) == (name in PLACES_SEEN[role]), name


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_sees_exactly_its_people(world, role):
    user = world.by_role[role]
    labels = people_by_label(world)
    seen = {labels[pk] for pk in Person.objects.visible_to(user).values_list("pk", flat=True)}
    assert seen == PEOPLE_SEEN[role]
    for pk, label in labels.items():
        person = Person.objects.get(pk=pk)
        assert user.has_perm("people.view_person", person) == (label in PEOPLE_SEEN[role]), label


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_phone_is_masked_unless_the_role_needs_it(world, role):
    viewer = world.by_role[role]
    contact = contact_for(viewer, world.resident)
    if role in FULL_CONTACT:
        assert contact == {"phone": world.resident.phone, "id_number": "", "masked": False}
    else:
        assert contact["masked"] is True
        assert contact["phone"] == world.resident.phone[:3] + "****" + world.resident.phone[-4:]


def test_a_resident_sees_a_household_members_phone_masked(world):
    contact = contact_for(world.resident, world.resident_b)
    assert contact["masked"] and "****" in contact["phone"]


def test_anonymous_visitors_see_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    nobody = AnonymousUser()
    assert not Place.objects.visible_to(nobody).exists()
    assert not Person.objects.visible_to(nobody).exists()
    assert not Organisation.objects.visible_to(nobody).exists()


def test_an_inactive_account_sees_nothing(world):
    from tongxin.people.services import update_person

    worker = update_person(world.by_role[Role.GRID_WORKER], is_active=False)
    assert not Place.objects.visible_to(worker).exists()


def test_staff_see_the_party_chain_above_them_and_not_other_streets(world):
    from tongxin.people.services import assign_role, create_person

    worker = world.by_role[Role.GRID_WORKER]
    names = set(Organisation.objects.visible_to(worker).values_list("name", flat=True))
    # Above the grid: its party group, the compound branch, the community and street committees.
    assert {"第1网格党小组", "幸福小区党支部", "红星社区党委", "同心街道党工委"} <= names
    far_worker = create_person(full_name="远网格员", username="far")
    assign_role(far_worker, role=Role.GRID_WORKER, place=world.g5)
    far_names = set(Organisation.objects.visible_to(far_worker).values_list("name", flat=True))
    assert not far_names & {"第1网格党小组", "幸福小区党支部", "红星社区党委", "同心街道党工委"}


def test_an_organisation_member_sees_their_own_organisation(world):
    member = world.by_role[Role.DEPARTMENT_STAFF]
    assert Organisation.objects.visible_to(member).filter(pk=world.department.pk).exists()


@pytest.mark.parametrize("role,allowed", [
    (Role.RESIDENT, False), (Role.GRID_WORKER, False), (Role.BUILDING_HEAD, False),
    (Role.COMPOUND_SECRETARY, False), (Role.COMMUNITY_SECRETARY, True),
    (Role.COMMITTEE_MEMBER, True), (Role.MEDIATOR, False), (Role.LEGAL_ADVISER, False),
    (Role.COMMUNITY_POLICE, False), (Role.STREET_OFFICER, True), (Role.DISTRICT_OFFICER, True),
    (Role.DEPARTMENT_STAFF, False), (Role.PARTNER_MEMBER, False), (Role.PROPERTY_STAFF, False),
    (Role.OWNERS_COMMITTEE, False), (Role.SYSTEM_ADMIN, True),
])
def test_who_may_import_a_roster(world, role, allowed):
    assert world.by_role[role].has_perm("people.import_roster") is allowed
