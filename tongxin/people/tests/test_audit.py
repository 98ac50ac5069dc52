"""Sign-ins, sign-outs and failed sign-ins are recorded in the audit log (people.audit)."""

import pytest
from django.urls import reverse

from tongxin.conftest import PASSWORD
from tongxin.core import audit
from tongxin.core.models import Event
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db


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
