"""The hot-issue pages: who may open them, confirm and split through the web, bad input."""

import io
from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from tongxin.core import audit
from tongxin.core.models import Event
from tongxin.hotspots import computing, reference
from tongxin.hotspots.models import KeptApart
from tongxin.matters.choices import Status
from tongxin.matters.models import Matter
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db

HANDLERS = {Role.GRID_WORKER, Role.COMPOUND_SECRETARY, Role.COMMUNITY_SECRETARY,
            Role.COMMITTEE_MEMBER, Role.STREET_OFFICER, Role.DISTRICT_OFFICER, Role.SYSTEM_ADMIN}
STAFF = set(Role) - {Role.RESIDENT}
PAGES = {
    "hotspots:index": HANDLERS,
    "hotspots:export": HANDLERS,
    "hotspots:reference": STAFF,
    "hotspots:reference_export": STAFF,
}


@pytest.fixture(autouse=True)
def small_reference(monkeypatch):
    """The reference table has its own tests (test_reference.py); pages get a small one."""
    when = datetime(2019, 8, 1, 9, 0)
    rows = (reference.Row(rank=1, label="魅力之城 · 油烟、扰民", place="魅力之城", first=when,
                          last=when, count=2, reporters=2, votes_for=5, votes_against=1,
                          heat=3.5, number="236798", title="魅力之城小区油烟扰民",
                          text="一楼餐馆油烟直排。", members=("236798", "236799")),)
    monkeypatch.setattr(reference, "table", lambda top=reference.TOP: rows)


@pytest.fixture
def complaints(world, new_matter):
    """Two residents about the east gate, one in another street; the background task has
    computed the stored hot issues (computing.py) since."""
    found = {
        "p1": new_matter(by=world.resident, title="幸福小区东门电动车乱停放",
                         description="东门口每天晚上堆满电动车，消防通道被堵住了。"),
        "p2": new_matter(by=world.neighbour, title="东门消防通道被电动车堵死",
                         description="幸福小区东门那里电动车乱停，消防车根本进不来，请尽快整治。"),
        "far": new_matter(by=world.other_street, title="和平小区电动车乱停放",
                          description="和平小区南门电动车乱停，消防通道被占用。"),
    }
    computing.refresh_dirty()
    return found


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("name", sorted(PAGES))
def test_each_hot_issue_page_opens_only_for_its_roles(client, world, role, name):
    client.force_login(world.by_role[role])
    response = client.get(reverse(name))
    assert response.status_code == (200 if role in PAGES[name] else 403), (name, role)


@pytest.mark.parametrize("name", ["hotspots:confirm", "hotspots:split"])
@pytest.mark.parametrize("role", sorted(set(Role) - HANDLERS), ids=lambda r: r.value)
def test_only_handlers_may_confirm_or_split(client, world, complaints, role, name):
    client.force_login(world.by_role[role])
    response = client.post(reverse(name), {"into": complaints["p1"].pk, "members": [
        complaints["p1"].pk, complaints["p2"].pk], "remove": [complaints["p2"].pk]})
    assert response.status_code == 403
    assert not Matter.objects.filter(status=Status.MERGED).exists()
    assert not KeptApart.objects.exists()


def test_people_who_are_not_signed_in_are_sent_to_sign_in(client):
    for name in [*PAGES, "hotspots:confirm"]:
        response = client.get(reverse(name))
        assert response.status_code == 302 and "login" in response["Location"], name


def test_the_page_lists_the_group_hottest_first_with_its_forms(client, world, complaints):
    client.force_login(world.by_role[Role.COMPOUND_SECRETARY])
    html = client.get(reverse("hotspots:index")).content.decode()
    p1, p2 = complaints["p1"].pk, complaints["p2"].pk
    assert f'data-group="1" data-matters="{p1},{p2}"' in html
    assert 'id="confirm-1"' in html and 'id="split-1"' in html
    assert f'name="into" value="{p1}" aria-label' in html
    assert f'data-matter="{complaints["far"].pk}"' not in html  # another street's


def test_the_page_costs_the_same_queries_for_more_matters(client, world, complaints, new_matter):
    user = world.by_role[Role.DISTRICT_OFFICER]
    client.force_login(user)
    client.get(reverse("hotspots:index"))  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("hotspots:index")).status_code == 200
    for n in range(4):
        new_matter(by=world.same_compound, title=f"{n}号楼电梯坏了", description="电梯停了好几天。")
    with CaptureQueriesContext(connection) as more:
        assert client.get(reverse("hotspots:index")).status_code == 200
    assert len(more) == len(few)


def test_a_bad_period_falls_back_to_the_default(client, world, complaints):
    client.force_login(world.by_role[Role.DISTRICT_OFFICER])
    for days in ("abc", "-5", "99999", ""):
        response = client.get(reverse("hotspots:index"), {"days": days})
        assert response.status_code == 200 and response.context["days"] == 90


def test_confirming_through_the_page_merges(client, world, complaints):
    p1, p2 = complaints["p1"], complaints["p2"]
    client.force_login(world.by_role[Role.DISTRICT_OFFICER])
    response = client.post(reverse("hotspots:confirm"),
                           {"into": p1.pk, "members": [p1.pk, p2.pk], "days": "30"})
    assert response.status_code == 302 and response["Location"].endswith("?days=30")
    p2.refresh_from_db()
    assert p2.status == Status.MERGED and p2.merged_into_id == p1.pk
    page = client.get(response["Location"])
    assert p1.number in page.content.decode()  # "1 matter merged into 2026-…"


