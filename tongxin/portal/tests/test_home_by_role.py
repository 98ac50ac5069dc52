"""Every role's home page says what that role has to do now (counts, each a link to the
list where it acts), and the main menu offers only what the role may use."""

import re

import pytest
from django.urls import reverse

from tongxin.matters import services
from tongxin.matters.choices import Kind, Level
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db

HOME, RAISE, MINE = reverse("core:home"), reverse("matters:raise"), reverse("matters:mine")
INBOX, LIST, RECORD = reverse("matters:inbox"), reverse("matters:list"), reverse("matters:record")
BOARDS, PLACES, PEOPLE = reverse("matters:boards"), reverse("places:list"), reverse("people:list")
ROSTER, AUDIT = reverse("people:roster_import"), reverse("core:audit")
ROUTING, ADMIN = reverse("triage:routing"), reverse("admin:index")

HANDLER_MENU = {HOME, INBOX, LIST, RECORD, PLACES, PEOPLE, ROUTING}
READER_MENU = {HOME, LIST, RECORD, PLACES, PEOPLE}
MENUS = {
    Role.RESIDENT: {HOME, RAISE, MINE},
    Role.GRID_WORKER: HANDLER_MENU,
    Role.BUILDING_HEAD: READER_MENU | {BOARDS},
    Role.COMPOUND_SECRETARY: HANDLER_MENU,
    Role.COMMUNITY_SECRETARY: HANDLER_MENU | {ROSTER},
    Role.COMMITTEE_MEMBER: HANDLER_MENU | {ROSTER},
    Role.MEDIATOR: READER_MENU,
    Role.LEGAL_ADVISER: READER_MENU,
    Role.COMMUNITY_POLICE: READER_MENU,
    Role.STREET_OFFICER: HANDLER_MENU | {ROSTER},
    Role.DISTRICT_OFFICER: HANDLER_MENU | {ROSTER, AUDIT},
    Role.DEPARTMENT_STAFF: {HOME, INBOX, LIST, PLACES},
    Role.PARTNER_MEMBER: {HOME, PLACES},
    Role.PROPERTY_STAFF: {HOME, PLACES},
    Role.OWNERS_COMMITTEE: {HOME, BOARDS, PLACES},
    # In the world the system administrator is a superuser (issue 34 may change that).
    Role.SYSTEM_ADMIN: HANDLER_MENU | {ROSTER, AUDIT, ADMIN, BOARDS},
}

# What each role's home page shows as its work now: the section, its counts, their links.
# The world below holds one new matter, one whistled to the department and one resolved.
TODO = {
    Role.GRID_WORKER: ("matters", {"data-work-open": 1, "data-work-new": 1}, INBOX),
    Role.COMPOUND_SECRETARY: ("matters", {"data-work-open": 1, "data-work-new": 1}, INBOX),
    Role.COMMUNITY_SECRETARY: ("matters", {"data-work-open": 1, "data-work-new": 1}, INBOX),
    Role.COMMITTEE_MEMBER: ("matters", {"data-work-open": 1, "data-work-new": 1}, INBOX),
    Role.STREET_OFFICER: ("matters", {"data-work-open": 1, "data-work-new": 1}, INBOX),
    Role.DISTRICT_OFFICER: ("matters", {"data-work-open": 2, "data-work-new": 1}, INBOX),
    Role.SYSTEM_ADMIN: ("matters", {"data-work-open": 2, "data-work-new": 1}, INBOX),
    Role.DEPARTMENT_STAFF: ("whistles", {"data-whistles-waiting": 1,
                                         "data-whistles-to-report": 1}, INBOX),
    Role.BUILDING_HEAD: ("inspect", {"data-to-inspect": 1}, BOARDS),
    Role.OWNERS_COMMITTEE: ("inspect", {"data-to-inspect": 1}, BOARDS),
    Role.MEDIATOR: ("area", {"data-area-open": 3}, LIST),
    Role.LEGAL_ADVISER: ("area", {"data-area-open": 3}, LIST),
    Role.COMMUNITY_POLICE: ("area", {"data-area-open": 3}, LIST),
    Role.PARTNER_MEMBER: ("none", {}, None),
    Role.PROPERTY_STAFF: ("none", {}, None),
}


