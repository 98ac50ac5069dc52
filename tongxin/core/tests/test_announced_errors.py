"""Errors are announced (适老化, screen readers): the layout does it once for every form.

A refused form gets an error summary at the top of the page (an alert that takes the
focus and links each field in error), the page title starts with "Error:", a refused
sign-in marks both inputs invalid, flashed successes sit in a status region, and no
aria-describedby points to an id the page does not have.
"""

import re

import pytest
from django.urls import reverse

from tongxin.matters import services
from tongxin.matters.choices import Kind
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def title(html):
    return re.search(r"<title>(.*?)</title>", html, re.S)[1]


def summary(html):
    found = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', html, re.S)
    return found and (found[0], found[1])


def dangling_describedby(html):
    """Return the ids named by aria-describedby that no element of the page carries."""
    ids = set(re.findall(r'\sid="([^"]+)"', html))
    named = {i for group in re.findall(r'aria-describedby="([^"]*)"', html) for i in group.split()}
    return named - ids


def raise_data(parking, **fields):
    return {"title": "路灯坏了", "description": "3号楼前的路灯坏了一个星期，晚上看不见路。",
            "category": parking.pk, "place": "building",
            "idempotency_key": "0f8fad5bd9cb469fa16570867728950e", **fields}


def test_a_refused_raise_form_has_a_focused_alert_that_links_each_field_in_error(
        client, world, parking):
    client.force_login(world.resident)
    response = client.post(reverse("matters:raise"), raise_data(parking, title="", category=""))

    html = response.content.decode()
    assert response.status_code == 200
    assert title(html).startswith("Error: Raise a matter")
    opening, items = summary(html)
    assert 'role="alert"' in opening and "autofocus" in opening and 'tabindex="-1"' in opening
    links = re.findall(r'<a href="#([^"]+)">([^<]*)</a>', items)
    assert [target for target, _text in links] == ["id_title", "id_category"]
    assert links[0][1].startswith("Title: ")
    assert 'aria-invalid="true"' in re.search(r'<input[^>]*id="id_title"[^>]*>', html)[0]
    assert not dangling_describedby(html)


def test_a_page_without_errors_has_no_summary_and_a_plain_title(client, world, parking):
    client.force_login(world.resident)
    html = client.get(reverse("matters:raise")).content.decode()
    assert summary(html) is None
    assert title(html).startswith("Raise a matter")
    assert not dangling_describedby(html)


def test_the_rating_form_describes_its_fields_with_ids_that_exist(client, world, new_matter):
    matter = new_matter()
    worker = world.by_role[Role.GRID_WORKER]
    services.triage(matter, by=worker, kind=Kind.IMMEDIATE)
    services.resolve(matter, by=worker, what_was_done="清理了东门口的电动车。",
                     basis="《物业管理条例》", standard="消防通道畅通")
    client.force_login(world.resident)
    html = client.get(reverse("matters:detail", args=[matter.pk])).content.decode()
    assert 'data-reporter-actions="rate"' in html
    assert "aria-describedby" in html
    assert not dangling_describedby(html)


def test_a_refused_staff_action_is_summarised_and_the_title_says_error(client, world, new_matter):
    matter = new_matter()
    services.triage(matter, by=world.by_role[Role.GRID_WORKER], kind=Kind.IMMEDIATE)
    client.force_login(world.by_role[Role.GRID_WORKER])

    response = client.post(reverse("matters:act", args=[matter.pk, "resolve"]),
                           {"what_was_done": "处理了", "basis": "", "standard": "畅通"})

    html = response.content.decode()
    assert response.status_code == 400
    assert title(html).startswith("Error: ")
    _opening, items = summary(html)
    assert re.search(r'<a href="#[^"]*basis">', items)
    assert not dangling_describedby(html)


def test_a_refused_sign_in_is_an_alert_and_marks_both_inputs_invalid(client, world):
    response = client.post(reverse("people:login"), {"username": "resident", "password": "wrong"})

    html = response.content.decode()
    assert title(html).startswith("Error: ")
    opening, items = summary(html)
    assert 'role="alert"' in opening
    assert "The user name or password is wrong." in items
    for name in ("username", "password"):
        field = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)[0]
        assert 'aria-invalid="true"' in field, field


def test_a_success_message_sits_in_a_status_region(client, world, new_matter):
    matter = new_matter(by=world.neighbour)
    client.force_login(world.resident)
    response = client.post(reverse("matters:support", args=[matter.pk]), follow=True)

    html = response.content.decode()
    status = re.search(r'<div role="status"[^>]*>(.*?)</div>', html, re.S)
    assert status and 'class="msg success"' in status[1], html[:3000]
    assert not title(html).startswith("Error")
