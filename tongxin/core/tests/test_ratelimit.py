"""Rate limits on signing in, raising matters and votes: pages, API and Open311."""

import pytest
from django.test import override_settings
from django.urls import reverse

from tongxin.conftest import PASSWORD
from tongxin.core import ratelimit
from tongxin.core.models import RateCounter
from tongxin.matters.models import Matter, Support
from tongxin.people.choices import Role
from tongxin.people.services import grant_superuser

pytestmark = pytest.mark.django_db


def test_hit_counts_up_to_the_limit_then_refuses_without_counting():
    with override_settings(TONGXIN_RATE_LIMITS={"x": (3, 60)}):
        for _ in range(3):
            ratelimit.hit("x", "a", now=1000.0)
        with pytest.raises(ratelimit.Limited) as refused:
            ratelimit.hit("x", "a", now=1010.0)
        assert refused.value.retry_after == 10  # the window 960..1020 ends 10 s later
        assert ratelimit.count("x", "a", now=1010.0) == 3
        ratelimit.hit("x", "b", now=1010.0)  # another client has its own count


def test_a_new_window_starts_afresh_and_drops_old_counters():
    with override_settings(TONGXIN_RATE_LIMITS={"x": (1, 60)}):
        ratelimit.hit("x", "a", now=1000.0)
        with pytest.raises(ratelimit.Limited):
            ratelimit.hit("x", "a", now=1019.0)
        ratelimit.hit("x", "a", now=1021.0)
        assert list(RateCounter.objects.values_list("window", flat=True)) == [1020]


def test_a_limit_set_to_none_is_off():
    with override_settings(TONGXIN_RATE_LIMITS={"x": None}):
        for _ in range(5):
            ratelimit.hit("x", "a")
    assert not RateCounter.objects.exists()


def _fail_sign_in(client):
    return client.post(reverse("people:login"), {"username": "nobody", "password": "wrong"})


def test_failed_sign_ins_from_one_address_are_refused_after_the_limit(client, world):
    with override_settings(TONGXIN_RATE_LIMITS={"sign_in_failures": (3, 900)}):
        for _ in range(3):
            assert _fail_sign_in(client).status_code == 200
        refused = _fail_sign_in(client)
        assert refused.status_code == 429
        assert "请求过于频繁" in refused.content.decode() or "太频繁" in refused.content.decode()
        assert int(refused["Retry-After"]) > 0
        # Even the right password is refused while the address is limited …
        right = client.post(reverse("people:login"),
                            {"username": "grid_worker", "password": PASSWORD})
        assert right.status_code == 429
        # … but another address is not.
        other = client.post(reverse("people:login"),
                            {"username": "grid_worker", "password": PASSWORD},
                            REMOTE_ADDR="10.0.0.9")
        assert other.status_code == 302


def test_successful_sign_ins_do_not_count(client, world):
    with override_settings(TONGXIN_RATE_LIMITS={"sign_in_failures": (1, 900)}):
        for _ in range(3):
            response = client.post(reverse("people:login"),
                                   {"username": "grid_worker", "password": PASSWORD})
            assert response.status_code == 302
            client.logout()


def test_a_resident_raising_too_often_is_refused_and_nothing_is_stored(client, world, parking):
    client.force_login(world.resident)
    data = {"title": "小区东门电动车乱停放", "description": "东门口每天晚上堆满电动车。",
            "category": parking.pk, "place": "building"}
    with override_settings(TONGXIN_RATE_LIMITS={"raise": (2, 3600)}):
        for n in range(2):
            assert client.post(reverse("matters:raise"),
                               {**data, "idempotency_key": f"k{n}"}).status_code == 302
        before = Matter.objects.count()
        refused = client.post(reverse("matters:raise"), {**data, "idempotency_key": "k9"})
    assert refused.status_code == 429
    assert Matter.objects.count() == before


def test_support_votes_are_limited(client, world, new_matter):
    matter = new_matter()
    client.force_login(world.neighbour)
    with override_settings(TONGXIN_RATE_LIMITS={"support": (1, 3600)}):
        client.post(reverse("matters:support", args=[matter.pk]))
        assert client.post(reverse("matters:support", args=[matter.pk])).status_code == 429
    assert Support.objects.filter(matter=matter).count() == 1


def test_api_writes_are_limited_with_the_api_error_body(world, new_matter):
    matter = new_matter()
    client = _api_client(world.neighbour)
    url = reverse("api:matter-support", args=[matter.pk])
    with override_settings(TONGXIN_RATE_LIMITS={"support": (5, 3600), "api_write": (1, 60)}):
        assert client.post(url).status_code == 200
        refused = client.post(url)
        assert client.get(reverse("api:matter", args=[matter.pk])).status_code == 200
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled"
    assert "Retry-After" in refused


def test_api_token_sign_in_failures_are_limited_per_address(world):
    from rest_framework.test import APIClient

    client = APIClient()
    url = reverse("api:token")
    with override_settings(TONGXIN_RATE_LIMITS={"sign_in_failures": (2, 900)}):
        for _ in range(2):
            assert client.post(url, {"username": "x", "password": "y"},
                               format="json").status_code == 400
        assert client.post(url, {"username": "grid_worker", "password": PASSWORD},
                           format="json").status_code == 429


