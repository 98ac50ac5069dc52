"""The matter loop through the API: raise, the action endpoints, refusals with stable codes
in the caller's language, nothing stored when refused, and a list that does not grow
queries with its length."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from tongxin.matters.choices import Status
from tongxin.matters.models import Matter, MatterEvent, Support
from tongxin.notices.models import Notice
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db


def body(parking, **fields):
    return {"title": "东门电动车乱停放", "description": "每天晚上堆满电动车，消防通道被堵。",
            "category": parking.pk, **fields}


def test_raising_twice_with_one_idempotency_key_files_one_matter(world, parking, api):
    client = api(world.resident)

    first = client.post("/api/v1/matters/", body(parking), format="json",
                        HTTP_IDEMPOTENCY_KEY="tap-1")
    again = client.post("/api/v1/matters/", body(parking), format="json",
                        HTTP_IDEMPOTENCY_KEY="tap-1")
    other = client.post("/api/v1/matters/", body(parking), format="json",
                        HTTP_IDEMPOTENCY_KEY="tap-2")

    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 201)
    assert first.json()["id"] == again.json()["id"] != other.json()["id"]
    assert Matter.objects.filter(created_by=world.resident).count() == 2
    assert first.json()["status"] == "new"
    assert first.json()["place"]["code"] == world.b1.code  # the resident's own building


def test_the_loop_through_the_action_endpoints(world, parking, api):
    resident, grid = api(world.resident), api(world.by_role[Role.GRID_WORKER])
    officer, department = api(world.by_role[Role.DISTRICT_OFFICER]), api(
        world.by_role[Role.DEPARTMENT_STAFF])
    pk = resident.post("/api/v1/matters/", body(parking), format="json").json()["id"]
    url = f"/api/v1/matters/{pk}/actions"

    heard = grid.post(f"{url}/triage/", {"kind": "pending", "note": "需协调"}, format="json")
    assert heard.status_code == 200, heard.json()
    assert heard.json()["status"] == "in_progress"
    assert "escalate" in heard.json()["allowed_actions"]

    up = grid.post(f"{url}/escalate/", {"reason": "需要职能部门", "to_level": "district"},
                   format="json")
    assert up.json()["owner_level"] == "district"

    assert "whistle" in officer.get(f"/api/v1/matters/{pk}/").json()["allowed_actions"]
    whistled = officer.post(f"{url}/whistle/", {"departments": [world.department.pk]},
                            format="json")
    assert whistled.json()["status"] == "whistled"
    whistle = whistled.json()["whistles"][0]
    assert whistle["department"]["name"] == "城管局"

    reported = department.post(f"/api/v1/whistles/{whistle['id']}/report-in/",
                               {"note": "已到现场"}, format="json")
    assert reported.status_code == 200
    assert reported.json()["status"] == "reported"
    answered = department.post(f"/api/v1/whistles/{whistle['id']}/answer/",
                               {"answer": "已清理违停车辆"}, format="json")
    assert answered.json()["status"] == "answered"

    resolved = officer.post(f"{url}/resolve/", {
        "what_was_done": "清理电动车并划线", "basis": "消防法", "standard": "通道畅通"},
        format="json")
    assert resolved.json()["status"] == "resolved"
    assert resolved.json()["resolutions"][0]["what_was_done"] == "清理电动车并划线"

    mine = resident.get(f"/api/v1/matters/{pk}/").json()
    assert {"rate", "rate_ok", "rate_unsatisfied"} <= set(mine["allowed_actions"])
    rated = resident.post(f"{url}/rate/", {"satisfaction": "satisfied"}, format="json")
    assert rated.status_code == 200
    assert rated.json()["status"] == "closed"
    assert rated.json()["satisfaction"] == "satisfied"
    assert [e["action"] for e in rated.json()["timeline"]] == [
        "raised", "triaged", "escalated", "whistled", "department_reported",
        "department_answered", "resolved", "rated"]


def test_an_action_the_caller_may_not_take_is_403_with_its_code(world, new_matter, api):
    matter = new_matter()

    response = api(world.resident).post(f"/api/v1/matters/{matter.pk}/actions/triage/",
                                        {"kind": "immediate"}, format="json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_allowed"
    assert response.json()["error"]["message"] == "您无权对此诉求执行“听事分拣”。"


def test_an_action_in_the_wrong_state_is_409_with_its_code(world, new_matter, api):
    matter = new_matter()

    response = api(world.resident, language="en").post(
        f"/api/v1/matters/{matter.pk}/actions/rate/", {"satisfaction": "satisfied"},
        format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_now"
    assert "is not possible while the matter is" in response.json()["error"]["message"]


def test_bad_input_is_400_with_a_chinese_message_by_default(world, new_matter, api):
    matter = new_matter()

    response = api(world.by_role[Role.GRID_WORKER]).post(
        f"/api/v1/matters/{matter.pk}/actions/triage/", {"kind": "bogus"}, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"] == {"kind": ["“bogus” 不是合法选项。"]}
    assert error["message"] == "kind：“bogus” 不是合法选项。"


def test_bad_input_is_explained_in_english_on_request(world, new_matter, api):
    matter = new_matter()

    response = api(world.by_role[Role.GRID_WORKER], language="en").post(
        f"/api/v1/matters/{matter.pk}/actions/triage/", {"kind": "bogus"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"kind": ['"bogus" is not a valid choice.']}


@pytest.mark.parametrize(("language", "message"), [
    (None, "请填写标题。"), ("en", "Please fill in the title."), ("zh-hant", "請填寫標題。")])
def test_a_service_refusal_keeps_its_code_and_speaks_the_callers_language(
        world, parking, api, language, message):
    response = api(world.resident, language=language).post(
        "/api/v1/matters/", body(parking, title="\u200b"), format="json")

    assert response.status_code == 400
    assert response.json()["error"] == {"code": "title_required", "message": message,
                                        "fields": {"title": [message]}}


def test_nothing_is_stored_when_a_request_is_refused(world, parking, new_matter, api):
    matter = new_matter()
    grid = api(world.by_role[Role.GRID_WORKER])
    before = (Matter.objects.count(), MatterEvent.objects.count(), Notice.objects.count())

    refused = [
        api(world.resident).post("/api/v1/matters/", body(parking, title=""), format="json"),
        api(world.resident).post("/api/v1/matters/", body(parking, place=world.h6.code),
                                 format="json"),
        grid.post(f"/api/v1/matters/{matter.pk}/actions/triage/",
                  {"kind": "immediate", "category": 999999}, format="json"),
        grid.post(f"/api/v1/matters/{matter.pk}/actions/escalate/", {"reason": " "},
                  format="json"),
        grid.post(f"/api/v1/matters/{matter.pk}/actions/resolve/", {}, format="json"),
        api(world.by_role[Role.DISTRICT_OFFICER]).post(
            f"/api/v1/matters/{matter.pk}/actions/whistle/", {"departments": [999999]},
            format="json"),
    ]

    assert [r.status_code for r in refused] == [400, 403, 400, 400, 409, 409]
    assert [r.json()["error"]["code"] for r in refused] == [
        "invalid", "place_not_allowed", "bad_category", "invalid", "not_now", "not_now"]
    assert (Matter.objects.count(), MatterEvent.objects.count(),
            Notice.objects.count()) == before
    matter.refresh_from_db()
    assert matter.status == Status.NEW


def test_a_refused_whistle_names_the_field(world, new_matter, api):
    matter = new_matter()
    officer = api(world.by_role[Role.DISTRICT_OFFICER])
    officer.post(f"/api/v1/matters/{matter.pk}/actions/escalate/",
                 {"reason": "区级", "to_level": "district"}, format="json")
    officer.post(f"/api/v1/matters/{matter.pk}/actions/triage/", {"kind": "pending"},
                 format="json")

    response = officer.post(f"/api/v1/matters/{matter.pk}/actions/whistle/",
                            {"departments": [999999]}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_department"
    assert list(response.json()["error"]["fields"]) == ["departments"]


def test_neighbours_support_a_matter_once_and_not_their_own(world, new_matter, api):
    matter = new_matter()

    supported = api(world.neighbour).post(f"/api/v1/matters/{matter.pk}/support/")
    api(world.neighbour).post(f"/api/v1/matters/{matter.pk}/support/")
    own = api(world.resident).post(f"/api/v1/matters/{matter.pk}/support/")
    far = api(world.other_street).post(f"/api/v1/matters/{matter.pk}/support/")

    assert supported.status_code == 200
    assert supported.json()["supporter_count"] == 1
    assert Support.objects.filter(matter=matter).count() == 1
    assert (own.status_code, own.json()["error"]["code"]) == (400, "own_matter")
    assert far.status_code == 404


def test_notices_are_the_callers_own_and_can_be_marked_read(world, new_matter, api):
    new_matter()
    client = api(world.resident)

    notices = client.get("/api/v1/notices/", {"unread": "true"}).json()["results"]
    read = client.post(f"/api/v1/notices/{notices[0]['id']}/read/")
    someone_elses = Notice.objects.exclude(recipient=world.resident).first()

    assert notices[0]["text"].startswith("您的诉求")
    assert read.status_code == 200 and read.json()["read_at"]
    assert client.post(f"/api/v1/notices/{someone_elses.pk}/read/").status_code == 404
    assert client.post("/api/v1/notices/read-all/").json() == {"marked": len(notices) - 1}


def jpeg():
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, format="JPEG")
    out.seek(0)
    out.name = "lamp.jpg"
    return out


def test_photos_come_with_a_multipart_raise_and_are_served_to_who_may_see(world, parking, api):
    client = api(world.resident)

    response = client.post("/api/v1/matters/", {**body(parking), "photos": [jpeg()]},
                           format="multipart")

    assert response.status_code == 201, response.json()
    photo = response.json()["photos"][0]
    assert (photo["width"], photo["height"]) == (40, 30)
    image = client.get(photo["url"])
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert api(world.other_street).get(photo["url"]).status_code == 404


def test_photos_too_large_together_are_refused_with_a_400_and_nothing_stored(
        world, parking, api, settings):
    """Nine 6300x6300 PNGs: refused from their headers, before any is decoded."""
    settings.TONGXIN_PHOTO_MAX_DECODED_PIXELS = 60_000_000
    side = Image.new("L", (6300, 6300))
    data = io.BytesIO()
    side.save(data, format="PNG")
    photos = []
    for n in range(9):
        out = io.BytesIO(data.getvalue())
        out.name = f"{n}.png"
        photos.append(out)
    before = Matter.objects.count()

    response = api(world.resident).post("/api/v1/matters/", {**body(parking), "photos": photos},
                                        format="multipart")

    assert response.status_code == 400, response.json()
    assert "photos" in str(response.json())
    assert Matter.objects.count() == before


def test_a_huge_or_unknown_id_is_404(world, api):
    client = api(world.by_role[Role.DISTRICT_OFFICER])

    assert client.get("/api/v1/matters/99999999999999999999999/").status_code == 404
    assert client.get("/api/v1/matters/abc/").status_code == 404


def test_the_matter_list_query_count_does_not_grow_with_the_list(world, parking, new_matter,
                                                                 api):
    client = api(world.by_role[Role.DISTRICT_OFFICER])

    def queries_for(total):
        while Matter.objects.count() < total:
            new_matter(title=f"第{Matter.objects.count()}件")
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/matters/", {"page_size": 100})
        assert response.json()["count"] == total
        return len(queries)

    assert queries_for(5) == queries_for(40)


def test_the_list_filters_by_status_place_and_title(world, new_matter, api):
    first = new_matter(title="楼道灯坏了")
    new_matter(by=world.other_street, title="路面破损")
    client = api(world.by_role[Role.DISTRICT_OFFICER])

    def listed(**params):
        return [m["id"] for m in client.get("/api/v1/matters/", params).json()["results"]]

    assert listed(q="楼道") == [first.pk]
    assert listed(place=world.compound_a1a.code) == [first.pk]
    assert len(listed(status="new")) == 2
    assert listed(status="closed") == []
    bad = client.get("/api/v1/matters/", {"status": "nope", "place": "x"})
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) == {"status", "place"}
