"""Signing API requests: tokens for apps, API keys for partner systems, the pages' session."""

import pytest
from rest_framework.test import APIClient

from tongxin.api.keys import issue_key, revoke_key
from tongxin.api.models import AccessToken
from tongxin.api.tokens import _digest
from tongxin.conftest import PASSWORD
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db


def test_a_user_name_and_password_get_a_token_that_signs_requests(world):
    response = APIClient().post("/api/v1/auth/token/",
                                {"username": "resident", "password": PASSWORD}, format="json")

    assert response.status_code == 200
    token = response.json()["token"]
    assert response.json()["person"] == {"id": world.resident.pk, "full_name": "张小明"}
    assert AccessToken.objects.get(key_hash=_digest(token)).person == world.resident
    me = APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert me.status_code == 200
    assert me.json()["id"] == world.resident.pk
    assert me.json()["api_key"] is None


def test_a_phone_number_signs_in_too_and_every_sign_in_gets_a_new_token(world):
    first = APIClient().post("/api/v1/auth/token/",
                             {"username": "resident", "password": PASSWORD}, format="json")
    second = APIClient().post("/api/v1/auth/token/",
                              {"username": world.resident.phone, "password": PASSWORD},
                              format="json")

    assert second.status_code == 200
    assert second.json()["token"] != first.json()["token"]
    for answer in (first, second):
        me = APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
        assert me.json()["id"] == world.resident.pk


def test_a_wrong_password_is_refused_and_repeated_failures_lock_the_account(world, settings):
    settings.TONGXIN_LOGIN_MAX_FAILURES = 2
    client = APIClient()

    wrong = client.post("/api/v1/auth/token/", {"username": "resident", "password": "nope"},
                        format="json")
    client.post("/api/v1/auth/token/", {"username": "resident", "password": "nope"},
                format="json")
    locked = client.post("/api/v1/auth/token/", {"username": "resident", "password": PASSWORD},
                         format="json")

    assert wrong.status_code == 400
    assert wrong.json()["error"] == {"code": "invalid_credentials", "message": "用户名或密码错误。"}
    assert locked.status_code == 403
    assert locked.json()["error"]["code"] == "account_locked"
    assert not AccessToken.objects.filter(person=world.resident).exists()


def test_failures_under_the_phone_number_lock_the_user_name_too(world, settings):
    """Issue 16 item 6, through the API: the account is locked, not the identifier."""
    settings.TONGXIN_LOGIN_MAX_FAILURES = 2
    client = APIClient()
    for _ in range(2):
        client.post("/api/v1/auth/token/", {"username": world.resident.phone, "password": "no"},
                    format="json")

    locked = client.post("/api/v1/auth/token/", {"username": "resident", "password": PASSWORD},
                         format="json")

    assert locked.status_code == 403
    assert locked.json()["error"]["code"] == "account_locked"


def test_without_credentials_the_answer_is_401_not_authenticated(world):
    response = APIClient().get("/api/v1/matters/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    assert response.json() == {"error": {"code": "not_authenticated",
                                         "message": "身份认证信息未提供。"}}


def test_a_wrong_token_is_refused_with_401(world):
    for token in ["0" * 40, "not-a-token", "f" * 41]:
        response = APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")

        assert response.status_code == 401, token
        assert response.json()["error"]["code"] == "not_authenticated"


def test_an_api_key_acts_as_its_account_in_either_header(world):
    officer = world.by_role[Role.DISTRICT_OFFICER]
    key, text = issue_key(name="12345 热线", account=officer, district=world.district)

    by_header = APIClient().get("/api/v1/me/", HTTP_X_API_KEY=text)
    by_authorization = APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Api-Key {text}")

    for response in (by_header, by_authorization):
        assert response.status_code == 200
        assert response.json()["id"] == officer.pk
        assert response.json()["api_key"] == {"name": "12345 热线", "district": "990101"}
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_a_revoked_key_is_refused_with_401(world):
    officer = world.by_role[Role.DISTRICT_OFFICER]
    key, text = issue_key(name="12345 热线", account=officer, district=world.district)
    revoke_key(key)

    response = APIClient().get("/api/v1/matters/", HTTP_X_API_KEY=text)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize("mangle", [
    lambda text: text[:-1] + ("A" if text[-1] != "A" else "B"),  # wrong secret
    lambda text: "ffffffff." + text.split(".", 1)[1],  # unknown prefix
    lambda text: text.split(".", 1)[0],  # no secret
    lambda text: "../etc/passwd",
    lambda text: "a" * 300,
])
def test_a_wrong_key_is_refused_with_401(world, mangle):
    officer = world.by_role[Role.DISTRICT_OFFICER]
    _key, text = issue_key(name="12345 热线", account=officer, district=world.district)

    response = APIClient().get("/api/v1/matters/", HTTP_X_API_KEY=mangle(text))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_the_key_of_a_deactivated_account_is_refused(world):
    officer = world.by_role[Role.DISTRICT_OFFICER]
    _key, text = issue_key(name="12345 热线", account=officer, district=world.district)
    officer.is_active = False
    officer.save(update_fields=["is_active"])

    assert APIClient().get("/api/v1/me/", HTTP_X_API_KEY=text).status_code == 401


def test_staff_signed_in_to_the_pages_can_read_with_their_session(world):
    client = APIClient()
    client.force_login(world.by_role[Role.GRID_WORKER])

    assert client.get("/api/v1/matters/").status_code == 200
    assert client.get("/api/v1/docs/").status_code == 200


def test_an_unknown_path_under_the_api_answers_with_the_error_body(world, api):
    response = api(world.resident, language="en").post("/api/v1/nothing/here/")

    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}
