"""Who may read the audit log, and which entries they see."""

import pytest
from django.urls import reverse

from tongxin.people.choices import Role
from tongxin.portal.selectors import audit_entries

pytestmark = pytest.mark.django_db

AUDITORS = {Role.DISTRICT_OFFICER, Role.SYSTEM_ADMIN}


@pytest.mark.parametrize("role", list(Role))
def test_only_auditors_open_the_audit_log(client, world, role):
    client.force_login(world.by_role[role])
    response = client.get(reverse("core:audit"))
    assert response.status_code == (200 if role in AUDITORS else 403)


def test_the_audit_log_lists_entries_of_the_auditors_area_only(client, world):
    outsider = world.other_street
    client.post(reverse("people:login"), {"username": outsider.username, "password": "no"})
    street_officer = world.by_role[Role.STREET_OFFICER]
    audit_entries(street_officer)  # not an auditor: nothing
    assert not audit_entries(street_officer).exists()
    officer = world.by_role[Role.DISTRICT_OFFICER]
    assert audit_entries(officer).filter(data__username=outsider.username).exists()
    client.force_login(officer)
    page = client.get(reverse("core:audit"), {"kind": "failed"})
    assert page.status_code == 200
    assert 'data-action="audit.sign_in_failed"' in page.content.decode()
    assert 'data-action="audit.sign_in"' not in page.content.decode()


def test_the_audit_log_rejects_a_bad_filter_without_failing(client, world):
    client.force_login(world.by_role[Role.SYSTEM_ADMIN])
    assert client.get(reverse("core:audit"), {"kind": "<x>", "day": "2026-13-45"}).status_code == 200
