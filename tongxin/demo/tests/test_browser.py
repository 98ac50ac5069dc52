"""Sign in as every demo login in a real headless Chromium and land on that role's home page."""

import pytest

from tongxin.conftest import screenshot
from tongxin.demo.builder import build_demo_district
from tongxin.demo.logins import DEMO_LOGINS, DEMO_PASSWORD
from tongxin.people.models import Person
from tongxin.people.roles import ROLE_SPECS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base_url, username, password):
    page.goto(f"{base_url}/people/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("domcontentloaded")


def test_every_demo_login_reaches_its_home_page(live_server, new_page):
    build_demo_district()
    for login in DEMO_LOGINS:
        person = Person.objects.get(username=login.username)
        page = new_page()
        sign_in(page, live_server.url, login.username, DEMO_PASSWORD)
        kind = "staff" if ROLE_SPECS[login.role].staff else "resident"
        assert page.url == f"{live_server.url}/", login.username
        assert page.locator(f"[data-home={kind}]").is_visible(), login.username
        assert page.locator("[data-user-name]").inner_text() == person.full_name
        assert page.get_attribute("html", "lang") == "zh-hans"
        screenshot(page, f"home-{login.username}")


def test_a_wrong_password_stays_on_the_sign_in_page_with_a_message(live_server, new_page):
    build_demo_district()
    page = new_page()
    sign_in(page, live_server.url, "grid", "not-the-password")
    assert page.url.startswith(f"{live_server.url}/people/login/")
    assert page.locator(".errorlist").is_visible()


def test_the_language_switch_turns_the_page_to_english(live_server, new_page):
    build_demo_district()
    page = new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, live_server.url, "community", DEMO_PASSWORD)
    page.click("footer button[value=en]")
    page.wait_for_load_state("domcontentloaded")
    assert page.get_attribute("html", "lang") == "en"
    assert page.locator("h1").inner_text() == "My work"
    screenshot(page, "home-community-en")
