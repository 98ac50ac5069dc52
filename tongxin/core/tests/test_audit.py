"""The audit log: sign-ins, failed sign-ins, exports and reads of unmasked contact details,
and who may read the log."""

import pytest
from django.urls import reverse

from tongxin.conftest import PASSWORD
from tongxin.core import audit
from tongxin.core.models import Event
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db

AUDITORS = {Role.DISTRICT_OFFICER, Role.SYSTEM_ADMIN}


def entries(action, **filters):
    return Event.objects.filter(action=action, **filters)


def test_a_sign_in_and_a_sign_out_are_recorded_with_the_address(client, world):
    grid = world.by_role[Role.GRID_WORKER]
    client.post(reverse("people:login"), {"username": "grid_worker", "password": PASSWORD},
                REMOTE_ADDR="10.1.2.3")
    entry = entries(audit.SIGN_IN, subject_id=str(grid.pk)).get()
    assert entry.actor == grid and entry.data["ip"] == "10.1.2.3"
    assert entry.place_code == world.g1.code  # filed under the role's place
    client.post(reverse("people:logout"))
    assert entries(audit.SIGN_OUT, subject_id=str(grid.pk)).count() == 1


def test_a_failed_sign_in_is_recorded_against_the_account_without_the_password(client, world):
    client.post(reverse("people:login"), {"username": "resident", "password": "wrong-guess"})
    entry = entries(audit.SIGN_IN_FAILED, subject_id=str(world.resident.pk)).get()
    assert entry.actor is None and entry.data["username"] == "resident"
    assert "wrong-guess" not in str(entry.data)
    assert entry.place_code == world.h1.code


def test_a_failed_sign_in_for_an_unknown_name_is_recorded_too(client, world):
    client.post(reverse("people:login"), {"username": "ghost", "password": "x"})
    assert entries(audit.SIGN_IN_FAILED, data__username="ghost").count() == 1


def test_an_api_token_sign_in_is_recorded(world):
    from rest_framework.test import APIClient

    APIClient().post(reverse("api:token"), {"username": "resident", "password": PASSWORD},
                     format="json")
    APIClient().post(reverse("api:token"), {"username": "resident", "password": "no"},
                     format="json")
    assert entries(audit.SIGN_IN_FAILED, subject_id=str(world.resident.pk)).count() == 1


def test_downloading_ones_own_data_is_an_audited_export(client, world):
    client.force_login(world.resident)
    client.get(reverse("privacy:export", args=["json"]))
    entry = entries(audit.EXPORT, subject_id=str(world.resident.pk)).get()
    assert entry.data["what"] == "my_data" and entry.data["format"] == "json"


def test_reading_a_persons_unmasked_contact_is_recorded_and_a_masked_read_is_not(client, world):
    grid = world.by_role[Role.GRID_WORKER]  # full contact in its grid
    client.force_login(grid)
    assert client.get(reverse("people:detail", args=[world.resident.pk])).status_code == 200
    entry = entries(audit.READ, subject_id=str(world.resident.pk)).get()
    assert entry.actor == grid and entry.data["what"] == "contact"
    head = world.by_role[Role.BUILDING_HEAD]  # sees people, phones masked
    client.force_login(head)
    assert client.get(reverse("people:detail", args=[world.resident.pk])).status_code == 200
    assert entries(audit.READ, actor=head).count() == 0


def test_a_handler_reading_a_walk_in_reporters_phone_is_recorded(client, world, parking):
    from tongxin.matters import services

    grid = world.by_role[Role.GRID_WORKER]
    matter = services.raise_matter(
        by=grid, title="楼道灯坏了", description="三楼楼道灯不亮。", category=parking,
        place=world.b1, contact_name="周阿姨", contact_phone="13700001111", channel="hall")
    client.force_login(grid)
    page = client.get(reverse("matters:detail", args=[matter.pk]))
    assert "13700001111" in page.content.decode()
    assert entries(audit.READ, subject_id=str(matter.pk), data__what="reporter_contact",
                   actor=grid).count() == 1


@pytest.mark.parametrize("role", list(Role))
def test_only_auditors_open_the_audit_log(client, world, role):
    client.force_login(world.by_role[role])
    response = client.get(reverse("core:audit"))
    assert response.status_code == (200 if role in AUDITORS else 403)


def test_the_audit_log_lists_entries_of_the_auditors_area_only(client, world):
    outsider = world.other_street
    client.post(reverse("people:login"), {"username": outsider.username, "password": "no"})
    street_officer = world.by_role[Role.STREET_OFFICER]
    audit.visible_to(street_officer)  # not an auditor: nothing
    assert not audit.visible_to(street_officer).exists()
    officer = world.by_role[Role.DISTRICT_OFFICER]
    assert audit.visible_to(officer).filter(data__username=outsider.username).exists()
    client.force_login(officer)
    page = client.get(reverse("core:audit"), {"kind": "failed"})
    assert page.status_code == 200
    assert 'data-action="audit.sign_in_failed"' in page.content.decode()
    assert 'data-action="audit.sign_in"' not in page.content.decode()


def test_the_audit_log_rejects_a_bad_filter_without_failing(client, world):
    client.force_login(world.by_role[Role.SYSTEM_ADMIN])
    assert client.get(reverse("core:audit"), {"kind": "<x>", "day": "2026-13-45"}).status_code == 200
