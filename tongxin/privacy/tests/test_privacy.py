import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tongxin.conftest import PASSWORD
from tongxin.core.models import Event
from tongxin.matters.choices import Satisfaction, Status
from tongxin.matters.models import Inspection, Matter, MatterEvent, Rating, Resolution, Support
from tongxin.notices.models import Notice
from tongxin.people.models import Person, RoleAssignment, SignInLock
from tongxin.privacy import services
from tongxin.privacy.views import CONFIRM_WORD

pytestmark = pytest.mark.django_db


def login(client, person):
    assert client.login(username=person.username, password=PASSWORD)


@pytest.fixture
def history(world, new_matter):
    """The resident raised two matters (one closed satisfied), the neighbour one; votes around."""
    mine = new_matter(title="东门电动车", contact_name="张小明本人", contact_phone="13900000001")
    closed = new_matter(title="路灯坏了")
    theirs = new_matter(title="邻居的楼道堆物", by=world.neighbour)
    Support.objects.create(matter=theirs, person=world.resident)
    Support.objects.create(matter=mine, person=world.neighbour)
    staff = world.by_role["grid_worker"]
    resolution = Resolution.objects.create(matter=closed, what_was_done="修好了", basis="规定",
                                           standard="亮", resolved_by=staff)
    Rating.objects.create(resolution=resolution, rater=world.resident,
                          satisfaction=Satisfaction.SATISFIED, comment="很好")
    Inspection.objects.create(resolution=resolution, inspector=world.resident, passed=True)
    Matter.objects.filter(pk=closed.pk).update(status=Status.CLOSED,
                                               satisfaction=Satisfaction.SATISFIED)
    Notice.objects.create(recipient=world.resident, kind="status",
                          params={"number": mine.number, "status": "closed"}, subject=mine)
    return {"mine": mine, "closed": closed, "theirs": theirs}


def satisfied_rate():
    closed = Matter.objects.filter(status=Status.CLOSED).count()
    return Matter.objects.filter(satisfaction=Satisfaction.SATISFIED).count() / closed


def counts():
    return (Matter.objects.count(), Support.objects.count(), Rating.objects.count(),
            Inspection.objects.count(), MatterEvent.objects.count())


def test_json_export_holds_own_data_and_nothing_of_the_neighbour(client, world, history):
    login(client, world.resident)
    response = client.get(reverse("privacy:export", args=["json"]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["profile"]["phone"] == world.resident.phone  # in full: it is their own
    titles = {m["title"] for m in data["matters"]}
    assert titles == {"东门电动车", "路灯坏了"}
    assert data["matters"][0]["contact_phone"] == "13900000001"
    assert data["supports"][0]["title"] == "邻居的楼道堆物"
    assert len(data["ratings"]) == len(data["inspections"]) == 1
    assert data["notices"]
    assert data["timeline"]
    body = response.content.decode()
    assert world.neighbour.full_name not in body
    assert world.neighbour.phone not in body
    assert world.resident_b.phone not in body
    assert Event.objects.filter(action="audit.export", subject_id=str(world.resident.pk),
                                data__what="my_data").exists()


def test_xlsx_export_opens_with_a_sheet_per_section(client, world, history):
    login(client, world.resident)
    response = client.get(reverse("privacy:export", args=["xlsx"]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == len(services.sections())  # the profile, then the others
    assert book.sheetnames[:3] == ["基本信息", "角色", "诉求"]
    cells = [c for sheet in book for row in sheet.iter_rows(values_only=True) for c in row]
    assert world.resident.phone in cells
    assert "东门电动车" in cells
    assert world.neighbour.phone not in cells


def test_export_is_always_of_the_signed_in_user(client, world, history):
    login(client, world.neighbour)
    for query in ({"person": world.resident.pk}, {"pk": world.resident.pk},
                  {"username": "resident"}):
        data = json.loads(client.get(reverse("privacy:export", args=["json"]), query).content)
        assert data["profile"]["phone"] == world.neighbour.phone
        assert {m["title"] for m in data["matters"]} == {"邻居的楼道堆物"}
    assert client.get("/privacy/export.csv").status_code == 404


def test_pages_need_sign_in(client):
    for url in (reverse("privacy:home"), reverse("privacy:export", args=["json"]),
                reverse("privacy:delete")):
        response = client.get(url)
        assert response.status_code == 302 and reverse("people:login") in response["Location"]


def test_home_page_shows_what_we_hold(client, world, history):
    login(client, world.resident)
    page = client.get(reverse("privacy:home")).content.decode()
    assert world.resident.phone in page
    assert reverse("privacy:delete") in page


def test_deletion_anonymises_and_keeps_counts_and_rates(client, world, history):
    resident = world.resident
    old_name, old_phone = resident.full_name, resident.phone
    before, rate_before = counts(), satisfied_rate()
    login(client, resident)
    assert client.get(reverse("privacy:delete")).status_code == 200
    response = client.post(reverse("privacy:delete"), {"confirm": str(CONFIRM_WORD)})
    assert response.status_code == 302 and response["Location"] == reverse("people:login")

    assert counts() == before
    assert satisfied_rate() == rate_before
    resident.refresh_from_db()
    assert resident.full_name == services.anonymised_name() == "已注销居民"
    assert not resident.is_active and not resident.has_usable_password()
    assert resident.household is None and resident.username is None and resident.phone is None
    assert not Person.objects.filter(phone=old_phone).exists()
    assert not Person.objects.filter(full_name=old_name).exists()
    assert not RoleAssignment.objects.filter(person=resident).exists()
    assert not Notice.objects.filter(recipient=resident).exists()
    for matter in Matter.objects.filter(reporter=resident):
        assert matter.contact_name == "" and matter.contact_phone == ""
    assert Support.objects.filter(person=resident).count() == 1
    assert Rating.objects.filter(rater=resident).count() == 1

    event = Event.objects.get(action="person.anonymised", subject_id=str(resident.pk))
    assert old_phone not in json.dumps(event.data) and old_name not in json.dumps(event.data)

    assert not client.login(username="resident", password=PASSWORD)
    assert not client.login(username=old_phone, password=PASSWORD)
    staff = world.by_role["system_admin"]
    client.force_login(staff)
    for matter in history.values():
        response = client.get(reverse("matters:detail", args=[matter.pk]))
        assert response.status_code == 200
        page = response.content.decode()
        assert old_name not in page and old_phone not in page and "张小明本人" not in page


def test_wrong_confirmation_word_changes_nothing(client, world, history):
    before = counts()
    login(client, world.resident)
    response = client.post(reverse("privacy:delete"), {"confirm": "resident"})
    assert response.status_code == 400
    world.resident.refresh_from_db()
    assert world.resident.is_active and world.resident.full_name == "张小明"
    assert world.resident.phone and world.resident.household_id
    assert Matter.objects.get(pk=history["mine"].pk).contact_phone == "13900000001"
    assert counts() == before
    assert not Event.objects.filter(action="person.anonymised").exists()
    assert client.get(reverse("privacy:home")).status_code == 200


def test_sign_in_locks_are_exported_then_erased_before_the_account_names_go(client, world):
    SignInLock.objects.create(username=f"person:{world.resident.pk}", failures=3)
    SignInLock.objects.create(username=f"name:{world.resident.phone}", failures=1)
    data = services.personal_data(world.resident)
    assert {lock["failures"] for lock in data["sign_in_locks"]} == {3, 1}
    services.anonymise(world.resident, by=world.resident)
    assert not SignInLock.objects.exists()
