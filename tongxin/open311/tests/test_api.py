"""The Open311 endpoints through Django's test client: every refusal in the spec's error
format and status, the 90-day window, jurisdictions and keys, what is shown and what
never is. Every answer is checked against the schemas (tests/checks.py)."""

import json
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from tongxin.api.keys import revoke_key
from tongxin.matters import services as matters
from tongxin.matters.choices import Kind, RejectReason
from tongxin.matters.models import Matter
from tongxin.open311 import views
from tongxin.open311.tests.checks import check_response
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db

FORMATS = ["json", "xml"]
BASE = "/open311/v2/"


def call(client, method, path, fmt, data=None, **headers):
    """Send one request, check its answer against the schemas and return (status, items)."""
    url = f"{BASE}{path}.{fmt}"
    send = client.post if method == "POST" else client.get
    response = send(url, data or {}, headers=headers)
    check_response(method, url, response.status_code, response["Content-Type"],
                   response.content)
    return response.status_code, items(response.content, fmt)


def items(body, fmt):
    """Return a list answer as a list of {field: text} in either format (a dict answer as is)."""
    if fmt == "json":
        return json.loads(body)
    root = ET.fromstring(body)
    if root.tag in ("service_definition", "discovery"):
        return root
    return [{child.tag: child.text for child in item} for item in root]


def descriptions(answer):
    return " ".join(str(e["description"]) for e in answer)


@pytest.fixture
def english(client):
    """Read error descriptions in English, the source language (Chinese is the default)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_errors_are_described_in_chinese_by_default(client, form):
    status, answer = call(client, "POST", "requests", "json", {**form, "service_code": ""})
    assert status == 400 and descriptions(answer) == "未提供 service_code。"


@pytest.fixture
def parking_service(categories):
    return categories["停车管理"]


@pytest.fixture
def form(world, keys, parking_service):
    """A valid POST body: filed where the key's default place is."""
    return {"api_key": keys.text, "jurisdiction_id": world.district.code,
            "service_code": str(parking_service.pk), "lat": "31.2304", "long": "121.4737",
            "description": "东门电动车乱停"}


# --- POST requests -------------------------------------------------------------------------


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("change", "status", "says"), [
    ({"service_code": ""}, 400, "service_code was not provided"),
    ({"description": "长" * 4001}, 400, "4000"),
    ({"long": ""}, 400, "lat and long"),
    ({"lat": "north", "long": "121"}, 400, "lat must be a number"),
    ({"lat": "91", "long": "121"}, 400, "lat must lie between"),
    ({"attribute[subcategory]": "999999"}, 400, "attribute[subcategory]"),
    ({"phone": "12345"}, 400, "12345"),
    ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
    ({"first_name": "名" * 40, "last_name": "姓" * 40}, 400, "first_name and last_name"),
    ({"lat": "", "long": ""}, 400, "A location is required"),
    ({"service_code": "999999"}, 404, "service_code provided was not found"),
    ({"service_code": "parking"}, 404, "service_code provided was not found"),
    ({"api_key": ""}, 403, "api_key was not provided"),
    ({"api_key": "nope.nope"}, 403, "api_key is invalid"),
    ({"jurisdiction_id": "000000"}, 404, "jurisdiction_id provided was not found"),
])
def test_a_malformed_post_gets_the_specs_error_and_files_nothing(
        client, form, fmt, change, status, says):
    code, answer = call(client, "POST", "requests", fmt, {**form, **change})

    assert code == status
    assert [int(e["code"]) for e in answer] == [status] * len(answer)
    assert says in descriptions(answer)
    assert not Matter.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_problem_of_a_post_is_listed_at_once(client, form, fmt):
    code, answer = call(client, "POST", "requests", fmt,
                        {**form, "long": "", "description": "长" * 4001})

    assert code == 400
    assert len(answer) == 2


def test_an_address_id_must_be_a_community_compound_or_building_of_the_jurisdiction(
        client, form, world, keys):
    for place in (keys.other_compound, world.h1, world.street_a, world.g1):
        code, answer = call(client, "POST", "requests", "json",
                            {**form, "address_id": place.code})
        assert code == 400, place
        assert place.code in descriptions(answer)

    code, answer = call(client, "POST", "requests", "json", {**form, "address_id": world.b2.code})

    assert code == 201
    assert Matter.objects.get(pk=answer[0]["service_request_id"]).place == world.b2


