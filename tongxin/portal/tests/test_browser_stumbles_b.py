"""Issue 16, items 18 and 22 as a person sees them on a phone (390×844), in Chromium.

A building head and an owners' committee member find the compound board from their
menu and home page, and see the result's photo on it; a department's home counts the
whistles waiting for it; a mediator's home counts the open matters of the community;
the routing table is in the menu of those who route matters only.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tongxin.conftest import PASSWORD, build_world, screenshot
from tongxin.matters import services
from tongxin.matters.categories import seed_categories
from tongxin.matters.choices import Kind, Level
from tongxin.matters.models import Category, Photo
from tongxin.people.choices import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (40, 140, 60)).save(buffer, "JPEG")
    return SimpleUploadedFile("result.jpg", buffer.getvalue(), content_type="image/jpeg")


def sign_in(new_page, base_url, username):
    page = new_page(viewport=PHONE)
    page.goto(f"{base_url}/people/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base_url}/")
    return page


def menu(page):
    return [text.strip() for text in page.locator("nav.mainnav a").all_inner_texts()]


@pytest.fixture
def loop_world():
    world = build_world()
    seed_categories(world.district)
    parking = Category.objects.get(district=world.district, name="乱停乱放")
    grid, district = world.by_role[Role.GRID_WORKER], world.by_role[Role.DISTRICT_OFFICER]

    def raise_(title):
        return services.raise_matter(by=world.resident, title=title, category=parking,
                                     description="东门口每天晚上堆满电动车，消防通道被堵住了。")

    world.resolved = raise_("东门电动车乱停放")
    services.triage(world.resolved, by=grid, kind=Kind.IMMEDIATE)
    services.resolve(world.resolved, by=grid, what_was_done="划定了电动车停放区并安装了充电桩",
                     basis="物业管理规定", standard="消防通道畅通", photos=[jpeg()])
    whistled = raise_("楼道飞线充电")
    services.escalate(whistled, by=district, reason="需区里协调", to_level=Level.DISTRICT)
    services.whistle(whistled, by=district, departments=[world.department])
    return world


@pytest.mark.parametrize("username", ["building_head", "owners_committee"])
def test_an_inspector_finds_the_board_and_sees_the_result_photo(live_server, new_page,
                                                                 loop_world, username):
    page = sign_in(new_page, live_server.url, username)
    todo = page.locator("[data-todo=inspect]")
    assert todo.is_visible()
    assert todo.locator("[data-to-inspect] b").inner_text() == "1"
    assert "派单规则表" not in menu(page) and "小区公示栏" in menu(page)
    screenshot(page, f"stumbles-b-home-{username}")

    page.locator("nav.mainnav a[data-boards-link]").click()
    page.wait_for_url(f"{live_server.url}/matters/board/*/")
    article = page.locator(f"#matter-{loop_world.resolved.pk}")
    photo = article.locator("[data-result-photos] img")
    assert photo.count() == 1
    photo.scroll_into_view_if_needed()
    assert photo.is_visible()
    assert photo.evaluate("img => img.complete && img.naturalWidth") == 320
    result = Photo.objects.get(matter=loop_world.resolved, event__action="resolved")
    assert photo.get_attribute("src") == reverse("matters:photo", args=[result.pk])
    screenshot(page, f"stumbles-b-board-{username}")


def test_a_department_home_counts_the_whistles_waiting(live_server, new_page, loop_world):
    page = sign_in(new_page, live_server.url, "department_staff")
    todo = page.locator("[data-todo=whistles]")
    assert todo.is_visible()
    assert todo.locator("[data-whistles-waiting] b").inner_text() == "1"
    assert todo.locator("[data-whistles-to-report] b").inner_text() == "1"
    assert "派单规则表" not in menu(page)
    screenshot(page, "stumbles-b-home-department")
    todo.locator("[data-whistles-to-report]").click()
    page.wait_for_url(f"{live_server.url}{reverse('matters:inbox')}")
    assert page.locator("main").inner_text().count("楼道飞线充电") >= 1


@pytest.mark.parametrize("username,section", [
    ("mediator", "area"), ("legal_adviser", "area"), ("community_police", "area"),
    ("partner_member", "none"), ("property_staff", "none"),
])
def test_roles_beside_the_loop_land_on_what_they_can_do(live_server, new_page, loop_world,
                                                        username, section):
    page = sign_in(new_page, live_server.url, username)
    assert page.locator(f"[data-todo={section}]").is_visible()
    assert "派单规则表" not in menu(page)
    if section == "area":
        assert page.locator("[data-area-open] b").inner_text() == "2"
    else:
        assert "诉求" not in menu(page)
        assert page.locator(f"[data-board='{loop_world.compound_a1a.code}']").is_visible()
    screenshot(page, f"stumbles-b-home-{username}")


def test_the_routing_table_stays_in_the_menu_of_those_who_route(live_server, new_page,
                                                                  loop_world):
    page = sign_in(new_page, live_server.url, "grid_worker")
    assert "派单规则表" in menu(page)
    assert page.locator("[data-work-new] b").inner_text() == "0"
    assert page.locator("[data-todo=matters]").is_visible()