def test_limits_are_per_person_not_shared(client, world, parking):
    with override_settings(TONGXIN_RATE_LIMITS={"record": (1, 3600)}):
        ratelimit.hit("record", f"p{world.by_role[Role.GRID_WORKER].pk}")
        client.force_login(world.by_role[Role.COMMUNITY_SECRETARY])
        assert client.get(reverse("matters:record")).status_code == 200
        assert client.post(reverse("matters:record"), {}).status_code != 429


def test_the_admin_sign_in_is_under_the_same_per_address_limit(client, world):
    """Issue 16 item 31: /admin/login/ counts failures with the sign-in page."""
    with override_settings(TONGXIN_RATE_LIMITS={"sign_in_failures": (3, 900)}):
        for _ in range(2):
            assert client.post("/admin/login/", {"username": "admin", "password": "x"}
                               ).status_code == 200
        assert _fail_sign_in(client).status_code == 200  # the pages share the count
        refused = client.post("/admin/login/",
                              {"username": "system_admin", "password": PASSWORD})
        assert refused.status_code == 429
        assert int(refused["Retry-After"]) > 0
        assert _fail_sign_in(client).status_code == 429


def test_a_signed_in_resident_cannot_guess_admin_passwords_without_limit(client, world):
    """Signed in on the pages, failures at /admin/login/ still count (review of item 31)."""
    client.force_login(world.neighbour)
    with override_settings(TONGXIN_RATE_LIMITS={"sign_in_failures": (3, 900)}):
        answers = [client.post("/admin/login/", {"username": "grid_worker", "password": "x"}
                               ).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]


def test_a_successful_admin_sign_in_counts_no_failure(client, world):
    grant_superuser(world.by_role[Role.SYSTEM_ADMIN])
    with override_settings(TONGXIN_RATE_LIMITS={"sign_in_failures": (1, 900)}):
        assert client.post("/admin/login/", {"username": "system_admin", "password": PASSWORD}
                           ).status_code == 302
        client.logout()
        assert client.post("/admin/login/", {"username": "system_admin", "password": PASSWORD}
                           ).status_code == 302


def _api_client(person):
    from rest_framework.test import APIClient

    from tongxin.api.tokens import issue_token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(person)[1]}")
    return client


def _raise_body(parking, n):
    return {"title": "小区东门电动车乱停放", "description": f"东门口每天晚上堆满电动车 {n}。",
            "category": parking.pk}


def test_the_raise_limit_holds_on_the_api_too_with_a_json_429(world, parking):
    """Issue 16 item 7: one limit per action, whatever the interface."""
    client = _api_client(world.resident)
    with override_settings(TONGXIN_RATE_LIMITS={"raise": (2, 3600)}):
        for n in range(2):
            assert client.post("/api/v1/matters/", _raise_body(parking, n),
                               format="json").status_code == 201
        before = Matter.objects.count()
        refused = client.post("/api/v1/matters/", _raise_body(parking, 9), format="json")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled"
    assert refused.json()["error"]["message"]
    assert int(refused["Retry-After"]) > 0
    assert Matter.objects.count() == before


def test_raises_on_the_pages_and_the_api_share_one_count(client, world, parking):
    client.force_login(world.resident)
    api = _api_client(world.resident)
    with override_settings(TONGXIN_RATE_LIMITS={"raise": (2, 3600)}):
        assert client.post(reverse("matters:raise"), {**_raise_body(parking, 1), "place": "building",
                           "idempotency_key": "w1"}).status_code == 302
        assert api.post("/api/v1/matters/", _raise_body(parking, 2),
                        format="json").status_code == 201
        refused = client.post(reverse("matters:raise"),
                              {**_raise_body(parking, 3), "place": "building",
                               "idempotency_key": "w3"})
        assert refused.status_code == 429
        assert api.post("/api/v1/matters/", _raise_body(parking, 4),
                        format="json").status_code == 429


def test_a_retried_raise_with_its_idempotency_key_does_not_count_again(world, parking):
    client = _api_client(world.resident)
    with override_settings(TONGXIN_RATE_LIMITS={"raise": (1, 3600)}):
        first = client.post("/api/v1/matters/", _raise_body(parking, 1), format="json",
                            HTTP_IDEMPOTENCY_KEY="same")
        again = client.post("/api/v1/matters/", _raise_body(parking, 1), format="json",
                            HTTP_IDEMPOTENCY_KEY="same")
    assert (first.status_code, again.status_code) == (201, 200)


def test_staff_recording_through_the_api_count_against_the_record_limit(world, parking):
    worker = world.by_role[Role.GRID_WORKER]
    client = _api_client(worker)
    body = {**_raise_body(parking, 1), "place": world.b1.code, "contact_name": "来电群众"}
    with override_settings(TONGXIN_RATE_LIMITS={"record": (1, 3600), "raise": None}):
        assert client.post("/api/v1/matters/", body, format="json").status_code == 201
        assert client.post("/api/v1/matters/", {**body, "description": "又一次。"},
                           format="json").status_code == 429
