"""A matter page that shows the reporter's phone whole notes the read in the audit log
after the response has been sent, not on the request's path (issue 12), and never loses
it: not when the page fails, not outside a request."""

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from tongxin.core import audit
from tongxin.core.models import Event
from tongxin.matters.audit import record_reporter_read
from tongxin.matters.views.staff import matter_detail
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db


def send(signal, **kwargs):
    """Start or end a request as a server does, but keep the test's connection (and its
    transaction) open, as Django's test client does."""
    signal.disconnect(close_old_connections)
    try:
        signal.send(sender=None, **kwargs)
    finally:
        signal.connect(close_old_connections)


def reads(actor):
    return Event.objects.filter(action=audit.READ, actor=actor, data__what="reporter_contact")


def test_the_read_is_written_after_the_response_not_on_the_requests_path(world, new_matter):
    matter = new_matter()
    grid = world.by_role[Role.GRID_WORKER]
    request = RequestFactory().get(f"/matters/{matter.pk}/", HTTP_USER_AGENT="test-agent")
    request.user = grid

    send(request_started, environ=request.META)
    with CaptureQueriesContext(connection) as answering:
        response = matter_detail(request, matter.pk)
    assert response.status_code == 200 and not reads(grid).exists()
    assert not [q for q in answering if "INSERT" in q["sql"] and "core_event" in q["sql"]]

    send(request_finished)
    entry = reads(grid).get()
    assert entry.subject == matter and entry.place_code == matter.place.code
    assert entry.data["agent"] == "test-agent"


def test_a_read_outside_a_request_is_written_at_once(world, new_matter):
    matter = new_matter()
    grid = world.by_role[Role.GRID_WORKER]
    request = RequestFactory().get("/")
    request.user = grid

    record_reporter_read(request, matter, {"phone": "13900000001", "masked": False,
                                           "is_self": False})

    assert reads(grid).count() == 1


def test_the_page_through_the_client_is_recorded_once(client, world, new_matter):
    matter = new_matter()
    grid = world.by_role[Role.GRID_WORKER]
    client.force_login(grid)

    client.get(f"/matters/{matter.pk}/")
    client.get(f"/matters/{matter.pk}/")

    assert reads(grid).count() == 2
