"""The resident's raise page in a real headless Chromium: "me too" while typing, then raise.

Apart from test_views_resident.py because it needs a committed database (live_server),
which cannot share a module with the module-scoped ``world`` transaction.
"""

import pytest
from django.urls import reverse

from tongxin.conftest import PASSWORD, build_world, screenshot
from tongxin.matters import services
from tongxin.matters.categories import seed_categories
from tongxin.matters.models import Category, Matter, Support
from tongxin.matters.tests.test_views_resident import gps_jpeg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_sees_me_too_while_typing_and_supports_instead(live_server, new_page):
    world = build_world()
    seed_categories(world.district)
    parking = Category.objects.get(district=world.district, name="乱停乱放")
    matter = services.raise_matter(by=world.neighbour, title="东门电动车乱停放",
                                   description="东门口每天晚上堆满电动车，消防通道被堵住了。",
                                   category=parking)
    page = new_page()
    page.goto(f"{live_server.url}/people/login/")
    page.fill("input[name=username]", "resident")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("domcontentloaded")

    page.goto(f"{live_server.url}{reverse('matters:raise')}")
    page.locator("input[name=title]").press_sequentially("东门的电动车乱停放")
    page.locator("textarea[name=description]").press_sequentially("晚上消防通道被电动车堵住")
    suggestion = page.locator(f"#support-{matter.pk}")
    suggestion.wait_for(state="visible", timeout=5000)
    screenshot(page, "matters-raise-me-too")
    suggestion.locator("button").click()
    page.locator(f"#support-{matter.pk} .badge").wait_for(state="visible", timeout=5000)

    assert Support.objects.filter(matter=matter, person=world.resident).exists()
    assert Matter.objects.count() == 1  # supporting did not submit the raise form

    page.select_option("select[name=category]", str(parking.parent.pk))  # the kind 停车
    page.set_input_files("input[name=photos]", files=[{
        "name": "door.jpg", "mimeType": "image/jpeg", "buffer": gps_jpeg().read()}])
    page.click("form[data-raise-form] button[type=submit]")
    page.wait_for_url(f"{live_server.url}/matters/*/", timeout=5000)

    mine = Matter.objects.get(reporter=world.resident)
    assert page.url == f"{live_server.url}{reverse('matters:detail', args=[mine.pk])}"
    assert mine.photos.count() == 1
