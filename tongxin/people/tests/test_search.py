"""A search matches a phone only where the viewer sees it whole (issue 16, item 1)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tongxin.api.tokens import issue_token
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db


def api_ids(person, q):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(person)[1]}")
    response = client.get(reverse("api:people"), {"q": q})
    assert response.status_code == 200
    return {row["id"] for row in response.json()["results"]}


def page_ids(client, person, q):
    client.force_login(person)
    response = client.get(reverse("people:list"), {"q": q})
    assert response.status_code == 200
    return {person.pk for person, _contact in response.context["rows"]}


def test_a_street_officer_finds_nobody_by_the_hidden_digits_of_a_phone(world):
    street = world.by_role[Role.STREET_OFFICER]
    hidden = world.resident.phone[:7]  # 139 and the four digits the mask hides
    assert world.resident.pk not in api_ids(street, hidden)
    assert world.resident.pk not in api_ids(street, world.resident.phone)


def test_a_lawyer_finds_by_name_but_not_by_phone_on_the_people_page(client, world):
    lawyer = world.by_role[Role.LEGAL_ADVISER]
    assert world.resident.pk in page_ids(client, lawyer, world.resident.full_name)
    assert world.resident.pk not in page_ids(client, lawyer, world.resident.phone[:7])


def test_a_grid_worker_who_sees_phones_whole_still_finds_by_phone(client, world):
    grid = world.by_role[Role.GRID_WORKER]
    assert world.resident.pk in page_ids(client, grid, world.resident.phone[:7])
    assert world.resident.pk in api_ids(grid, world.resident.phone)
    # ... but not a colleague's whose home is outside the grid (masked to them).
    building_head = world.by_role[Role.BUILDING_HEAD]
    assert building_head.pk in page_ids(client, grid, building_head.full_name)
    assert building_head.pk not in page_ids(client, grid, building_head.phone)


def test_the_record_page_finds_residents_by_phone_only_for_whole_contact_roles(client, world):
    for role, found in ((Role.BUILDING_HEAD, False), (Role.GRID_WORKER, True)):
        client.force_login(world.by_role[role])
        response = client.get(reverse("matters:record"), {"q": world.resident.phone[:7]},
                              headers={"HX-Request": "true"})
        ids = {row["person"].pk for row in response.context["results"]}
        assert (world.resident.pk in ids) is found, role


def test_everyone_finds_their_own_phone(world):
    assert world.resident.pk in api_ids(world.resident, world.resident.phone)


def test_whole_contact_q_and_contact_for_agree_for_every_viewer(world):
    from tongxin.people.models import Person
    from tongxin.people.rules import contact_for, whole_contact_q

    for viewer in [*world.by_role.values(), world.resident_b]:
        visible = Person.objects.visible_to(viewer)
        whole = set(visible.filter(whole_contact_q(viewer)).values_list("pk", flat=True))
        for person in visible.select_related("household"):
            assert (person.pk in whole) is not contact_for(viewer, person)["masked"], (
                viewer.username, person.username)
