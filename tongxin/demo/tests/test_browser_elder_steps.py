"""The 长辈版 on a phone, in a real headless Chromium: an older resident raises a matter one
step per screen (with a photo, going back once, a refused step on the way) and rates a
finished one on a screen of its own."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from tongxin.conftest import PASSWORD, build_world, screenshot
from tongxin.matters import services
from tongxin.matters.categories import seed_categories
from tongxin.matters.choices import Kind, Status
from tongxin.matters.models import Matter
from tongxin.people.choices import Role
from tongxin.people.services import set_elder_mode

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
TEXT = "楼道里的灯坏了，晚上下楼看不见台阶。"

# The main's controls under 44 px high, big choices and cards under 56 px (a big button
# each), radios under 24 px, and how far the page scrolls sideways.
MEASURE = """() => {
  const high = el => el.getBoundingClientRect().height, show = el => el.outerHTML.slice(0, 80);
  return {
    small: [...document.querySelectorAll("main a.button, main button")].filter(el => high(el) < 44)
      .map(show),
    small_choices: [...document.querySelectorAll("main label.big-choice, main a.matter-card")]
      .filter(el => high(el) < 56).map(show),
    small_radios: [...document.querySelectorAll("main input[type=radio]")]
      .filter(el => el.getBoundingClientRect().width < 24 || high(el) < 24).map(show),
    sideways: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  };
}"""


def jpeg_file():
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), (30, 120, 200)).save(buffer, format="JPEG")
    return {"name": "lamp.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def sign_in(page, base_url, username):
    page.goto(f"{base_url}/people/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("load")


def press(page, selector):
    page.click(selector)
    page.wait_for_load_state("load")


def assert_fits(page, label):
    measured = page.evaluate(MEASURE)
    assert not (measured["small"] or measured["small_choices"] or measured["small_radios"]), (
        label, measured)
    assert measured["sideways"] <= 0, (label, measured)


def step_of(page):
    return page.get_attribute("[data-elder-step]", "data-elder-step")


def test_an_older_resident_raises_a_matter_step_by_step_and_rates_a_finished_one(
        live_server, new_page):
    world = build_world()
    seed_categories(world.district)
    set_elder_mode(world.resident, True)
    grid = world.by_role[Role.GRID_WORKER]
    done = services.raise_matter(by=world.resident, title="电梯按钮坏了",
                                 description="三楼的电梯按钮按不亮。",
                                 category=seed_category(world), limit=False)
    services.triage(done, by=grid, kind=Kind.IMMEDIATE)
    services.resolve(done, by=grid, what_was_done="换了按钮", basis="规定", standard="能用")

    page = new_page(viewport=PHONE)
    base = live_server.url
    sign_in(page, base, "resident")
    press(page, "[data-elder-action=raise]")

    # 1: what is wrong. Sent empty, the step is refused and the alert takes the focus.
    assert step_of(page) == "what" and page.locator("[data-voice-hint]").is_visible()
    assert_fits(page, "what")
    page.evaluate("() => document.querySelector('form[data-raise-form]').noValidate = true")
    press(page, "main form button[type=submit]")
    focused = page.evaluate("() => [document.activeElement.id, document.activeElement.role]")
    assert focused == ["error-summary", "alert"], focused
    assert step_of(page) == "what"
    page.fill("textarea[name=description]", TEXT)
    press(page, "main form button[type=submit]")

    # 2: where, their building chosen already; they choose the whole compound.
    assert step_of(page) == "where"
    assert page.is_checked("input[name=place][value=building]")
    assert_fits(page, "where")
    page.click("label.big-choice:has(input[value=compound])")
    press(page, "main form button[type=submit]")

    # 3: a photo, then 4: check; back once to the photo, which is still there.
    assert step_of(page) == "photos"
    page.set_input_files("input[name=photos]", jpeg_file())
    press(page, "main form button[type=submit]")
    assert step_of(page) == "check"
    assert TEXT in page.inner_text("[data-summary=description]")
    assert world.compound_a1a.name in page.inner_text("[data-summary=place]")
    press(page, "[data-back]")
    assert step_of(page) == "photos" and page.locator("[data-held-photos]").is_visible()
    press(page, "main form button[type=submit]")
    assert step_of(page) == "check"
    assert Matter.objects.count() == 1  # nothing filed before the last screen
    assert_fits(page, "check")
    screenshot(page, "elder-raise-check")
    press(page, "main form button[type=submit]")

    matter = Matter.objects.exclude(pk=done.pk).get()
    assert (matter.description, matter.place, matter.photos.count()) == (
        TEXT, world.compound_a1a, 1)
    assert page.url.endswith(reverse("matters:detail", args=[matter.pk]))
    assert page.locator("[data-elder-matter] [data-plain-status]").is_visible()
    assert page.locator("[data-main-action]").count() == 0  # nothing to do on it yet

    # 我的诉求: one big card each; the finished one leads to the rating.
    press(page, f"a.button[href='{reverse('matters:mine')}']")
    cards = page.locator("a.matter-card")
    assert cards.count() == 2
    assert_fits(page, "mine")
    press(page, f"a.matter-card[data-matter='{done.pk}']")
    press(page, "[data-main-action=rate]")
    assert_fits(page, "rate")
    labels = page.locator("label.big-choice")
    assert labels.count() == 3
    page.click("label.big-choice:has(input[value=satisfied])")
    screenshot(page, "elder-rate")
    press(page, "main form button[type=submit]")

    done.refresh_from_db()
    assert done.status == Status.CLOSED
    assert page.url.endswith(reverse("matters:detail", args=[done.pk]))
    press(page, "[data-other-actions]")  # reopening, behind 其他操作, on a screen of its own
    assert page.locator("[data-other-action=reopen] textarea[name=reason]").is_visible()
    assert_fits(page, "other actions")


def seed_category(world):
    from tongxin.matters.models import Category

    return Category.objects.get(district=world.district, name="乱停乱放")
