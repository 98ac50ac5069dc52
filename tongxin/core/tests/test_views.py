"""Pages per role: people, in scope and out of it, and what every page sends (the home
and place pages are the portal's: tongxin/portal/tests/test_views.py)."""

import pytest
from django.urls import reverse

from tongxin.people.choices import Role
from tongxin.people.roles import ROLE_SPECS
from tongxin.people.tests.matrix import FULL_CONTACT, PEOPLE_SEEN, people_by_label

pytestmark = pytest.mark.django_db

PEOPLE_ROLES = {role for role in Role if ROLE_SPECS[role].sees_people}


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_person_pages_open_only_in_scope(client, world, role):
    client.force_login(world.by_role[role])
    for pk, label in people_by_label(world).items():
        response = client.get(reverse("people:detail", args=[pk]))
        assert response.status_code == (200 if label in PEOPLE_SEEN[role] else 404), label


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_person_page_masks_contact_unless_the_role_needs_it(client, world, role):
    client.force_login(world.by_role[role])
    response = client.get(reverse("people:detail", args=[world.resident.pk]))
    if response.status_code == 404:
        return
    html = response.content.decode()
    assert (world.resident.phone in html) == (role in FULL_CONTACT)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_people_list_only_for_roles_that_see_people(client, world, role):
    client.force_login(world.by_role[role])
    response = client.get(reverse("people:list"))
    if role in PEOPLE_ROLES:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


def test_pages_send_a_content_security_policy_without_unsafe_inline(client, world):
    client.force_login(world.by_role[Role.GRID_WORKER])
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_no_template_carries_an_inline_script_or_style():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for template in root.glob("*/templates/**/*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template
        assert "<style" not in text and " style=" not in text, template
        assert not re.search(r"\son[a-z]+=", text), template
