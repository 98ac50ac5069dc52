"""Phone and ID numbers typed into the rest of a matter's free text (the result, the
timeline's notes: rating comments, reopen and escalation reasons, inspection notes) are
masked for whoever may not see the raiser's contacts whole, on the pages and the API from
one selector; the compound board (公示栏) always shows the public scrub (numbers, flats
and names) (issue 16, item 2)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tongxin.api.tokens import issue_token
from tongxin.matters import services
from tongxin.matters.choices import Kind, Satisfaction
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db

RESULT = "已回电张小明13900000001确认"
BASIS = "《物业管理条例》，联系人13800100001"
STANDARD = "消防通道畅通"
COMMENT = "请回电13912345678，身份证110105198503120041"
WHOLE = ("13900000001", "13912345678", "110105198503120041", "13800100001")
RESULT_MASKED = "已回电张小明139****0001确认"
COMMENT_MASKED = "请回电139****5678，身份证110***********0041"
MASKED_ROLES = [Role.BUILDING_HEAD, Role.LEGAL_ADVISER, Role.STREET_OFFICER,
                Role.DISTRICT_OFFICER]


def api(person):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(person)[1]}")
    return client


@pytest.fixture
def resolved(world, new_matter):
    """A matter a grid worker resolved with the reporter's name and number in the result."""
    matter = new_matter(title="东门电动车乱停放", description="东门口每天晚上堆满电动车。")
    grid_worker = world.by_role[Role.GRID_WORKER]
    services.triage(matter, by=grid_worker, kind=Kind.IMMEDIATE)
    services.resolve(matter, by=grid_worker, what_was_done=RESULT, basis=BASIS,
                     standard=STANDARD)
    return matter


@pytest.fixture
def rated(world, resolved):
    """…and rated unsatisfied by its reporter with their numbers in the comment."""
    services.rate(resolved, by=world.resident, satisfaction=Satisfaction.UNSATISFIED,
                  comment=COMMENT)
    return resolved


def no_whole_number(text):
    assert not [n for n in WHOLE if n in text], [n for n in WHOLE if n in text]


# --- the matter page --------------------------------------------------------------------------


@pytest.mark.parametrize("role", MASKED_ROLES)
def test_the_matter_page_masks_the_result_and_the_timeline_notes(client, world, rated, role):
    client.force_login(world.by_role[role])

    response = client.get(reverse("matters:detail", args=[rated.pk]))

    page = response.content.decode()
    no_whole_number(page)
    assert RESULT_MASKED in page  # the result (and the "resolved" step's note)
    assert COMMENT_MASKED in page  # the rating comment on the timeline
    notes = [item.note for item in response.context["timeline"]]
    assert RESULT_MASKED in notes and COMMENT_MASKED in notes
    (result,) = response.context["resolutions"]
    assert (result.what_was_done, result.basis) == (RESULT_MASKED,
                                                     "《物业管理条例》，联系人138****0001")


@pytest.mark.parametrize("person", ["resident", Role.GRID_WORKER])
def test_the_reporter_and_the_grid_worker_see_the_result_and_notes_whole(
        client, world, rated, person):
    client.force_login(world.resident if person == "resident" else world.by_role[person])

    page = client.get(reverse("matters:detail", args=[rated.pk])).content.decode()

    assert RESULT in page and COMMENT in page and BASIS in page


def test_an_escalation_reason_is_masked_in_its_summary(client, world, new_matter):
    matter = new_matter(title="东门电动车乱停放", description="东门口每天晚上堆满电动车。")
    grid_worker = world.by_role[Role.GRID_WORKER]
    services.triage(matter, by=grid_worker, kind=Kind.PENDING)
    services.escalate(matter, by=grid_worker, reason="住户13900000001多次反映，需社区协调")
    client.force_login(world.by_role[Role.STREET_OFFICER])

    response = client.get(reverse("matters:detail", args=[matter.pk]))

    page = response.content.decode()
    assert "13900000001" not in page
    assert "住户139****0001多次反映" in page
    summaries = " ".join(item.summary for item in response.context["timeline"])
    assert "139****0001" in summaries and "13900000001" not in summaries


# --- the API ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", MASKED_ROLES)
def test_the_api_masks_the_results_and_the_timeline(world, rated, role):
    body = api(world.by_role[role]).get(f"/api/v1/matters/{rated.pk}/").json()

    no_whole_number(str(body))
    (result,) = body["resolutions"]
    assert result["what_was_done"] == RESULT_MASKED
    notes = [event["note"] for event in body["timeline"]]
    assert RESULT_MASKED in notes and COMMENT_MASKED in notes


@pytest.mark.parametrize("person", ["resident", Role.GRID_WORKER])
def test_the_api_shows_the_reporter_and_the_grid_worker_the_text_whole(world, rated, person):
    viewer = world.resident if person == "resident" else world.by_role[person]

    body = api(viewer).get(f"/api/v1/matters/{rated.pk}/").json()

    assert body["resolutions"][0]["what_was_done"] == RESULT
    assert body["resolutions"][0]["basis"] == BASIS
    assert COMMENT in [event["note"] for event in body["timeline"]]


# --- the compound board -----------------------------------------------------------------------