@pytest.fixture
def loop(world, new_matter):
    """One new matter, one whistled to the department, one resolved and published (all in b1)."""
    grid, district = world.by_role[Role.GRID_WORKER], world.by_role[Role.DISTRICT_OFFICER]
    new_matter(title="新提交的事")
    whistled = new_matter(title="要吹哨的事")
    services.escalate(whistled, by=district, reason="需区里协调", to_level=Level.DISTRICT)
    services.whistle(whistled, by=district, departments=[world.department])
    resolved = new_matter(title="已办结的事")
    services.triage(resolved, by=grid, kind=Kind.IMMEDIATE)
    services.resolve(resolved, by=grid, what_was_done="已修好", basis="规定", standard="达标")
    return world


def menu_links(html):
    nav = re.search(r'<nav class="mainnav".*?</nav>', html, re.S).group(0)
    return set(re.findall(r'href="([^"]+)"', nav))


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_the_menu_offers_only_what_the_role_may_use(client, world, role):
    client.force_login(world.by_role[role])
    html = client.get(HOME).content.decode()
    assert menu_links(html) == MENUS[role], role
    for link in MENUS[role] - {HOME}:
        assert client.get(link).status_code in (200, 302), (role, link)


@pytest.mark.parametrize("role", sorted(TODO), ids=lambda r: r.value)
def test_the_home_page_says_what_the_role_has_to_do_now(client, loop, role):
    section, counts, link = TODO[role]
    client.force_login(loop.by_role[role])
    html = client.get(HOME).content.decode()
    found = re.search(rf'<section[^>]*data-todo="{section}".*?</section>', html, re.S)
    assert found, (role, section)
    block = found.group(0)
    for marker, n in counts.items():
        stat = re.search(rf'<a class="stat" href="([^"]+)" {marker}><b>(\d+)</b>', block)
        assert stat, (role, marker)
        assert stat.group(1).split("?")[0] == link and int(stat.group(2)) == n, (role, marker)
    others = set(re.findall(r'data-todo="(\w+)"', html)) - {section}
    assert not others & {"none"}, (role, others)


@pytest.mark.parametrize("role", [Role.PARTNER_MEMBER, Role.PROPERTY_STAFF])
def test_partners_and_property_companies_reach_the_boards_they_serve(client, world, role):
    client.force_login(world.by_role[role])
    html = client.get(HOME).content.decode()
    board = reverse("matters:board", args=[world.compound_a1a.code])
    assert f'href="{board}"' in html
    assert client.get(board).status_code == 200


def test_the_department_home_counts_a_late_whistle(client, loop, time_machine):
    from datetime import timedelta

    from django.utils import timezone

    time_machine.move_to(timezone.now() + timedelta(days=30))
    client.force_login(loop.by_role[Role.DEPARTMENT_STAFF])
    html = client.get(HOME).content.decode()
    assert re.search(r"data-whistles-late><b>1</b>", html)


def test_the_resident_home_links_raising_their_matters_and_their_board(client, world):
    client.force_login(world.resident)
    html = client.get(HOME).content.decode()
    assert f'href="{RAISE}"' in html
    assert f'href="{reverse("matters:board", args=[world.compound_a1a.code])}"' in html


def test_the_resident_home_lists_the_results_waiting_for_their_rating(client, loop):
    client.force_login(loop.resident)
    html = client.get(HOME).content.decode()
    block = re.search(r'<section[^>]*data-todo="rate".*?</section>', html, re.S).group(0)
    assert "已办结的事" in block and "新提交的事" not in block
    [pk] = re.findall(r'data-rate-matter="(\d+)"', block)
    assert f'href="{reverse("matters:detail", args=[pk])}"' in block
