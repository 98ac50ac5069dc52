"""The whole closed loop on the demo district, in a real headless Chromium.

A resident raises a matter with a photo; the grid worker hears it as pending and
escalates it to the street; the street sends it to the district, which whistles two
departments; one reports in on time, the other late (flagged); the district records
the result, which the compound board shows without the resident's phone; the resident
rates it unsatisfied; it is rectified, re-inspected by the building head and closed.
"""

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from tongxin.conftest import screenshot
from tongxin.demo.builder import build_demo_district
from tongxin.demo.logins import DEMO_PASSWORD
from tongxin.matters.choices import Level, Status
from tongxin.matters.models import Category, Matter
from tongxin.orgs.models import Organisation
from tongxin.people.choices import Role
from tongxin.people.models import Person
from tongxin.people.services import set_password, update_person
from tongxin.places.models import Place

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def jpeg_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (180, 40, 40)).save(buffer, format="JPEG")
    return buffer.getvalue()


class Browser:
    """Sign in as one demo person after another, each in a fresh browser context."""

    def __init__(self, base_url, new_page):
        self.base_url, self.new_page = base_url, new_page

    def as_user(self, username, password=DEMO_PASSWORD):
        page = self.new_page()
        page.goto(f"{self.base_url}/people/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{self.base_url}/")
        return page

    def act(self, page, matter, action, fill=None, check=None, select=None):
        """Open a matter, unfold one action and submit it."""
        page.goto(f"{self.base_url}/matters/{matter.pk}/")
        box = page.locator(f"details[data-action={action}]")
        box.locator("summary").click()
        for selector, value in (fill or {}).items():
            box.locator(selector).fill(value)
        for selector in check or ():
            box.locator(selector).check()
        for selector, value in (select or {}).items():
            box.locator(selector).select_option(value)
        box.locator("button[type=submit]").click()
        page.wait_for_load_state("domcontentloaded")


def reload(matter):
    matter.refresh_from_db()
    return matter