def test_the_board_shows_a_neighbour_the_result_without_numbers_or_names(
        client, world, resolved):
    client.force_login(world.neighbour)

    response = client.get(reverse("matters:board", args=[world.compound_a1a.code]))

    page = response.content.decode()
    assert response.status_code == 200 and f'id="matter-{resolved.pk}"' in page
    no_whole_number(page)
    assert "张小明" not in page
    assert "已回电***139****0001确认" in page


def test_the_board_scrubs_flats_and_names_in_every_result_field(client, world, new_matter):
    matter = new_matter(title="1单元301门口电动车乱停", description="东门口每天晚上堆满电动车。")
    grid_worker = world.by_role[Role.GRID_WORKER]
    services.triage(matter, by=grid_worker, kind=Kind.IMMEDIATE)
    services.resolve(matter, by=grid_worker, what_was_done="与1单元301王师傅沟通后清理",
                     basis="我叫张小明，电话138 0010 0001", standard="消防通道畅通")
    # Even the raiser reads the public board as the public does.
    client.force_login(world.resident)

    page = client.get(reverse("matters:board", args=[world.compound_a1a.code])).content.decode()
    page = page.split(f'id="matter-{matter.pk}"')[1].split("</article>")[0]  # not the header

    for whole in ("1单元301", "王师傅", "张小明", "138 0010 0001"):
        assert whole not in page, whole
    assert "与*单元***" in page and "*单元***门口" in page and "*师傅" in page and "138****0001" in page


# --- a department's answer to a whistle --------------------------------------------------------

ANSWER = "已联系住户13900000001，到场清理"
ANSWER_MASKED = "已联系住户139****0001，到场清理"


@pytest.fixture
def answered(world, new_matter):
    from tongxin.matters.choices import Level
    from tongxin.matters.models import Whistle

    matter = new_matter(title="东门电动车乱停放", description="东门口每天晚上堆满电动车。")
    services.escalate(matter, by=world.by_role[Role.GRID_WORKER], reason="需要区里协调",
                      to_level=Level.DISTRICT)
    services.whistle(matter, by=world.by_role[Role.DISTRICT_OFFICER],
                     departments=[world.department])
    whistle = Whistle.objects.get(matter=matter)
    staff = world.by_role[Role.DEPARTMENT_STAFF]
    services.report_in(whistle, by=staff)
    services.answer_whistle(whistle, by=staff, answer=ANSWER)
    return matter


@pytest.mark.parametrize("role", [Role.STREET_OFFICER, Role.DISTRICT_OFFICER])
def test_a_departments_answer_is_masked_on_the_page_the_api_and_the_whistle_list(
        client, world, answered, role):
    viewer = world.by_role[role]
    client.force_login(viewer)

    page = client.get(reverse("matters:detail", args=[answered.pk])).content.decode()
    body = api(viewer).get(f"/api/v1/matters/{answered.pk}/").json()
    listed = api(viewer).get("/api/v1/whistles/").json()

    assert "13900000001" not in page and ANSWER_MASKED in page
    assert [w["answer"] for w in body["whistles"]] == [ANSWER_MASKED]
    assert ANSWER_MASKED in [e["note"] for e in body["timeline"]]
    assert "13900000001" not in str(listed) and ANSWER_MASKED in str(listed)


def test_the_grid_worker_reads_the_departments_answer_whole(client, world, answered):
    grid_worker = world.by_role[Role.GRID_WORKER]
    client.force_login(grid_worker)

    page = client.get(reverse("matters:detail", args=[answered.pk])).content.decode()
    body = api(grid_worker).get(f"/api/v1/matters/{answered.pk}/").json()

    assert ANSWER in page
    assert [w["answer"] for w in body["whistles"]] == [ANSWER]


# --- inspection notes and reopen reasons ---------------------------------------------------------


def test_an_inspection_note_is_masked_on_the_page_and_the_api(client, world, resolved):
    services.inspect(resolved, by=world.by_role[Role.BUILDING_HEAD], passed=False,
                     note="门口仍堵着，住户13912345678说没人来")
    street = world.by_role[Role.STREET_OFFICER]
    client.force_login(street)

    page = client.get(reverse("matters:detail", args=[resolved.pk])).content.decode()
    body = api(street).get(f"/api/v1/matters/{resolved.pk}/").json()

    masked = "门口仍堵着，住户139****5678说没人来"
    assert "13912345678" not in page and masked in page
    assert [i["note"] for i in body["resolutions"][0]["inspections"]] == [masked]
    assert masked in [event["note"] for event in body["timeline"]]
    assert "13912345678" not in str(body)


def test_a_reopen_reason_is_masked_for_a_legal_adviser_and_whole_for_the_reporter(
        client, world, resolved):
    services.rate(resolved, by=world.resident, satisfaction=Satisfaction.SATISFIED)
    services.reopen(resolved, by=world.resident, reason="又堵了，回电13912345678")

    client.force_login(world.by_role[Role.LEGAL_ADVISER])
    masked = client.get(reverse("matters:detail", args=[resolved.pk])).content.decode()
    client.force_login(world.resident)
    whole = client.get(reverse("matters:detail", args=[resolved.pk])).content.decode()

    assert "13912345678" not in masked and "又堵了，回电139****5678" in masked
    assert "又堵了，回电13912345678" in whole
