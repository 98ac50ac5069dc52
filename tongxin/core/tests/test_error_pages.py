"""Every error page has the site's layout, the user's language and a way back (DEBUG off,
as pytest-django runs); the API and Open311 keep their own error bodies; a request that
meets an unavailable database gets 503 with Retry-After, never a 500."""

import json
from contextlib import contextmanager
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.db import InterfaceError, OperationalError, connection
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from tongxin.core import views
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db
LANGUAGES = ["zh-hans", "en"]


def in_language(language, text):
    with translation.override(language):
        return _(text)


def assert_error_page(response, status, language, title):
    assert not django_settings.DEBUG  # the pages production shows, not Django's debug pages
    html = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert f'<html lang="{language}">' in html
    assert 'class="topbar"' in html and 'class="footer"' in html  # the site's layout
    assert in_language(language, title) in html
    assert "data-home" in html  # a way back
    assert in_language(language, "Go to the home page") in html
    return html


@pytest.mark.parametrize("language", LANGUAGES)
def test_404_page_has_the_layout_the_language_and_a_way_back(client, world, language):
    client.force_login(world.resident)
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE=language,
                          HTTP_REFERER="http://testserver/matters/mine/")

    html = assert_error_page(response, 404, language, "Page not found")
    assert 'href="http://testserver/matters/mine/" data-back' in html
    assert world.resident.full_name in html  # the signed-in person's menu


def test_the_back_link_never_leads_off_the_site(client, world):
    response = client.get("/no-such-page/", HTTP_REFERER="https://evil.example/")

    assert response.status_code == 404
    assert "evil.example" not in response.content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
def test_403_page_has_the_layout_the_language_and_a_way_back(client, world, language):
    client.force_login(world.resident)
    response = client.get("/people/", HTTP_ACCEPT_LANGUAGE=language)

    assert_error_page(response, 403, language, "Not allowed")


@pytest.mark.parametrize("language", LANGUAGES)
def test_403_for_an_expired_form_has_the_layout_and_the_language(world, language):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.resident)
    response = client.post("/notices/read/", HTTP_ACCEPT_LANGUAGE=language)

    assert_error_page(response, 403, language, "The form has expired")


@pytest.mark.parametrize("language", LANGUAGES)
def test_400_page_has_the_layout_and_the_language(client, language):
    response = client.get("/", HTTP_HOST="evil.example", HTTP_ACCEPT_LANGUAGE=language)

    assert_error_page(response, 400, language, "Bad request")


@pytest.mark.urls("tongxin.core.tests.error_urls")
@pytest.mark.parametrize("language", LANGUAGES)
def test_500_page_has_the_layout_and_the_language_and_reads_no_database(
        world, language, django_assert_num_queries):
    client = Client(raise_request_exception=False)
    client.force_login(world.resident)

    with django_assert_num_queries(0):
        response = client.get("/crash/", HTTP_ACCEPT_LANGUAGE=language)

    assert_error_page(response, 500, language, "Something went wrong")


@pytest.mark.parametrize("language", LANGUAGES)
def test_429_page_has_the_layout_the_language_and_a_way_back(client, world, settings,
                                                              language):
    settings.TONGXIN_RATE_LIMITS = {**settings.TONGXIN_RATE_LIMITS, "sign_in_failures": (1, 900)}
    client.post("/people/login/", {"username": "nobody", "password": "wrong"})
    response = client.post("/people/login/", {"username": "nobody", "password": "wrong"},
                           HTTP_ACCEPT_LANGUAGE=language)

    assert_error_page(response, 429, language, "Too many requests")
    assert response["Retry-After"]


def test_api_and_open311_paths_keep_their_own_error_bodies(client):
    api = client.get("/api/v1/nothing-here/", HTTP_ACCEPT_LANGUAGE="en")
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"

    open311 = client.get("/open311/v2/nothing-here.json", HTTP_ACCEPT_LANGUAGE="en")
    assert open311.status_code == 404
    assert open311.json() == [{"code": 404, "description": "This page does not exist, or it "
                                                           "is not open to you."}]


@pytest.mark.urls("tongxin.core.tests.error_urls")
def test_a_crash_on_an_api_path_answers_the_error_body(world):
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/crash/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"


# --- 503: the database is unavailable ----------------------------------------------------


@contextmanager
def database_down(error=None):
    """Make every query fail as during a restart (or SQLite's lock timeout)."""
    error = error or OperationalError("database is locked")
    with mock.patch.object(connection, "cursor", side_effect=error), \
            mock.patch.object(connection, "chunked_cursor", side_effect=error):
        yield


