"""Every read that shows contacts whole writes one audit entry, on any interface (issue 16,
item 4): one entry per request, however many rows, and none when all was masked."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tongxin.api.tokens import issue_token
from tongxin.core import audit
from tongxin.core.models import Event
from tongxin.people.choices import Role
from tongxin.people.models import Person
from tongxin.people.rules import whole_contact_q
from tongxin.portal.selectors import audit_entries

pytestmark = pytest.mark.django_db


def reads(actor):
    return list(Event.objects.filter(action=audit.READ, actor=actor).order_by("pk"))


def api(person):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(person)[1]}")
    return client


def whole_ids(viewer):
    """The people other than the viewer whose phone the viewer sees whole."""
    return set(Person.objects.visible_to(viewer).filter(whole_contact_q(viewer))
               .exclude(pk=viewer.pk).exclude(phone=None).values_list("pk", flat=True))


def test_the_api_people_list_writes_one_entry_per_request_naming_everyone_read(world):
    grid = world.by_role[Role.GRID_WORKER]
    response = api(grid).get(reverse("api:people"), {"page_size": 200})
    assert response.status_code == 200
    shown = {row["id"] for row in response.json()["results"] if not row["contact_masked"]}
    [entry] = reads(grid)
    assert entry.data["what"] == "contact"
    assert set(entry.data["people"]) == shown - {grid.pk} == whole_ids(grid)
    assert entry.place_code == world.b1.code  # the deepest place holding everyone read
    api(grid).get(reverse("api:people"), {"page_size": 200})
    assert len(reads(grid)) == 2


def test_a_list_seen_masked_writes_no_entry(world):
    street = world.by_role[Role.STREET_OFFICER]
    response = api(street).get(reverse("api:people"), {"page_size": 200})
    assert response.status_code == 200 and response.json()["results"]
    assert reads(street) == []
    api(world.resident).get(reverse("api:people"))  # their household, their own phone whole
    assert reads(world.resident) == []


def test_the_api_person_detail_writes_one_entry(world):
    grid = world.by_role[Role.GRID_WORKER]
    assert api(grid).get(reverse("api:person", args=[world.resident.pk])).status_code == 200
    [entry] = reads(grid)
    assert entry.subject == world.resident and entry.place_code == world.h1.code
    api(grid).get(reverse("api:person", args=[grid.pk]))  # themselves: nothing to note
    assert len(reads(grid)) == 1


def test_the_api_matter_detail_writes_one_entry_for_the_reporters_contact(world, new_matter):
    matter = new_matter()
    grid = world.by_role[Role.GRID_WORKER]
    response = api(grid).get(reverse("api:matter", args=[matter.pk]))
    assert response.status_code == 200
    [entry] = reads(grid)
    assert entry.subject == matter and entry.data["what"] == "reporter_contact"
    lawyer = world.by_role[Role.LEGAL_ADVISER]
    api(lawyer).get(reverse("api:matter", args=[matter.pk]))
    assert reads(lawyer) == []  # masked
    api(world.resident).get(reverse("api:matter", args=[matter.pk]))
    assert reads(world.resident) == []  # their own


def test_the_people_page_search_writes_one_entry(client, world):
    grid = world.by_role[Role.GRID_WORKER]
    client.force_login(grid)
    assert client.get(reverse("people:list"), {"q": "张"}).status_code == 200
    [entry] = reads(grid)
    assert set(entry.data["people"]) == {world.resident.pk, world.resident_b.pk}
    assert entry.place_code == world.h1.code


def test_a_household_page_writes_one_entry(client, world):
    grid = world.by_role[Role.GRID_WORKER]
    client.force_login(grid)
    assert client.get(reverse("places:detail", args=[world.h1.code])).status_code == 200
    [entry] = reads(grid)
    assert entry.subject == world.h1 and entry.place_code == world.h1.code
    assert set(entry.data["people"]) == {world.resident.pk, world.resident_b.pk}
    client.force_login(world.by_role[Role.BUILDING_HEAD])  # sees them masked
    client.get(reverse("places:detail", args=[world.h1.code]))
    assert reads(world.by_role[Role.BUILDING_HEAD]) == []


def test_the_district_auditor_sees_the_list_reads_and_their_label(client, world):
    grid = world.by_role[Role.GRID_WORKER]
    api(grid).get(reverse("api:people"))
    officer = world.by_role[Role.DISTRICT_OFFICER]
    assert audit_entries(officer).filter(action=audit.READ, actor=grid).count() == 1
    client.force_login(officer)
    page = client.get(reverse("core:audit"), {"kind": "read"})
    assert page.status_code == 200
    [row] = [r for r in page.context["rows"] if r["entry"].actor == grid]
    assert row["what"] and row["what"] != "contact"  # the declared, translated label


def test_the_site_wide_superuser_reading_staff_without_a_home_is_noted(world):
    admin = world.by_role[Role.SYSTEM_ADMIN]
    Person.objects.filter(pk=admin.pk).update(is_superuser=True)  # sees every contact whole
    admin.refresh_from_db()
    grid = world.by_role[Role.GRID_WORKER]
    assert api(admin).get(reverse("api:person", args=[grid.pk])).status_code == 200
    assert api(admin).get(reverse("api:people"), {"page_size": 200}).status_code == 200
    detail, listed = reads(admin)
    assert detail.subject == grid and detail.place_code == world.g1.code
    assert grid.pk in listed.data["people"] and listed.place_code == world.district.code
