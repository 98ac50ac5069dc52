"""The API shows each role exactly what the pages show (``visible_to``), masks personal data
the same way, and keeps an API key inside its district."""

import pytest

from tongxin.api.keys import issue_key
from tongxin.matters import services
from tongxin.matters.models import Matter, MatterEvent
from tongxin.people.choices import Role
from tongxin.people.models import Person
from tongxin.people.services import assign_role
from tongxin.places.models import Place

pytestmark = pytest.mark.django_db

ROLES = [Role.RESIDENT, Role.GRID_WORKER, Role.BUILDING_HEAD, Role.COMPOUND_SECRETARY,
         Role.COMMUNITY_SECRETARY, Role.LEGAL_ADVISER, Role.STREET_OFFICER,
         Role.DISTRICT_OFFICER, Role.DEPARTMENT_STAFF, Role.PARTNER_MEMBER,
         Role.OWNERS_COMMITTEE, Role.SYSTEM_ADMIN]


@pytest.fixture
def matters(world, new_matter):
    """Return one matter raised by each resident, near and far; one of them whistled to
    the department, one supported by the world's resident."""
    raised = [new_matter(by=person, title=f"{person.full_name}反映的事") for person in (
        world.resident, world.neighbour, world.same_compound, world.same_community,
        world.same_street, world.other_street)]
    officer = world.by_role[Role.DISTRICT_OFFICER]
    services.escalate(raised[4], by=officer, reason="需要区里协调", to_level="district")
    services.whistle(raised[4], by=officer, departments=[world.department])
    services.support(raised[1], by=world.resident)
    return raised


def ids(client, url):
    response = client.get(url, {"page_size": 200})
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("role", ROLES)
def test_the_matter_list_holds_exactly_what_visible_to_returns(world, matters, api, role):
    person = world.by_role[role]

    listed = ids(api(person), "/api/v1/matters/")

    assert listed == set(Matter.objects.visible_to(person).values_list("pk", flat=True))


@pytest.mark.parametrize("role", ROLES)
def test_the_people_list_holds_exactly_what_visible_to_returns(world, matters, api, role):
    person = world.by_role[role]

    listed = ids(api(person), "/api/v1/people/")

    assert listed == set(Person.objects.visible_to(person).values_list("pk", flat=True))


def test_a_grid_worker_sees_other_grids_matters_not_at_all(world, matters, api):
    client = api(world.by_role[Role.GRID_WORKER])
    far = matters[2]  # raised in grid g2

    assert far.pk not in ids(client, "/api/v1/matters/")
    assert client.get(f"/api/v1/matters/{far.pk}/").status_code == 404
    refused = client.post(f"/api/v1/matters/{far.pk}/actions/triage/", {"kind": "immediate"},
                          format="json")
    assert refused.status_code == 404
    assert refused.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(("role", "masked"), [
    (Role.GRID_WORKER, False),
    (Role.COMPOUND_SECRETARY, False),
    (Role.BUILDING_HEAD, True),
    (Role.LEGAL_ADVISER, True),
    (Role.STREET_OFFICER, True),
    (Role.DISTRICT_OFFICER, True),
])
def test_phone_numbers_are_masked_for_roles_that_do_not_need_them(world, api, role, masked):
    resident = world.resident

    person = api(world.by_role[role]).get(f"/api/v1/people/{resident.pk}/").json()

    assert person["contact_masked"] is masked
    assert person["phone"] == ("139****0001" if masked else resident.phone)
    assert resident.phone == "13900000001"


@pytest.mark.parametrize(("role", "masked"), [
    (Role.GRID_WORKER, False), (Role.STREET_OFFICER, True)])
def test_the_reporters_phone_on_a_matter_is_masked_likewise(world, matters, api, role, masked):
    matter = api(world.by_role[role]).get(f"/api/v1/matters/{matters[0].pk}/").json()

    assert matter["reporter"]["name"] == "张小明"
    assert matter["reporter"]["phone"] == ("139****0001" if masked else "13900000001")


def test_residents_see_no_internal_event_and_staff_do(world, matters, api):
    matter = matters[1]  # supported by the world's resident: an internal event

    resident_view = api(world.resident).get(f"/api/v1/matters/{matter.pk}/").json()
    staff_view = api(world.by_role[Role.GRID_WORKER]).get(f"/api/v1/matters/{matter.pk}/").json()

    assert not resident_view["staff_view"]
    assert [e["action"] for e in resident_view["timeline"]] == ["raised"]
    assert resident_view["reporter"] is None  # another resident's matter: nobody named
    assert staff_view["staff_view"]
    assert [e["action"] for e in staff_view["timeline"]] == ["raised", "supported"]


# --- an API key never reads or files outside its district ------------------------------------


