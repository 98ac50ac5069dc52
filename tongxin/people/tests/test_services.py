import pytest

from tongxin.core.models import Event
from tongxin.kernel.errors import ServiceError
from tongxin.people.choices import Role
from tongxin.people.models import Person, RoleAssignment
from tongxin.people.services import assign_role, create_person, revoke_role, update_person

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fields,code", [
    ({"full_name": "  "}, "name_required"),
    ({"full_name": "张三", "phone": "12345"}, "bad_phone"),
    ({"full_name": "张三", "phone": "23800000000"}, "bad_phone"),
    ({"full_name": "张三", "id_number": "11010119900307001X"}, "bad_id_number"),
    ({"full_name": "张三", "id_number": "1101011990030"}, "bad_id_number"),
])
def test_bad_person_data_is_refused_and_nothing_stored(fields, code):
    with pytest.raises(ServiceError) as refused:
        create_person(**fields)
    assert refused.value.code == code
    assert not Person.objects.exists() and not Event.objects.exists()


def test_a_valid_id_number_and_spaced_phone_are_normalised():
    person = create_person(full_name="张三", phone="138 0013 8000", id_number="11010519491231002x")
    assert person.phone == "13800138000"
    assert person.id_number == "11010519491231002X"


def test_a_phone_belongs_to_one_person(world):
    with pytest.raises(ServiceError) as refused:
        create_person(full_name="冒名", phone=world.resident.phone)
    assert refused.value.code == "phone_taken"


def test_people_live_in_households_not_buildings(world):
    with pytest.raises(ServiceError) as refused:
        create_person(full_name="住楼里", household=world.b1)
    assert refused.value.code == "not_a_household"


def test_an_update_records_which_fields_changed_but_not_the_personal_data(world):
    update_person(world.neighbour, phone="13912345678", full_name="李新邻")
    event = Event.objects.filter(action="person.updated").get()
    assert sorted(event.data["fields"]) == ["full_name", "phone"]
    assert "13912345678" not in str(event.data)


def test_an_update_that_changes_nothing_records_nothing(world):
    before = Event.objects.count()
    update_person(world.neighbour, full_name=world.neighbour.full_name)
    assert Event.objects.count() == before


def test_a_role_is_held_at_the_right_kind_of_place(world):
    with pytest.raises(ServiceError) as refused:
        assign_role(world.neighbour, role=Role.GRID_WORKER, place=world.compound_a1a)
    assert refused.value.code == "role_bad_place"
    assert not RoleAssignment.objects.filter(person=world.neighbour).exists()


def test_department_staff_need_a_department(world):
    with pytest.raises(ServiceError) as refused:
        assign_role(world.neighbour, role=Role.DEPARTMENT_STAFF, place=world.district)
    assert refused.value.code == "role_needs_org"
    with pytest.raises(ServiceError) as refused:
        assign_role(world.neighbour, role=Role.DEPARTMENT_STAFF, place=world.district,
                    organisation=world.partner)
    assert refused.value.code == "role_needs_org"


def test_a_property_company_works_where_it_is_attached(world):
    with pytest.raises(ServiceError) as refused:
        assign_role(world.neighbour, role=Role.PROPERTY_STAFF, place=world.compound_b1a,
                    organisation=world.property)
    assert refused.value.code == "role_org_elsewhere"


def test_assigning_the_same_role_twice_changes_nothing(world):
    before = (RoleAssignment.objects.count(), Event.objects.count())
    assign_role(world.resident, role=Role.RESIDENT, place=world.h1)
    assert (RoleAssignment.objects.count(), Event.objects.count()) == before


def test_a_person_may_hold_several_roles_and_sees_their_union(world):
    from tongxin.places.models import Place

    person = world.by_role[Role.BUILDING_HEAD]
    assign_role(person, role=Role.GRID_WORKER, place=world.g5)
    codes = set(Place.objects.visible_to(person).values_list("code", flat=True))
    assert world.h1.code in codes and world.h6.code in codes and world.h3.code not in codes


def test_the_system_administrator_role_is_not_the_superuser(world):
    person = world.neighbour
    assignment = assign_role(person, role=Role.SYSTEM_ADMIN, place=world.district)
    person = Person.objects.get(pk=person.pk)
    # The role opens the admin (scoped to the district), not every district.
    assert not person.is_superuser and person.is_staff
    revoke_role(assignment)
    person = Person.objects.get(pk=person.pk)
    assert not person.is_superuser and not person.is_staff
    assert Event.objects.filter(action="role.revoked", subject_id=str(person.pk)).exists()