def test_a_key_without_a_default_place_needs_an_address_id(client, form, keys, world):
    code, answer = call(client, "POST", "requests", "json", {**form, "api_key": keys.bare_text})
    assert code == 400 and "address_id" in descriptions(answer)

    code, answer = call(client, "POST", "requests", "json",
                        {**form, "api_key": keys.bare_text, "address_id": world.b1.code,
                         "lat": "", "long": ""})
    assert code == 201


def test_a_revoked_key_files_nothing(client, form, keys):
    revoke_key(keys.key)

    code, answer = call(client, "POST", "requests", "json", form)

    assert code == 403 and not Matter.objects.exists()


def test_a_post_without_jurisdiction_id_files_in_the_keys_district(client, form, world):
    del form["jurisdiction_id"]

    code, answer = call(client, "POST", "requests", "xml", form)

    assert code == 201
    assert Matter.objects.get(pk=answer[0]["service_request_id"]).district == world.district


def test_a_post_without_a_description_is_titled_by_its_service(
        client, form, categories, parking_service):
    kind = categories["乱停乱放"]
    code, answer = call(client, "POST", "requests", "json",
                        {**form, "description": "", "attribute[subcategory]": str(kind.pk)})

    assert code == 201
    matter = Matter.objects.get(pk=answer[0]["service_request_id"])
    assert (matter.title, matter.description, matter.category) == ("乱停乱放", "乱停乱放", kind)


def test_a_long_description_gives_a_short_title(client, form):
    code, answer = call(client, "POST", "requests", "json",
                        {**form, "description": "东门" * 40 + "\n第二行"})

    matter = Matter.objects.get(pk=answer[0]["service_request_id"])
    assert len(matter.title) == 30 and matter.title.endswith("…")
    assert matter.description.endswith("第二行")


def test_the_same_idempotency_key_files_once_per_key(client, form, keys):
    first = call(client, "POST", "requests", "json", form, **{"Idempotency-Key": "k1"})
    again = call(client, "POST", "requests", "json", form, **{"Idempotency-Key": "k1"})
    # The same account behind another key is another client: its k1 is its own.
    other = call(client, "POST", "requests", "json", {**form, "api_key": keys.bare_text,
                                                      "address_id": keys.key.default_place.code},
                 **{"Idempotency-Key": "k1"})

    assert first[1][0]["service_request_id"] == again[1][0]["service_request_id"]
    assert other[1][0]["service_request_id"] != first[1][0]["service_request_id"]
    assert Matter.objects.count() == 2


def test_a_key_whose_account_may_not_raise_there_is_forbidden(client, form, world, keys):
    keys.key.account = world.by_role[Role.PROPERTY_STAFF]  # no recording role
    keys.key.save(update_fields=["account"])

    code, answer = call(client, "POST", "requests", "json", form)

    assert code == 403 and not Matter.objects.exists()


# --- jurisdictions and keys on reading ------------------------------------------------------


READS = ["services", "requests", "servicerequestupdates"]


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("path", READS)
def test_a_key_of_another_district_cannot_read_this_one(client, world, keys, fmt, path):
    code, answer = call(client, "GET", path, fmt, {
        "jurisdiction_id": world.district.code, "api_key": keys.other_text})

    assert code == 403
    assert "jurisdiction" in descriptions(answer)


def test_a_key_of_another_district_cannot_read_one_request_or_definition(
        client, world, keys, new_matter, parking_service):
    matter = new_matter()
    refused = {"jurisdiction_id": world.district.code, "api_key": keys.other_text}
    assert call(client, "GET", f"requests/{matter.pk}", "json", refused)[0] == 403
    assert call(client, "GET", f"services/{parking_service.pk}", "json", refused)[0] == 403
    # In its own jurisdiction the request simply is not there.
    own = {"jurisdiction_id": keys.other_district.code, "api_key": keys.other_text}
    assert call(client, "GET", f"requests/{matter.pk}", "json", own)[0] == 404
    assert call(client, "GET", "services", "json", own) == (200, [])


def test_a_wrong_key_on_a_read_is_refused_rather_than_ignored(client, world):
    code, answer = call(client, "GET", "services", "json",
                        {"jurisdiction_id": world.district.code, "api_key": "x.y"})
    assert code == 403