def test_a_refused_member_is_reported_on_the_page(client, world, complaints):
    from tongxin.matters.services import escalate

    grid_worker = world.by_role[Role.GRID_WORKER]
    p1, p2 = complaints["p1"], complaints["p2"]
    escalate(p2, by=grid_worker, reason="需要小区协调")
    client.force_login(grid_worker)
    response = client.post(reverse("hotspots:confirm"), {"into": p1.pk, "members": [p2.pk]})
    assert response.status_code == 409
    assert p2.number in response.content.decode()
    p2.refresh_from_db()
    assert p2.status != Status.MERGED


@pytest.mark.parametrize("data", [
    {"into": "999999", "members": ["999998"]},            # no such matters
    {"into": "abc", "members": ["1"]},                    # not a number
    {"into": "-3", "members": ["-4"]},
    {"into": "99999999999999999999", "members": ["1e3"]},  # beyond any id
    {"into": "P1", "members": ["FAR"]},                   # someone else's matter
    {"into": "FAR", "members": ["P1"]},
])
def test_unknown_or_out_of_scope_ids_are_not_found_and_nothing_is_merged(client, world,
                                                                         complaints, data):
    names = {"P1": complaints["p1"].pk, "FAR": complaints["far"].pk}
    data = {key: [str(names.get(v, v)) for v in (value if isinstance(value, list) else [value])]
            for key, value in data.items()}
    client.force_login(world.by_role[Role.COMMUNITY_SECRETARY])  # does not see 和平小区
    assert client.post(reverse("hotspots:confirm"), data).status_code == 404
    assert client.post(reverse("hotspots:split"), {
        "members": data["into"] + data["members"], "remove": data["members"]}).status_code == 404
    assert not Matter.objects.filter(status=Status.MERGED).exists()
    assert not KeptApart.objects.exists()


def test_confirm_without_a_target_or_members_is_a_bad_request(client, world, complaints):
    client.force_login(world.by_role[Role.DISTRICT_OFFICER])
    p1 = complaints["p1"].pk
    assert client.post(reverse("hotspots:confirm"), {"members": [p1]}).status_code == 400
    assert client.post(reverse("hotspots:confirm"), {"into": p1}).status_code == 400
    assert client.get(reverse("hotspots:confirm")).status_code == 405
    assert not Matter.objects.filter(status=Status.MERGED).exists()


def test_splitting_through_the_page_keeps_them_apart(client, world, complaints):
    p1, p2 = complaints["p1"], complaints["p2"]
    client.force_login(world.by_role[Role.COMPOUND_SECRETARY])
    response = client.post(reverse("hotspots:split"),
                           {"members": [p1.pk, p2.pk], "remove": [p2.pk]})
    assert response.status_code == 302
    assert KeptApart.objects.filter(first=min(p1, p2, key=lambda m: m.pk)).count() == 1
    html = client.get(reverse("hotspots:index")).content.decode()
    assert f'data-matters="{p1.pk},{p2.pk}"' not in html and f'data-matters="{p1.pk}"' in html


def test_a_split_leaving_nobody_is_a_bad_request(client, world, complaints):
    p1, p2 = complaints["p1"], complaints["p2"]
    client.force_login(world.by_role[Role.COMPOUND_SECRETARY])
    response = client.post(reverse("hotspots:split"),
                           {"members": [p1.pk, p2.pk], "remove": [p1.pk, p2.pk]})
    assert response.status_code == 400 and not KeptApart.objects.exists()


def test_the_district_export_opens_in_excel_and_is_audited(client, world, complaints):
    user = world.by_role[Role.DISTRICT_OFFICER]
    client.force_login(user)
    with translation.override("en"):
        response = client.get(reverse("hotspots:export"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]][:8] == ["Rank", "Issue", "Place", "Period", "Matters",
                                               "Reporters", "Supporters", "Heat"]
    assert sheet.freeze_panes == "A2"
    assert sheet.max_row == 1 + 2  # the east-gate group, and 和平小区 on its own
    assert sheet["E2"].value == 2 and sheet["I2"].value == complaints["p1"].number
    event = Event.objects.get(action=audit.EXPORT)
    assert event.actor == user and event.data["what"] == "hot_issues"


def test_the_reference_page_and_export_show_the_table(client, world):
    client.force_login(world.by_role[Role.MEDIATOR])
    html = client.get(reverse("hotspots:reference")).content.decode()
    assert 'data-rank="1"' in html and "魅力之城 · 油烟、扰民" in html
    response = client.get(reverse("hotspots:reference_export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 2 and sheet["B2"].value == "魅力之城 · 油烟、扰民"


@pytest.mark.parametrize("role,target", [
    (Role.GRID_WORKER, "hotspots:index"),
    (Role.MEDIATOR, "hotspots:reference"),
    (Role.COMMUNITY_POLICE, "hotspots:reference"),
])
def test_the_matter_list_links_to_the_hot_issues(client, world, role, target):
    client.force_login(world.by_role[role])
    html = client.get(reverse("matters:list")).content.decode()
    assert f'href="{reverse(target)}" data-hot-issues' in html


def test_a_role_that_lists_no_matters_finds_the_hot_issues_on_its_home_page(client, world):
    client.force_login(world.by_role[Role.PROPERTY_STAFF])
    html = client.get(reverse("core:home")).content.decode()
    assert f'href="{reverse("hotspots:reference")}" data-hot-issues' in html