def raise_body(category, place):
    return {"title": "路灯不亮", "description": "小区门口路灯坏了一周。", "category": category.pk,
            "place": place.code}


def test_a_key_of_one_district_cannot_read_another(world, matters, other_district, api):
    client = api(key=other_district.key_text)
    theirs = matters[0]

    assert ids(client, "/api/v1/matters/") == set()
    response = client.get(f"/api/v1/matters/{theirs.pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert client.get(f"/api/v1/places/{world.district.code}/").status_code == 404
    assert client.get(f"/api/v1/people/{world.resident.pk}/").status_code == 404
    assert client.post(f"/api/v1/matters/{theirs.pk}/actions/triage/", {"kind": "immediate"},
                       format="json").status_code == 404


def test_a_key_of_one_district_cannot_file_in_another(world, categories, parking,
                                                       other_district, api):
    client = api(key=other_district.key_text)
    before = Matter.objects.count()

    response = client.post("/api/v1/matters/", raise_body(parking, world.b1), format="json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "out_of_jurisdiction"
    assert Matter.objects.count() == before


def test_a_key_files_in_its_own_district(other_district, api):
    client = api(key=other_district.key_text)
    category = other_district.categories["乱停乱放"]

    response = client.post("/api/v1/matters/", raise_body(category, other_district.building),
                           format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["district"]["code"] == "990102"
    assert ids(client, "/api/v1/matters/") == {response.json()["id"]}


@pytest.fixture
def officer_of_both(world, other_district):
    """The other district's officer, who also works in the world's district: their key
    for 别区 must still keep to 别区, though the person may see both."""
    assign_role(other_district.officer, role=Role.DISTRICT_OFFICER, place=world.district)
    return other_district.officer


def test_a_key_keeps_to_its_district_even_when_its_account_sees_more(
        world, matters, parking, other_district, officer_of_both, api):
    with_token = api(officer_of_both)
    with_key = api(key=other_district.key_text)
    ours = other_district.categories["乱停乱放"]
    filed = with_key.post("/api/v1/matters/", raise_body(ours, other_district.building),
                          format="json").json()["id"]

    assert {m.pk for m in matters} | {filed} == ids(with_token, "/api/v1/matters/")
    assert ids(with_key, "/api/v1/matters/") == {filed}
    assert with_key.get(f"/api/v1/matters/{matters[0].pk}/").status_code == 404
    places = ids_by_code(with_key, "/api/v1/places/")
    assert places and all(code.startswith("990102") for code in places)
    people = ids(with_key, "/api/v1/people/")
    assert world.resident.pk not in people and officer_of_both.pk in people
    categories = with_key.get("/api/v1/categories/", {"page_size": 200}).json()["results"]
    assert {c["district"] for c in categories} == {"990102"}


def test_a_key_cannot_file_elsewhere_even_when_its_account_could(
        world, parking, other_district, officer_of_both, api):
    with_key = api(key=other_district.key_text)
    ours = other_district.categories["乱停乱放"]
    before = (Matter.objects.count(), MatterEvent.objects.count())

    elsewhere = with_key.post("/api/v1/matters/", raise_body(parking, world.b1), format="json")
    their_category = with_key.post("/api/v1/matters/",
                                   raise_body(parking, other_district.building), format="json")
    our_category_their_place = with_key.post("/api/v1/matters/", raise_body(ours, world.b1),
                                             format="json")

    for response in (elsewhere, their_category, our_category_their_place):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "out_of_jurisdiction"
    assert (Matter.objects.count(), MatterEvent.objects.count()) == before
    # The same person with a token (no key) may file there: the limit is the key's.
    assert api(officer_of_both).post("/api/v1/matters/", raise_body(parking, world.b1),
                                     format="json").status_code == 201


def test_a_key_files_at_its_default_place_when_none_is_named(other_district, api):
    key, text = issue_key(name="物业报修", account=other_district.officer,
                          district=other_district.district, default_place=other_district.compound)
    body = raise_body(other_district.categories["乱停乱放"], other_district.building)
    del body["place"]

    response = api(key=text).post("/api/v1/matters/", body, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["place"]["code"] == other_district.compound.code


def ids_by_code(client, url, **params):
    response = client.get(url, {"page_size": 200, **params})
    assert response.status_code == 200
    return {row["code"] for row in response.json()["results"]}


def test_places_are_those_under_the_callers_roles(world, api):
    grid_worker = world.by_role[Role.GRID_WORKER]

    codes = ids_by_code(api(grid_worker), "/api/v1/places/")

    assert codes == set(Place.objects.visible_to(grid_worker).values_list("code", flat=True))
    assert codes and all(code.startswith(world.g1.code) for code in codes)
    buildings = ids_by_code(api(grid_worker), "/api/v1/places/", within=world.g1.code,
                            kind="building")
    assert buildings == {world.b1.code}
