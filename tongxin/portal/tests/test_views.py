"""The portal's pages per role: the home page and the place pages, in scope and out of it."""

import pytest
from django.urls import reverse

from tongxin.people.choices import Role
from tongxin.people.roles import ROLE_SPECS
from tongxin.people.tests.matrix import PLACE_NAMES, PLACES_SEEN

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in ("/", "/places/", "/people/"):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("people:login"))


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_every_role_has_its_home_page(client, world, role):
    client.force_login(world.by_role[role])
    html = client.get("/").content.decode()
    kind = "staff" if ROLE_SPECS[role].staff else "resident"
    assert f'data-home="{kind}"' in html
    assert world.by_role[role].full_name in html


def test_the_resident_home_shows_the_household_with_masked_family_phones(client, world):
    client.force_login(world.resident)
    html = client.get("/").content.decode()
    assert "同心区 同心街道 红星社区 幸福小区 1号楼 1单元101" in html
    assert world.resident.phone in html
    assert world.resident_b.phone not in html
    assert world.resident_b.phone[:3] + "****" + world.resident_b.phone[-4:] in html
    assert world.neighbour.full_name not in html


def test_the_staff_home_counts_what_is_in_scope(client, world):
    client.force_login(world.by_role[Role.COMPOUND_SECRETARY])
    response = client.get("/")
    counts = dict((str(label), n) for label, n in response.context["place_counts"])
    assert counts == {"小区": 1, "网格": 2, "楼栋": 2, "户": 3} or counts == {
        "Compound": 1, "Grid": 2, "Building": 2, "Household": 3}


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_place_pages_open_only_in_scope(client, world, role):
    client.force_login(world.by_role[role])
    for name in PLACE_NAMES:
        response = client.get(reverse("places:detail", args=[getattr(world, name).code]))
        assert response.status_code == (200 if name in PLACES_SEEN[role] else 404), name
