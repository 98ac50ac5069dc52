"""The reply check and the reply-time baseline in a real headless Chromium: the ECharts
chart draws under the strict CSP, the live check warns while the handler types, and the
form publishes after "publish anyway".

Apart from test_replies.py because it needs a committed database (live_server), which
cannot share a module with the module-scoped ``world`` transaction.
"""

import pytest
from django.urls import reverse

from tongxin.conftest import PASSWORD, build_world, screenshot
from tongxin.matters import services
from tongxin.matters.categories import seed_categories
from tongxin.matters.choices import Kind, Status
from tongxin.matters.models import Category, MatterEvent
from tongxin.people.choices import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base_url, username):
    page.goto(f"{base_url}/people/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("domcontentloaded")


def test_the_chart_draws_and_the_live_check_warns_before_publishing(live_server, new_page):
    world = build_world()
    seed_categories(world.district)
    parking = Category.objects.get(district=world.district, name="乱停乱放")
    matter = services.raise_matter(by=world.resident, title="小区东门电动车乱停放",
                                   description="东门口每天晚上堆满电动车，消防通道被堵住了。",
                                   category=parking)
    grid_worker = world.by_role[Role.GRID_WORKER]
    services.triage(matter, by=grid_worker, kind=Kind.IMMEDIATE)
    page = new_page(viewport={"width": 1000, "height": 900})
    sign_in(page, live_server.url, grid_worker.username)

    # The baseline page: the figures table and the chart drawn by the vendored ECharts.
    page.goto(f"{live_server.url}{reverse('triage:reply_baseline')}")
    page.locator("#reply-baseline-chart[data-drawn=true] canvas").first.wait_for(timeout=10000)
    assert "2816" in page.locator("table[data-figures]").inner_text()
    page.locator("#reply-baseline-chart").hover(position={"x": 300, "y": 200})
    screenshot(page, "triage-reply-baseline")

    # The live check while typing a reply about something else.
    page.goto(f"{live_server.url}{reverse('matters:detail', args=[matter.pk])}")
    box = page.locator("details[data-action=resolve]")
    box.locator("summary").click()
    box.locator("textarea[name=what_was_done]").press_sequentially(
        "今年秋季小学一年级招生按照划片就近入学的原则进行，适龄儿童到片区学校报名。")
    box.locator("textarea[name=basis]").fill("《中华人民共和国义务教育法》第十二条")
    box.locator("textarea[name=standard]").fill("符合当年招生政策")
    box.locator("[data-finding=low_relevance]").wait_for(timeout=10000)
    screenshot(page, "triage-reply-live-check")

    # Submitting shows the warnings and publishes nothing; "publish anyway" publishes.
    box.locator("button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")
    matter.refresh_from_db()
    assert matter.status == Status.IN_PROGRESS
    box = page.locator("details[data-action=resolve]")
    box.locator("input[type=checkbox][name=publish_anyway]").check()
    box.locator("button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")
    matter.refresh_from_db()
    assert matter.status == Status.RESOLVED
    event = MatterEvent.objects.get(matter=matter, action="resolved")
    assert [c["code"] for c in event.data["checks"]] == ["low_relevance"]