@pytest.mark.usefixtures("english")
def test_reading_without_jurisdiction_id_needs_one_once_there_are_two_districts(
        client, world, categories):
    assert call(client, "GET", "services", "json")[0] == 200
    from tongxin.open311.tests.conftest import issue_keys

    issue_keys(world)

    code, answer = call(client, "GET", "services", "xml")
    assert code == 400 and "jurisdiction_id was not provided" in descriptions(answer)


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_jurisdiction_or_request_or_service_is_not_found(client, world, fmt):
    assert call(client, "GET", "services", fmt, {"jurisdiction_id": "000000"})[0] == 404
    jurisdiction = {"jurisdiction_id": world.district.code}
    assert call(client, "GET", "requests/424242", fmt, jurisdiction)[0] == 404
    assert call(client, "GET", "requests/abc", fmt, jurisdiction)[0] == 404
    assert call(client, "GET", "services/424242", fmt, jurisdiction)[0] == 404
    assert call(client, "GET", "tokens/nothing", fmt, jurisdiction)[0] == 404


# --- GET requests: the window, filters, statuses ----------------------------------------------


def at(days):
    return (timezone.now() + timedelta(days=days)).isoformat(timespec="seconds")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("path", ["requests", "servicerequestupdates"])
@pytest.mark.parametrize(("start", "end", "status"), [
    (-100, 0, 400),  # wider than 90 days
    (0, -1, 400),  # ends before it starts
    (-90, 0, 200),
    (-10, None, 200),
    (None, 0, 200),
])
def test_the_window_may_not_span_more_than_90_days(client, world, fmt, path, start, end,
                                                    status):
    params = {"jurisdiction_id": world.district.code}
    if start is not None:
        params["start_date"] = at(start)
    if end is not None:
        params["end_date"] = at(end)

    code, answer = call(client, "GET", path, fmt, params)

    assert code == status
    if status == 400:
        assert answer[0]["description"]


@pytest.mark.parametrize("value", ["yesterday", "2026-13-40T00:00:00Z", "2026-11-23T99:00"])
def test_a_date_that_is_not_a_w3c_date_time_is_refused(client, world, value):
    code, answer = call(client, "GET", "requests", "json",
                        {"jurisdiction_id": world.district.code, "start_date": value})
    assert code == 400 and "start_date" in descriptions(answer)


def test_dates_may_be_days_z_times_or_offsets_even_with_an_unencoded_plus(
        client, world, new_matter):
    matter = new_matter()
    today = timezone.localdate().isoformat()
    for start, end in [(today, today), ("2026-01-01T00:00:00Z", None),
                       (f"{today}T00:00:00 08:00", None)]:
        params = {"jurisdiction_id": world.district.code, "start_date": start}
        if end:
            params["end_date"] = end
        query = "&".join(f"{k}={v}" for k, v in params.items())  # "+" left unencoded
        response = client.get(f"{BASE}requests.json?{query}")
        assert response.status_code == 200, (start, response.content)
        if start != "2026-01-01T00:00:00Z":
            assert [r["service_request_id"] for r in response.json()] == [str(matter.pk)]


def test_requests_default_to_the_last_90_days(client, world, new_matter):
    recent, old = new_matter(), new_matter(title="旧事")
    Matter.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=100))
    jurisdiction = {"jurisdiction_id": world.district.code}

    _code, listed = call(client, "GET", "requests", "json", jurisdiction)
    _code, earlier = call(client, "GET", "requests", "json",
                          {**jurisdiction, "start_date": at(-120), "end_date": at(-40)})
    _code, by_id = call(client, "GET", "requests", "json",
                        {**jurisdiction, "service_request_id": f"{old.pk},{recent.pk}",
                         "status": "closed"})

    assert [r["service_request_id"] for r in listed] == [str(recent.pk)]
    assert [r["service_request_id"] for r in earlier] == [str(old.pk)]
    # Asking by id overrides every other argument.
    assert {r["service_request_id"] for r in by_id} == {str(old.pk), str(recent.pk)}


def test_requests_filter_by_status_and_service_code(client, world, categories, new_matter):
    handler = world.by_role[Role.GRID_WORKER]
    parked = new_matter()
    closed = new_matter(title="路灯不亮", category=categories["路灯照明"])
    matters.triage(closed, by=handler, kind=Kind.IMMEDIATE)
    matters.close_unsolved(closed, by=handler, reason="供电部门无法排期")
    jurisdiction = {"jurisdiction_id": world.district.code}

    def ids(**params):
        code, answer = call(client, "GET", "requests", "xml", {**jurisdiction, **params})
        assert code == 200
        return [r["service_request_id"] for r in answer]

    assert ids(status="open") == [str(parked.pk)]
    assert ids(status="closed") == [str(closed.pk)]
    assert ids(status="open,closed") == [str(closed.pk), str(parked.pk)]
    assert ids(service_code=str(categories["停车管理"].pk)) == [str(parked.pk)]
    assert ids(service_code=f"{categories['停车管理'].pk},{categories['公共设施'].pk}") == [
        str(closed.pk), str(parked.pk)]
    assert call(client, "GET", "requests", "json", {**jurisdiction, "status": "pending"})[0] == 400
    assert call(client, "GET", "requests", "json",
                {**jurisdiction, "service_code": "abc"})[0] == 400
    assert call(client, "GET", "requests", "json",
                {**jurisdiction, "service_request_id": "1;2"})[0] == 400


