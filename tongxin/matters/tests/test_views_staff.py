"""The staff pages of the matter loop: inbox, list, a matter's page, actions, departments
reporting in, recording on a resident's behalf, photos."""

import io
from datetime import timedelta

import pytest
from django.contrib.messages import constants as message_levels
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from tongxin.matters import services
from tongxin.matters.choices import Channel, Kind, Level, Status, WhistleStatus
from tongxin.matters.models import Matter, MatterEvent, Photo, Resolution, Whistle
from tongxin.orgs.choices import OrgKind
from tongxin.orgs.services import create_organisation
from tongxin.people.choices import Role
from tongxin.people.services import assign_role, create_person

pytestmark = pytest.mark.django_db


def png(name="photo.png", colour=(200, 30, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def act(client, matter, action, **data):
    return client.post(reverse("matters:act", args=[matter.pk, action]), data)


def error_messages(response):
    return [m for m in response.context["messages"] if m.level == message_levels.ERROR]


def as_role(client, world, role):
    client.force_login(world.by_role[role])
    return world.by_role[role]


# --- inbox ---------------------------------------------------------------------------------------


def test_grid_worker_inbox_lists_new_matters_of_their_grid_only(client, world, new_matter):
    mine = new_matter(title="一号楼楼道灯坏了")
    elsewhere = new_matter(title="三号楼门禁坏了", by=world.same_community)  # h4: grid g3
    assert elsewhere.owner_code == world.g3.code
    as_role(client, world, Role.GRID_WORKER)

    response = client.get(reverse("matters:inbox"))

    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [mine]
    html = response.content.decode()
    assert mine.title in html and elsewhere.title not in html
    assert "data-new" in html


def test_inbox_shows_overdue_matters_first(client, world, new_matter, time_machine):
    start = timezone.now()
    time_machine.move_to(start)
    late = new_matter(title="早就该听的事")
    time_machine.move_to(start + timedelta(hours=30))  # the first one's 24 hours have passed
    fresh = new_matter(title="刚说的事")
    as_role(client, world, Role.GRID_WORKER)

    response = client.get(reverse("matters:inbox"))

    rows = list(response.context["page"].object_list)
    assert rows == [late, fresh]
    assert rows[0].is_overdue and not rows[1].is_overdue
    assert response.content.decode().count("data-overdue") == 1


def test_department_inbox_needs_the_permission(client, world):
    as_role(client, world, Role.RESIDENT)
    assert client.get(reverse("matters:inbox")).status_code == 403


# --- triage --------------------------------------------------------------------------------------


def test_grid_worker_triages_through_the_page(client, world, new_matter, categories):
    matter = new_matter()
    as_role(client, world, Role.GRID_WORKER)
    lamps = categories["路灯照明"]

    response = act(client, matter, "triage", kind=Kind.IMMEDIATE, category=lamps.pk,
                   note="今天下午处理")

    assert response.status_code == 302
    assert response.url == reverse("matters:detail", args=[matter.pk])
    matter.refresh_from_db()
    assert (matter.status, matter.kind, matter.category) == (
        Status.IN_PROGRESS, Kind.IMMEDIATE, lamps)
    page = client.get(response.url)
    assert [m for m in page.context["messages"] if m.level == message_levels.SUCCESS]
    assert 'data-event="triaged"' in page.content.decode()


def test_building_head_may_not_triage_and_nothing_changes(client, world, new_matter):
    matter = new_matter()
    events = MatterEvent.objects.filter(matter=matter).count()
    as_role(client, world, Role.BUILDING_HEAD)

    response = act(client, matter, "triage", kind=Kind.IMMEDIATE, category=matter.category_id)

    assert response.status_code == 403
    assert error_messages(response)
    matter.refresh_from_db()
    assert (matter.status, matter.kind) == (Status.NEW, "")
    assert MatterEvent.objects.filter(matter=matter).count() == events


def test_the_page_offers_only_the_actions_allowed_now(client, world, new_matter):
    matter = new_matter()
    as_role(client, world, Role.GRID_WORKER)
    offered = {item["action"] for item in client.get(
        reverse("matters:detail", args=[matter.pk])).context["action_forms"]}
    assert offered == {"triage", "reject", "escalate", "recategorise", "flag_golden", "merge"}
    as_role(client, world, Role.BUILDING_HEAD)
    assert client.get(reverse("matters:detail", args=[matter.pk])).context["action_forms"] == []


# --- who sees the page ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
def test_detail_page_opens_exactly_for_those_who_may_see_the_matter(
        client, world, new_matter, role):
    matter = new_matter()
    user = as_role(client, world, role)
    visible = Matter.objects.visible_to(user).filter(pk=matter.pk).exists()

    response = client.get(reverse("matters:detail", args=[matter.pk]))

    assert response.status_code == (200 if visible else 404)


def test_other_residents_see_neither_the_page_nor_the_reporter(client, world, new_matter):
    matter = new_matter()
    services.support(matter, by=world.neighbour)
    client.force_login(world.same_community)
    assert client.get(reverse("matters:detail", args=[matter.pk])).status_code == 404
    client.force_login(world.neighbour)  # a supporter sees the matter, not who raised it
    response = client.get(reverse("matters:detail", args=[matter.pk]))
    assert response.status_code == 200
    assert response.context["reporter"] is None
    assert world.resident.full_name not in response.content.decode()


def test_staff_see_the_reporter_with_the_phone_masked_unless_their_role_needs_it(
        client, world, new_matter):
    matter = new_matter()
    as_role(client, world, Role.GRID_WORKER)
    shown = client.get(reverse("matters:detail", args=[matter.pk])).context["reporter"]
    assert shown["phone"] == world.resident.phone
    as_role(client, world, Role.BUILDING_HEAD)
    shown = client.get(reverse("matters:detail", args=[matter.pk])).context["reporter"]
    assert shown["name"] == world.resident.full_name
    assert shown["masked"] and shown["phone"] != world.resident.phone and "*" in shown["phone"]


def test_internal_events_are_hidden_from_the_reporter_and_shown_to_staff(
        client, world, new_matter, categories):
    matter = new_matter()
    services.support(matter, by=world.neighbour)
    services.recategorise(matter, by=world.by_role[Role.GRID_WORKER],
                          category=categories["僵尸车"])
    url = reverse("matters:detail", args=[matter.pk])

    client.force_login(world.resident)
    reporter_view = client.get(url).content.decode()
    as_role(client, world, Role.GRID_WORKER)
    staff_view = client.get(url).content.decode()

    assert 'data-event="raised"' in reporter_view
    assert 'data-event="supported"' not in reporter_view
    assert 'data-event="recategorised"' not in reporter_view
    assert 'data-event="supported"' in staff_view
    assert 'data-event="recategorised"' in staff_view
    assert "乱停乱放" in staff_view and "僵尸车" in staff_view  # the change, in words


# --- the list -------------------------------------------------------------------------------------


def _count_list_queries(client, url):
    client.get(url)  # warm up caches (content types, the session) outside the count
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), len(response.context["page"].object_list)


def test_staff_list_keeps_a_constant_number_of_queries(client, world, new_matter):
    for n in range(5):
        new_matter(title=f"第{n}件事")
    as_role(client, world, Role.COMMUNITY_SECRETARY)
    url = reverse("matters:list")

    few, rows_few = _count_list_queries(client, url)
    for n in range(5, 60):
        new_matter(title=f"第{n}件事")
    many, rows_many = _count_list_queries(client, url)

    assert (rows_few, rows_many) == (5, 50)
    assert few == many


def test_staff_list_filters_by_status_and_title(client, world, new_matter):
    heard = new_matter(title="路灯不亮")
    services.triage(heard, by=world.by_role[Role.GRID_WORKER], kind=Kind.IMMEDIATE)
    waiting = new_matter(title="电梯异响")
    as_role(client, world, Role.GRID_WORKER)

    by_status = client.get(reverse("matters:list"), {"status": Status.NEW})
    by_title = client.get(reverse("matters:list"), {"q": "路灯"})

    assert list(by_status.context["page"].object_list) == [waiting]
    assert list(by_title.context["page"].object_list) == [heard]


def test_residents_do_not_get_the_staff_list(client, world):
    client.force_login(world.resident)
    assert client.get(reverse("matters:list")).status_code == 403


# --- escalate, whistle, departments report in -----------------------------------------------------


def test_escalated_to_the_district_whistled_and_one_department_reports_in_late(
        client, world, new_matter, time_machine):
    start = timezone.now()
    time_machine.move_to(start)
    housing = create_organisation(kind=OrgKind.DEPARTMENT, name="住建局", place=world.district)
    housing_staff = create_person(full_name="住建局干部", phone="13900009901",
                                  username="housing", password="a-long-test-password")
    assign_role(housing_staff, role=Role.DEPARTMENT_STAFF, place=world.district,
                organisation=housing)
    matter = new_matter()

    as_role(client, world, Role.GRID_WORKER)
    assert act(client, matter, "escalate", to_level=Level.STREET,
               reason="涉及多个小区，需要街道协调").status_code == 302
    as_role(client, world, Role.STREET_OFFICER)
    response = act(client, matter, "escalate", reason="街道无法协调，请区里吹哨")
    assert response.status_code == 302
    matter.refresh_from_db()
    assert (matter.owner_level, matter.owner_place) == (Level.DISTRICT, world.district)

    as_role(client, world, Role.DISTRICT_OFFICER)
    page = client.get(reverse("matters:detail", args=[matter.pk]))
    whistle_form = next(i["form"] for i in page.context["action_forms"] if i["action"] == "whistle")
    assert set(whistle_form.fields["departments"].queryset) == {world.department, housing}
    assert act(client, matter, "whistle", departments=[world.department.pk, housing.pk],
               note="请两部门联合处置").status_code == 302
    matter.refresh_from_db()
    assert matter.status == Status.WHISTLED
    city, building = (Whistle.objects.get(matter=matter, department=d)
                      for d in (world.department, housing))

    as_role(client, world, Role.DEPARTMENT_STAFF)
    inbox = client.get(reverse("matters:inbox"))
    assert [row["whistle"] for row in inbox.context["whistle_rows"]] == [city]
    response = client.post(reverse("matters:whistle_act", args=[city.pk, "report_in"]),
                           {"note": "已安排执法队员"})
    assert response.status_code == 302

    time_machine.move_to(start + timedelta(hours=25))  # past the 24-hour report-in deadline
    client.force_login(housing_staff)
    response = client.post(reverse("matters:whistle_act", args=[building.pk, "report_in"]), {})
    assert response.status_code == 302

    city.refresh_from_db(), building.refresh_from_db()
    assert city.status == building.status == WhistleStatus.REPORTED
    assert not city.reported_late and building.reported_late
    as_role(client, world, Role.DISTRICT_OFFICER)
    html = client.get(reverse("matters:detail", args=[matter.pk])).content.decode()
    assert html.count('data-late="report"') == 1
    row = html[html.index(f'data-whistle="{building.pk}"'):]
    assert row.index('data-late="report"') < row.index("</tr>")
    assert html.count('data-event="escalated"') == 2
    assert "涉及多个小区，需要街道协调" in html


def test_department_answers_from_its_inbox(client, world, new_matter):
    matter = new_matter()
    services.escalate(matter, by=world.by_role[Role.DISTRICT_OFFICER], to_level=Level.DISTRICT,
                      reason="直接上报")
    services.whistle(matter, by=world.by_role[Role.DISTRICT_OFFICER],
                     departments=[world.department])
    item = Whistle.objects.get(matter=matter)
    as_role(client, world, Role.DEPARTMENT_STAFF)

    empty = client.post(reverse("matters:whistle_act", args=[item.pk, "answer"]), {"answer": " "})
    assert empty.status_code == 400
    done = client.post(reverse("matters:whistle_act", args=[item.pk, "answer"]),
                       {"answer": "已拆除违建", "back": "detail"})

    assert done.status_code == 302 and done.url == reverse("matters:detail", args=[matter.pk])
    item.refresh_from_db()
    assert (item.status, item.answer) == (WhistleStatus.ANSWERED, "已拆除违建")
    assert client.get(reverse("matters:inbox")).context["whistle_rows"] == []


def test_other_departments_cannot_touch_a_whistle(client, world, new_matter):
    matter = new_matter()
    services.escalate(matter, by=world.by_role[Role.DISTRICT_OFFICER], to_level=Level.DISTRICT,
                      reason="直接上报")
    services.whistle(matter, by=world.by_role[Role.DISTRICT_OFFICER],
                     departments=[world.department])
    item = Whistle.objects.get(matter=matter)
    as_role(client, world, Role.GRID_WORKER)
    response = client.post(reverse("matters:whistle_act", args=[item.pk, "report_in"]), {})
    assert response.status_code == 404


# --- resolve --------------------------------------------------------------------------------------


def test_grid_worker_resolves_with_a_photo_through_the_page(client, world, new_matter):
    matter = new_matter()
    services.triage(matter, by=world.by_role[Role.GRID_WORKER], kind=Kind.IMMEDIATE)
    as_role(client, world, Role.GRID_WORKER)

    response = client.post(reverse("matters:act", args=[matter.pk, "resolve"]), {
        "what_was_done": "清理了东门口的电动车，划定了停放区",
        "basis": "《物业管理条例》第四十五条",
        "standard": "消防通道畅通",
        "photos": [png("after.png")],
    })

    assert response.status_code == 302
    matter.refresh_from_db()
    assert matter.status == Status.RESOLVED
    photo = Photo.objects.get(matter=matter)
    assert photo.event.action == "resolved"
    html = client.get(reverse("matters:detail", args=[matter.pk])).content.decode()
    assert reverse("matters:photo", args=[photo.pk]) in html
    assert "消防通道畅通" in html


def test_resolve_without_a_basis_shows_a_message_and_changes_nothing(client, world, new_matter):
    matter = new_matter()
    services.triage(matter, by=world.by_role[Role.GRID_WORKER], kind=Kind.IMMEDIATE)
    as_role(client, world, Role.GRID_WORKER)

    response = act(client, matter, "resolve", what_was_done="处理了", basis="",
                   standard="畅通")

    assert response.status_code == 400
    assert error_messages(response)
    form = next(i["form"] for i in response.context["action_forms"] if i["action"] == "resolve")
    assert "basis" in form.errors
    matter.refresh_from_db()
    assert matter.status == Status.IN_PROGRESS
    assert not Resolution.objects.filter(matter=matter).exists()


def test_a_bad_photo_is_refused_on_the_form_and_nothing_is_stored(client, world, new_matter):
    matter = new_matter()
    services.triage(matter, by=world.by_role[Role.GRID_WORKER], kind=Kind.IMMEDIATE)
    as_role(client, world, Role.GRID_WORKER)
    fake = SimpleUploadedFile("fake.png", b"not an image at all", content_type="image/png")

    response = client.post(reverse("matters:act", args=[matter.pk, "resolve"]), {
        "what_was_done": "处理了", "basis": "条例", "standard": "畅通", "photos": [fake]})

    assert response.status_code == 400
    form = next(i["form"] for i in response.context["action_forms"] if i["action"] == "resolve")
    assert form.non_field_errors()
    matter.refresh_from_db()
    assert matter.status == Status.IN_PROGRESS
    assert not Resolution.objects.filter(matter=matter).exists()


def test_park_defaults_to_the_next_deliberation_day(client, world, new_matter):
    from tongxin.deadlines.policy import next_deliberation_day

    matter = new_matter()
    services.triage(matter, by=world.by_role[Role.GRID_WORKER], kind=Kind.PENDING)
    as_role(client, world, Role.GRID_WORKER)

    assert act(client, matter, "park", note="提交党群议事日").status_code == 302

    matter.refresh_from_db()
    assert matter.status == Status.AWAITING_DELIBERATION
    assert matter.deliberation_on == next_deliberation_day(world.district)


# --- record on a resident's behalf ----------------------------------------------------------------


def test_grid_worker_records_a_visit_on_a_residents_behalf(client, world, parking):
    worker = as_role(client, world, Role.GRID_WORKER)
    found = client.get(reverse("matters:record"), {"q": "张小明"}, HTTP_HX_REQUEST="true")
    assert [row["person"] for row in found.context["results"]] == [world.resident]

    response = client.post(reverse("matters:record"), {
        "reporter": world.resident.pk, "channel": Channel.VISIT, "level": Level.GRID,
        "place": "", "title": "楼道堆物", "description": "一楼楼道堆满了纸箱。",
        "category": parking.pk, "idempotency_key": "visit-1",
    })

    assert response.status_code == 302
    matter = Matter.objects.get(created_by=worker, idempotency_key="visit-1")
    assert (matter.reporter, matter.channel, matter.place) == (
        world.resident, Channel.VISIT, world.b1)
    assert response.url == reverse("matters:detail", args=[matter.pk])
    again = client.post(reverse("matters:record"), {
        "reporter": world.resident.pk, "channel": Channel.VISIT, "level": Level.GRID,
        "title": "楼道堆物", "description": "一楼楼道堆满了纸箱。",
        "category": parking.pk, "idempotency_key": "visit-1",
    })
    assert again.url == response.url  # a double tap files once
    assert Matter.objects.filter(created_by=worker).count() == 1


def test_a_walk_in_needs_a_place(client, world, parking):
    as_role(client, world, Role.GRID_WORKER)
    data = {"contact_name": "路人", "channel": Channel.HALL, "level": Level.GRID,
            "title": "井盖松动", "description": "路口井盖松动。", "category": parking.pk}

    missing = client.post(reverse("matters:record"), data)
    recorded = client.post(reverse("matters:record"), {**data, "place": world.b1.code})

    assert missing.status_code == 400 and "place" in missing.context["form"].errors
    assert recorded.status_code == 302
    matter = Matter.objects.get(title="井盖松动")
    assert (matter.reporter, matter.contact_name, matter.channel) == (None, "路人", Channel.HALL)


def test_residents_cannot_record_for_others(client, world):
    client.force_login(world.resident)
    assert client.get(reverse("matters:record")).status_code == 403


# --- merge ----------------------------------------------------------------------------------------


def test_merging_a_duplicate_moves_its_supporters(client, world, new_matter):
    original = new_matter()
    duplicate = new_matter(title="东门电动车太多", by=world.neighbour)
    services.support(duplicate, by=world.same_compound)
    as_role(client, world, Role.GRID_WORKER)

    response = act(client, duplicate, "merge", into=original.number)

    assert response.status_code == 302
    duplicate.refresh_from_db(), original.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into) == (Status.MERGED, original)
    assert set(original.supports.values_list("person", flat=True)) == {
        world.neighbour.pk, world.same_compound.pk}
    assert original.supporter_count == 2


def test_merging_into_an_unknown_number_is_refused_on_the_form(client, world, new_matter):
    duplicate = new_matter()
    as_role(client, world, Role.GRID_WORKER)
    response = act(client, duplicate, "merge", into="1999-999999")
    assert response.status_code == 400
    duplicate.refresh_from_db()
    assert duplicate.status == Status.NEW


# --- photos ---------------------------------------------------------------------------------------


def test_photos_are_served_only_to_those_who_see_the_matter(client, world, new_matter):
    matter = new_matter(photos=[png()])
    photo = Photo.objects.get(matter=matter)
    url = reverse("matters:photo", args=[photo.pk])

    client.force_login(world.resident)
    mine = client.get(url)
    as_role(client, world, Role.GRID_WORKER)
    worker = client.get(url)
    client.force_login(world.same_community)  # lives in the other compound
    stranger = client.get(url)

    assert mine.status_code == worker.status_code == 200
    assert mine["Content-Type"] == "image/jpeg"
    assert b"".join(mine.streaming_content)[:2] == b"\xff\xd8"
    assert stranger.status_code == 404