def unavailable_message(language):
    with translation.override(language):
        return _("The database is busy or restarting. Please try again in %(seconds)d "
                 "seconds.") % {"seconds": 10}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_page_meeting_an_unavailable_database_answers_503_in_the_layout(
        client, world, settings, language):
    settings.TONGXIN_UNAVAILABLE_RETRY_AFTER = 10
    client.force_login(world.by_role[Role.GRID_WORKER])

    with database_down():
        response = client.get("/matters/", HTTP_ACCEPT_LANGUAGE=language)

    html = assert_error_page(response, 503, language, "Briefly unavailable")
    assert response["Retry-After"] == "10"
    assert unavailable_message(language) in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_raising_through_the_api_during_a_restart_answers_503_json(
        client, world, parking, settings, language):
    settings.TONGXIN_UNAVAILABLE_RETRY_AFTER = 10
    client.force_login(world.resident)  # the API takes the session too
    body = {"title": "楼道灯坏了", "description": "三楼楼道灯不亮", "category": parking.pk}

    with database_down():
        response = client.post("/api/v1/matters/", json.dumps(body),
                               content_type="application/json", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert response.json() == {"error": {"code": "unavailable",
                                         "message": unavailable_message(language)}}


def test_an_interface_error_counts_as_unavailable_too(client, world):
    client.force_login(world.resident)

    with database_down(InterfaceError("connection already closed")):
        response = client.get("/api/v1/me/")

    assert response.status_code == 503 and response["Retry-After"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_open311_meeting_an_unavailable_database_answers_503_in_its_format(
        client, world, settings, fmt, language):
    settings.TONGXIN_UNAVAILABLE_RETRY_AFTER = 10

    with database_down():
        response = client.get(f"/open311/v2/requests.{fmt}", {"jurisdiction_id": world.district.code},
                              HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    body = response.content.decode()
    assert unavailable_message(language) in body
    if fmt == "json":
        assert response.json() == [{"code": 503, "description": unavailable_message(language)}]
    else:
        assert "<errors><error><code>503</code>" in body


@pytest.mark.urls("tongxin.core.tests.error_urls")
def test_a_locked_database_is_503_even_when_nothing_else_is_wrong(client):
    response = client.get("/database-locked/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 503 and response["Retry-After"]


def _wrapped(cause):
    """An OperationalError as Django raises it: wrapping the driver's own error."""
    error = OperationalError(str(cause))
    error.__cause__ = cause
    return error


def test_an_unavailable_database_outside_a_view_reaches_handler500_as_503():
    import psycopg

    request = RequestFactory().get("/matters/")
    try:
        raise _wrapped(psycopg.OperationalError("server closed the connection unexpectedly"))
    except OperationalError:
        response = views.server_error(request)

    assert response.status_code == 503 and response["Retry-After"]


def test_only_outages_and_lost_races_count_as_unavailable():
    """An OperationalError that is a bug stays a 500 (review of item 23)."""
    import psycopg
    from psycopg import errors as pg

    from tongxin.core.errors import database_unavailable

    unavailable = [OperationalError("database is locked"), InterfaceError("closed"),
                   OperationalError("unable to open database file"),
                   _wrapped(psycopg.OperationalError("connection refused")),
                   _wrapped(pg.AdminShutdown("terminating connection")),
                   _wrapped(pg.SerializationFailure("could not serialize")),
                   _wrapped(pg.DeadlockDetected("deadlock detected"))]
    bugs = [OperationalError("no such column: foo"), OperationalError("no such table: x"),
            OperationalError("too many SQL variables"),
            _wrapped(pg.QueryCanceled("canceling statement due to statement timeout")),
            _wrapped(pg.DiskFull("could not extend file")), ValueError("database is locked")]
    assert all(database_unavailable(error) for error in unavailable)
    assert not any(database_unavailable(error) for error in bugs)


def test_a_page_meeting_a_database_bug_answers_500_not_503(client, world):
    client.force_login(world.resident)
    client.raise_request_exception = False
    with database_down(OperationalError("no such column: matters_matter.nothing")):
        response = client.get(reverse("matters:mine"))

    assert response.status_code == 500 and "Retry-After" not in response


def test_the_api_documents_503_with_retry_after_on_every_operation():
    from drf_spectacular.generators import SchemaGenerator

    document = SchemaGenerator().get_schema(request=None, public=True)

    for path, item in document["paths"].items():
        for method, operation in item.items():
            response = operation["responses"].get("503")
            assert response, f"{method} {path}"
            assert "Retry-After" in response["headers"]