def test_a_request_reads_as_the_spec_says(client, world, categories, new_matter):
    matter = new_matter(publish_consent=True)
    code, (answer,) = call(client, "GET", f"requests/{matter.pk}", "json",
                           {"jurisdiction_id": world.district.code})

    assert answer == {
        "service_request_id": str(matter.pk), "status": "open", "status_notes": "新提交",
        "service_name": "停车管理", "service_code": str(categories["停车管理"].pk),
        "description": matter.description, "agency_responsible": "第1网格",
        "service_notice": None,
        "requested_datetime": timezone.localtime(matter.created_at).isoformat("T", "seconds"),
        "updated_datetime": timezone.localtime(matter.created_at).isoformat("T", "seconds"),
        "expected_datetime": None, "address": "同心区 同心街道 红星社区 幸福小区",
        "address_id": world.compound_a1a.code, "zipcode": None, "lat": None, "long": None,
        "media_url": None,
    }
    assert answer["requested_datetime"].endswith("+08:00")


def test_status_notes_follow_the_language_asked_for(client, world, new_matter):
    matter = new_matter()
    response = client.get(f"{BASE}requests/{matter.pk}.json",
                          {"jurisdiction_id": world.district.code},
                          headers={"Accept-Language": "en"})
    assert response.json()[0]["status_notes"] == "New"


def test_a_rejected_matter_is_not_searched_but_answers_by_id_without_its_text(
        client, world, new_matter):
    matter = new_matter(description="这是我家的私事，电话13800001111")
    matters.reject(matter, by=world.by_role[Role.GRID_WORKER], reason=RejectReason.NOT_GOVERNANCE)
    jurisdiction = {"jurisdiction_id": world.district.code}

    assert call(client, "GET", "requests", "json", jurisdiction) == (200, [])
    code, (answer,) = call(client, "GET", f"requests/{matter.pk}", "json", jurisdiction)
    assert answer["status"] == "closed" and answer["description"] is None
    assert "不予受理" in answer["status_notes"] and "不属于治理事项" in answer["status_notes"]


def test_a_merged_matter_points_to_the_one_it_joined(client, world, new_matter):
    into, duplicate = new_matter(), new_matter(by=world.neighbour)
    matters.merge(duplicate, into=into, by=world.by_role[Role.GRID_WORKER])

    code, (answer,) = call(client, "GET", f"requests/{duplicate.pk}", "json",
                           {"jurisdiction_id": world.district.code})

    assert answer["status"] == "closed" and str(into.pk) in answer["status_notes"]


def test_no_name_phone_or_id_number_is_ever_shown(client, world, new_matter):
    matter = new_matter(
        description="楼下噪音，我是张小明，电话13900001234，身份证110101199003074514",
        contact_name="张小明", contact_phone="13900005678", publish_consent=True)
    matters.triage(matter, by=world.by_role[Role.GRID_WORKER], kind=Kind.IMMEDIATE)
    jurisdiction = {"jurisdiction_id": world.district.code}

    bodies = b"".join(client.get(f"{BASE}{path}.{fmt}", jurisdiction).content
                      for path in ("requests", "servicerequestupdates") for fmt in FORMATS)

    text = bodies.decode("utf-8")
    assert "楼下噪音" in text
    for secret in ("13900001234", "13900005678", "110101199003074514",
                   world.resident.phone, "张大明", "张小明"):
        assert secret not in text
    assert "139****1234" in text and "110***********4514" in text


def test_a_matter_recorded_at_a_household_shows_its_compound(client, world, parking):
    staff = world.by_role[Role.GRID_WORKER]
    matter = matters.raise_matter(by=staff, title="漏水", description="楼上漏水",
                                  category=parking, place=world.h1, contact_name="李邻")

    code, (answer,) = call(client, "GET", f"requests/{matter.pk}", "xml",
                           {"jurisdiction_id": world.district.code})

    assert answer["address_id"] == world.compound_a1a.code
    assert world.h1.name not in answer["address"] and world.b1.name not in answer["address"]