def test_the_whole_loop(live_server, new_page, time_machine):
    time_machine.move_to("2026-11-16 09:00 +0800")  # a Monday; the clock ticks on
    build_demo_district()
    browser = Browser(live_server.url, new_page)
    resident = Person.objects.get(username="resident")
    second_department = Organisation.objects.get(kind="department", name__contains="住建局")
    other_staff = Person.objects.filter(roles__organisation=second_department,
                                        roles__role=Role.DEPARTMENT_STAFF).first()
    update_person(other_staff, username="dept2")
    set_password(other_staff, DEMO_PASSWORD)
    first_department = Organisation.objects.get(kind="department", name__contains="城管局")
    # Residents choose among a dozen neighbourhood kinds (matters.categories.RESIDENT_KINDS).
    category = Category.objects.get(district__code="990101", name="电动车充电",
                                    parent__name="社区治理")

    # 1. The resident raises a matter with a photo (说事).
    page = browser.as_user("resident")
    page.goto(f"{live_server.url}/matters/raise/")
    page.fill("input[name=title]", "3号楼楼道里飞线给电动车充电")
    page.fill("textarea[name=description]", "每天晚上有人从三楼窗户拉电线下来给电动车充电，电线横在楼道口，很危险。")
    page.select_option("select[name=category]", str(category.pk))
    page.set_input_files("input[name=photos]", files=[
        {"name": "wire.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}])
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/matters/\d+/$"))
    matter = Matter.objects.get(pk=int(page.url.rstrip("/").split("/")[-1]))
    assert matter.reporter == resident and matter.photos.count() == 1
    assert matter.status == Status.NEW and matter.owner_level == Level.GRID
    screenshot(page, "loop-1-raised")

    # 2. The grid worker hears it as pending (待办件), then escalates it to the street.
    page = browser.as_user("grid")
    browser.act(page, matter, "triage", check=["input[name=kind][value=pending]"])
    assert reload(matter).status == Status.IN_PROGRESS and matter.kind == "pending"
    browser.act(page, matter, "escalate", select={"select[name=to_level]": "street"},
                fill={"textarea[name=reason]": "涉及多个楼栋和供电改造，小区解决不了"})
    assert reload(matter).owner_level == Level.STREET

    # 3. The street cannot solve it either: up to the district, which whistles two departments.
    page = browser.as_user("street")
    browser.act(page, matter, "escalate", fill={"textarea[name=reason]": "需要区里协调住建和城管"})
    assert reload(matter).owner_level == Level.DISTRICT
    page = browser.as_user("district")
    browser.act(page, matter, "whistle", check=[
        f"input[name=departments][value='{first_department.pk}']",
        f"input[name=departments][value='{second_department.pk}']"])
    assert reload(matter).status == Status.WHISTLED and matter.whistles.count() == 2

    # 4. 城管局 reports in on time; 住建局 a day later, after its 24-hour deadline.
    whistles = {w.department_id: w for w in matter.whistles.all()}
    page = browser.as_user("dept")
    page.goto(f"{live_server.url}/matters/inbox/")
    page.locator(f"[data-whistle='{whistles[first_department.pk].pk}'] form[data-form=report_in] button").click()
    page.wait_for_load_state("domcontentloaded")
    time_machine.move_to(timezone.now() + timedelta(hours=26))
    page = browser.as_user("dept2")
    page.goto(f"{live_server.url}/matters/inbox/")
    page.locator(f"[data-whistle='{whistles[second_department.pk].pk}'] form[data-form=report_in] button").click()
    page.wait_for_load_state("domcontentloaded")
    whistles = {w.department_id: w for w in matter.whistles.all()}
    assert not whistles[first_department.pk].reported_late
    assert whistles[second_department.pk].reported_late

    # 5. The district sees the late report flagged, and records the result.
    page = browser.as_user("district")
    page.goto(f"{live_server.url}/matters/{matter.pk}/")
    late = "tr[data-whistle='{}'] [data-late=report]"
    assert page.locator(late.format(whistles[second_department.pk].pk)).is_visible()
    assert page.locator(late.format(whistles[first_department.pk].pk)).count() == 0
    screenshot(page, "loop-2-late-department")
    browser.act(page, matter, "resolve", fill={
        "textarea[name=what_was_done]": "在小区北侧建成电动车集中充电棚，拆除飞线",
        "textarea[name=basis]": "《高层民用建筑消防安全管理规定》",
        "textarea[name=standard]": "楼道无飞线，充电棚每晚可用"})
    assert reload(matter).status == Status.RESOLVED

    # 6. The board shows the result without the resident's phone or name.
    compound = Place.objects.filter(code__in=matter.place.ancestor_codes(), kind="compound").get()
    page = browser.as_user("resident")
    page.goto(f"{live_server.url}/matters/board/{compound.code}/")
    board = page.locator(f"#matter-{matter.pk}")
    assert "电动车集中充电棚" in board.inner_text()
    assert resident.phone not in page.content() and resident.full_name not in board.inner_text()
    screenshot(page, "loop-3-board")

    # 7. Unsatisfied: back for rectification (整改), counted as rework.
    page.goto(f"{live_server.url}/matters/{matter.pk}/")
    rate = page.locator("[data-reporter-actions=rate]")
    rate.locator("select[name=satisfaction]").select_option("unsatisfied")
    rate.locator("textarea[name=comment]").fill("充电棚晚上十点就锁门了，还是有人飞线")
    rate.locator("button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")
    assert reload(matter).status == Status.RECTIFYING and matter.rework_count == 1

    # 8. Rectified, inspected again by the building head, rated and closed.
    page = browser.as_user("district")
    browser.act(page, matter, "resolve", fill={
        "textarea[name=what_was_done]": "充电棚改为全天开放并加装监控",
        "textarea[name=basis]": "《高层民用建筑消防安全管理规定》",
        "textarea[name=standard]": "楼道无飞线，充电棚全天可用"})
    page = browser.as_user("building")
    page.goto(f"{live_server.url}/matters/board/{compound.code}/")
    item = page.locator(f"#matter-{matter.pk}")
    item.locator("select[name=passed]").select_option("yes")
    item.locator("button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")
    page = browser.as_user("resident")
    page.goto(f"{live_server.url}/matters/{matter.pk}/")
    rate = page.locator("[data-reporter-actions=rate]")
    rate.locator("select[name=satisfaction]").select_option("satisfied")
    rate.locator("button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")
    assert reload(matter).status == Status.CLOSED and matter.resolutions.count() == 2
    screenshot(page, "loop-4-closed")
    actions = list(matter.events.values_list("action", flat=True))
    assert actions == ["raised", "triaged", "escalated", "escalated", "whistled",
                       "department_reported", "department_reported", "resolved", "rated",
                       "resolved", "inspected", "rated"]
