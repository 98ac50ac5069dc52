"""API tokens end with the sign-in (issue 16, item 30): they expire, their owner and an
administrator revoke them, and a new password, a lockout or deactivation kills them."""

import hashlib
from datetime import timedelta

import pytest
from django.contrib.admin.sites import site
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tongxin.api.models import AccessToken
from tongxin.conftest import PASSWORD
from tongxin.core.models import Event
from tongxin.people.choices import Role
from tongxin.people.services import set_password

pytestmark = pytest.mark.django_db
TOKEN_URL = "/api/v1/auth/token/"


def sign_in(username="resident", password=PASSWORD):
    response = APIClient().post(TOKEN_URL, {"username": username, "password": password},
                                format="json")
    assert response.status_code == 200, response.json()
    return response.json()["token"]


def me(token):
    return APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")


def test_only_a_hash_of_the_key_is_stored(world):
    token = sign_in()

    stored = AccessToken.objects.get(person=world.resident)
    assert stored.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {getattr(stored, f.attname) for f in AccessToken._meta.fields}


def test_the_owner_revokes_a_token_with_delete(world):
    token, other = sign_in(), sign_in()

    response = APIClient().delete(TOKEN_URL, HTTP_AUTHORIZATION=f"Token {token}")

    assert response.status_code == 204
    assert me(token).status_code == 401
    assert me(other).status_code == 200  # the app on another phone stays signed in
    assert APIClient().delete(TOKEN_URL, HTTP_AUTHORIZATION=f"Token {token}").status_code == 401
    assert Event.objects.filter(action="api_token.revoked").count() == 1


def test_delete_without_a_token_is_401(world):
    response = APIClient().delete(TOKEN_URL)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_signing_in_again_with_a_dead_token_in_the_header_works(world):
    token = sign_in()
    APIClient().delete(TOKEN_URL, HTTP_AUTHORIZATION=f"Token {token}")

    again = APIClient().post(TOKEN_URL, {"username": "resident", "password": PASSWORD},
                             format="json", HTTP_AUTHORIZATION=f"Token {token}")

    assert again.status_code == 200


def test_signing_out_on_the_pages_ends_the_api_tokens(client, world):
    token = sign_in()
    client.force_login(world.resident)

    client.post(reverse("people:logout"))

    assert me(token).status_code == 401


def test_a_new_password_kills_the_tokens(world):
    token = sign_in()

    set_password(world.resident, "another-long-password", by=world.resident)

    assert me(token).status_code == 401
    assert me(sign_in(password="another-long-password")).status_code == 200


def test_deactivation_kills_the_tokens(world):
    token = sign_in()

    world.resident.is_active = False
    world.resident.save(update_fields=["is_active"])

    assert me(token).status_code == 401


def test_a_lockout_ends_the_tokens_and_the_sessions(client, world, settings):
    settings.TONGXIN_LOGIN_MAX_FAILURES = 3
    token = sign_in()
    client.force_login(world.resident)
    assert client.get(reverse("core:home")).status_code == 200
    attacker = APIClient()

    for _ in range(3):
        attacker.post(TOKEN_URL, {"username": world.resident.phone, "password": "guess"},
                      format="json")

    assert me(token).status_code == 401
    home = client.get(reverse("core:home"))
    assert home.status_code == 302 and reverse("people:login") in home.url
    assert Event.objects.filter(action="person.sign_ins_ended").count() == 1


def test_a_token_dies_after_its_idle_days(world, settings, time_machine):
    settings.TONGXIN_API_TOKEN_IDLE_DAYS = 30
    time_machine.move_to("2026-11-01 09:00 +0800", tick=False)
    token = sign_in()
    time_machine.move_to("2026-11-30 09:00 +0800", tick=False)
    assert me(token).status_code == 200  # used on day 29: the idle clock starts again
    time_machine.move_to("2026-12-29 08:00 +0800", tick=False)
    assert me(token).status_code == 200
    time_machine.move_to("2027-01-29 09:00 +0800", tick=False)
    assert me(token).status_code == 401


def test_a_token_dies_at_its_absolute_limit_however_often_used(world, settings, time_machine):
    settings.TONGXIN_API_TOKEN_MAX_DAYS = 90
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    response = APIClient().post(TOKEN_URL, {"username": "resident", "password": PASSWORD},
                                format="json")
    token = response.json()["token"]
    assert response.json()["expires_at"]
    for day in range(10, 90, 10):
        time_machine.move_to(start + timedelta(days=day), tick=False)
        assert me(token).status_code == 200
    time_machine.move_to(start + timedelta(days=90, minutes=1), tick=False)
    assert me(token).status_code == 401


def test_an_administrator_revokes_tokens_in_the_admin(client, world):
    token = sign_in()
    admin = world.by_role[Role.SYSTEM_ADMIN]
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])
    client.force_login(admin)

    response = client.post(reverse("admin:api_accesstoken_changelist"), {
        "action": "revoke_tokens",
        "_selected_action": [AccessToken.objects.get(person=world.resident).pk]})

    assert response.status_code == 302
    assert me(token).status_code == 401
    assert AccessToken in site._registry


def test_an_administrator_revokes_tokens_with_a_command(world, capsys):
    token = sign_in()

    call_command("revoke_api_tokens", world.resident.phone)

    assert me(token).status_code == 401
    assert "1" in capsys.readouterr().out
    assert Event.objects.filter(action="api_tokens.revoked").exists()


def test_the_schema_documents_revocation_and_expiry(world):
    schema = APIClient().get("/api/v1/schema/?format=json").json()
    token_path = schema["paths"]["/api/v1/auth/token/"]

    assert {"204", "401"} <= set(token_path["delete"]["responses"])
    assert token_path["delete"]["security"] == [{"tokenAuth": []}]
    assert "expires_at" in schema["components"]["schemas"]["Token"]["properties"]
    assert "30 days" in schema["components"]["securitySchemes"]["tokenAuth"]["description"]