def test_listing_requests_costs_the_same_few_queries_however_many(
        client, world, new_matter, django_assert_max_num_queries):
    jurisdiction = {"jurisdiction_id": world.district.code}
    new_matter()
    with django_assert_max_num_queries(4) as few:
        client.get(f"{BASE}requests.json", jurisdiction)
    for n in range(5):
        new_matter(title=f"第{n}件")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(f"{BASE}requests.json", jurisdiction).json()) == 6


# --- the rest ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_wrong_method_is_answered_in_the_error_format(client, world, fmt):
    response = client.put(f"{BASE}services.{fmt}")
    assert response.status_code == 405 and response["Allow"] == "GET"
    check_response("GET", f"{BASE}services.{fmt}", 405, response["Content-Type"],
                   response.content)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_crash_is_a_500_in_the_error_format(client, world, fmt, monkeypatch):
    def broken(district):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "service_list", broken)

    code, answer = call(client, "GET", "services", fmt)
    assert code == 500 and "boom" not in descriptions(answer)


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_names_the_spec_and_both_formats(client, world, fmt):
    code, answer = call(client, "GET", "discovery", fmt)
    assert code == 200
    body = client.get(f"{BASE}discovery.{fmt}").content.decode()
    assert "http://wiki.open311.org/GeoReport_v2" in body
    assert "application/json" in body and "text/xml" in body


def test_xml_declares_utf_8_and_carries_chinese_unescaped(client, world, categories):
    response = client.get(f"{BASE}services.xml")
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    assert "停车管理".encode() in response.content
    assert "停车管理".encode() in client.get(f"{BASE}services.json").content


@pytest.mark.parametrize("fmt", FORMATS)
def test_updates_list_the_public_steps_with_the_status_after_each(client, world, fmt,
                                                                 new_matter):
    handler = world.by_role[Role.GRID_WORKER]
    matter = new_matter()
    matters.triage(matter, by=handler, kind=Kind.ESCALATE, note="内部说明：住户不好沟通")
    matters.reject(new_matter(title="另一件"), by=handler, reason=RejectReason.DUPLICATE)

    code, answer = call(client, "GET", "servicerequestupdates", fmt,
                        {"jurisdiction_id": world.district.code})

    assert code == 200
    steps = [(u["service_request_id"], u["status"], u["external_status_code"]) for u in answer]
    rejected = Matter.objects.get(title="另一件")
    assert steps == [(str(matter.pk), "open", "in_progress"),
                     (str(rejected.pk), "closed", "rejected")]
    assert "内部说明" not in answer[0]["description"]
    assert "不予受理" in answer[1]["description"] and "重复诉求" in answer[1]["description"]


def test_a_matter_being_handled_expects_its_handling_deadline(client, world, new_matter):
    matter = new_matter()
    jurisdiction = {"jurisdiction_id": world.district.code}
    heard_by = call(client, "GET", f"requests/{matter.pk}", "json", jurisdiction)[1][0]
    matter = matters.triage(matter, by=world.by_role[Role.GRID_WORKER], kind=Kind.IMMEDIATE)

    handled = call(client, "GET", f"requests/{matter.pk}", "json", jurisdiction)[1][0]

    # Hearing a matter is not fulfilling it; the handling deadline is.
    assert heard_by["expected_datetime"] is None
    assert handled["expected_datetime"] == timezone.localtime(matter.due_at).isoformat(
        timespec="seconds")


# --- the updates feed and its window (issue 16, item 9) ---------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_updates_answer_for_a_matter_that_went_round_the_whole_loop(client, world, fmt,
                                                                    new_matter):
    handler = world.by_role[Role.GRID_WORKER]
    matter = new_matter()
    matters.support(matter, by=world.neighbour)
    matters.triage(matter, by=handler, kind=Kind.IMMEDIATE)
    matters.resolve(matter, by=handler, what_was_done="清理了东门口的电动车，划了停车线。",
                    basis="《物业管理条例》", standard="消防通道畅通")
    matters.rate(matter, by=world.resident, satisfaction="satisfied")

    code, answer = call(client, "GET", "servicerequestupdates", fmt,
                        {"jurisdiction_id": world.district.code})

    assert code == 200
    assert {u["service_request_id"] for u in answer} == {str(matter.pk)}
    assert [u["external_status_code"] for u in answer] == ["in_progress", "resolved", "closed"]
    assert all(u["description"] for u in answer)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("path", ["requests", "servicerequestupdates"])
