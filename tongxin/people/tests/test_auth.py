"""Signing in: argon2, user name or phone, lockout, and who reaches the admin."""

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import identify_hasher
from django.test import override_settings
from django.urls import reverse

from tongxin.conftest import PASSWORD
from tongxin.people.choices import Role
from tongxin.people.models import SignInLock
from tongxin.people.services import create_person, grant_superuser

pytestmark = pytest.mark.django_db


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"])
def test_passwords_are_hashed_with_argon2():
    person = create_person(full_name="王五", username="wangwu", password="correct horse battery")
    assert identify_hasher(person.password).algorithm == "argon2"
    assert person.check_password("correct horse battery")


def test_production_settings_put_argon2_first():
    from tongxin import settings

    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_sign_in_by_user_name_or_phone(world):
    worker = world.by_role[Role.GRID_WORKER]
    assert authenticate(username="grid_worker", password=PASSWORD) == worker
    assert authenticate(username=worker.phone, password=PASSWORD) == worker
    assert authenticate(username="grid_worker", password="wrong") is None


def test_a_person_without_a_password_cannot_sign_in(world):
    nobody = create_person(full_name="无密码", phone="13700000001")
    assert authenticate(username="13700000001", password="") is None
    assert not nobody.has_usable_password()


def test_repeated_failures_lock_the_account(client, world, settings):
    settings.TONGXIN_LOGIN_MAX_FAILURES = 3
    url = reverse("people:login")
    for _ in range(3):
        response = client.post(url, {"username": "grid_worker", "password": "wrong"})
        assert response.status_code == 200
    # Even the right password is refused while the lock holds, with a message saying so.
    response = client.post(url, {"username": "grid_worker", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert response.context["form"].errors["__all__"][0].startswith(
        ("Too many failed sign-ins", "登录失败次数过多")
    )
    worker = world.by_role[Role.GRID_WORKER]
    assert SignInLock.objects.get(username=f"person:{worker.pk}").locked_until is not None


def test_the_lock_lifts_after_its_time(client, world, settings, time_machine):
    settings.TONGXIN_LOGIN_MAX_FAILURES = 2
    settings.TONGXIN_LOGIN_LOCKOUT_MINUTES = 15
    time_machine.move_to("2026-11-23 09:00 +0800", tick=False)
    for _ in range(2):
        client.post(reverse("people:login"), {"username": "grid_worker", "password": "x"})
    assert authenticate(username="grid_worker", password=PASSWORD) is None
    time_machine.move_to("2026-11-23 09:16 +0800", tick=False)
    assert authenticate(username="grid_worker", password=PASSWORD) == world.by_role[Role.GRID_WORKER]
    assert not SignInLock.objects.filter(
        username=f"person:{world.by_role[Role.GRID_WORKER].pk}").exists()


def test_a_good_sign_in_redirects_home(client, world):
    response = client.post(reverse("people:login"), {"username": "resident", "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("core:home")


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_no_role_reaches_the_admin_only_the_superuser_does(client, world, role):
    client.force_login(world.by_role[role])
    response = client.get("/admin/")
    if role == Role.SYSTEM_ADMIN:
        # A district's system administrator keeps its deadline settings there, and no more
        # (people.tests.test_system_admin).
        assert response.status_code == 200
    else:
        assert response.status_code == 302 and "/admin/login/" in response.url
    client.force_login(grant_superuser(world.by_role[role]))
    assert client.get("/admin/").status_code == 200


def test_a_locked_account_stays_locked_whatever_identifier_is_typed(client, world, settings):
    """Issue 16 item 6: failures under the user name lock the account, not the name."""
    settings.TONGXIN_LOGIN_MAX_FAILURES = 3
    worker = world.by_role[Role.GRID_WORKER]
    url = reverse("people:login")
    for _ in range(3):
        client.post(url, {"username": "grid_worker", "password": "wrong"})

    by_phone = client.post(url, {"username": worker.phone, "password": PASSWORD})

    assert "_auth_user_id" not in client.session
    assert by_phone.context["form"].errors["__all__"][0].startswith(
        ("Too many failed sign-ins", "登录失败次数过多"))
    assert authenticate(username=worker.phone, password=PASSWORD) is None
    assert authenticate(username="grid_worker", password=PASSWORD) is None


def test_failures_spread_over_name_and_phone_add_up_on_the_account(world, settings):
    settings.TONGXIN_LOGIN_MAX_FAILURES = 4
    worker = world.by_role[Role.GRID_WORKER]
    for typed in ("grid_worker", worker.phone, "grid_worker", worker.phone):
        assert authenticate(username=typed, password="wrong") is None
    assert authenticate(username="grid_worker", password=PASSWORD) is None


def test_unknown_names_are_locked_too_without_touching_real_accounts(world, settings):
    settings.TONGXIN_LOGIN_MAX_FAILURES = 2
    for _ in range(2):
        assert authenticate(username="nobody-here", password="wrong") is None
    assert authenticate(username="grid_worker", password=PASSWORD) == world.by_role[
        Role.GRID_WORKER]