@pytest.mark.parametrize("params", [
    {"start_date": "0001-01-01"},
    {"end_date": "0001-01-01"},
    {"start_date": "9999-12-31T23:59:59+14:00"},
    {"end_date": "9999-12-31"},
    {"start_date": "0001-01-01T00:00:00Z", "end_date": "0001-01-02T00:00:00Z"},
])
def test_a_date_out_of_range_is_a_clear_400(english, world, fmt, path, params):
    code, answer = call(english, "GET", path, fmt,
                        {"jurisdiction_id": world.district.code, **params})

    assert code == 400
    assert "out of range" in descriptions(answer)
    assert next(iter(params)) in descriptions(answer)


# --- what the public may read (issue 16, items 3 and 29) -------------------------------------


def test_an_address_string_naming_a_household_is_never_published(client, form, world):
    code, filed = call(client, "POST", "requests", "json",
                       {**form, "address_string": "幸福里1号楼1单元101室 张三家",
                        "address_id": world.b1.code, "lat": "31.230416", "long": "121.473701"})
    assert code == 201
    jurisdiction = {"jurisdiction_id": world.district.code}
    request_id = filed[0]["service_request_id"]

    bodies = "".join(client.get(f"{BASE}{path}.{fmt}", jurisdiction).content.decode()
                     for path in (f"requests/{request_id}", "requests") for fmt in FORMATS)
    _code, (answer,) = call(client, "GET", f"requests/{request_id}", "json", jurisdiction)

    for secret in ("张三", "101室", "1单元", "幸福里"):
        assert secret not in bodies
    # The compound, at most: never the building, the flat or the exact spot.
    assert answer["address"] == "同心区 同心街道 红星社区 幸福小区"
    assert answer["address_id"] == world.compound_a1a.code
    assert (answer["lat"], answer["long"]) == (31.23, 121.474)


def test_a_description_is_published_only_with_the_residents_consent(client, world, new_matter):
    private = new_matter(description="我叫梁萍霞住1单元301，楼上漏水")
    agreed = new_matter(description="我叫梁萍霞住1单元301，楼上漏水，电话138 0010 0001",
                        publish_consent=True)
    jurisdiction = {"jurisdiction_id": world.district.code}

    shown = {}
    for fmt in FORMATS:
        _code, answer = call(client, "GET", "requests", fmt, jurisdiction)
        shown[fmt] = {r["service_request_id"]: r["description"] for r in answer}

    for fmt in FORMATS:
        assert not shown[fmt][str(private.pk)]
        text = shown[fmt][str(agreed.pk)]
        assert "楼上漏水" in text and "138****0001" in text
        for secret in ("梁萍霞", "1单元301", "301", "138 0010 0001"):
            assert secret not in text


def test_a_published_description_names_neither_the_reporter_nor_the_contact(
        client, world, parking):
    staff = world.by_role[Role.GRID_WORKER]
    matter = matters.raise_matter(
        by=staff, title="漏水", description="李邻家楼上漏水，赵师傅来看过", category=parking,
        place=world.b1, contact_name="李邻", publish_consent=True)

    _code, (answer,) = call(client, "GET", f"requests/{matter.pk}", "json",
                            {"jurisdiction_id": world.district.code})

    assert "李邻" not in answer["description"] and "赵师傅" not in answer["description"]
    assert "楼上漏水" in answer["description"]


VARIANTS = ["13800100001", "+86 13800100001", "138 0010 0001", "138-0010-0001",
            "１３８００１００００１", "一三八零零一零零零零一", "138\u00a00010\u00a00001",
            "138\n0010\n0001", "138/0010/0001", "138、0010、0001", "13800100001xiaoli",
            "壹叁捌零零壹零零零零壹"]
ID_VARIANTS = ["110105 19491231 002X", "110105194912310021", "110105\u00a019491231\u00a0002X"]


@pytest.mark.parametrize("written", VARIANTS + ID_VARIANTS)
def test_a_phone_or_id_number_is_masked_on_open311_however_it_is_written(
        client, world, new_matter, written):
    new_matter(description=f"请联系{written}，2026-12-06 晚上", publish_consent=True)
    jurisdiction = {"jurisdiction_id": world.district.code}

    bodies = "".join(client.get(f"{BASE}requests.{fmt}", jurisdiction).content.decode()
                     for fmt in FORMATS)

    assert written not in bodies
    assert "0001" in bodies or "002X" in bodies or "0021" in bodies
    assert "2026-12-06" in bodies
