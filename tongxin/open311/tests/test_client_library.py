"""Drive the Open311 endpoints over HTTP with georeport, a published Open311 GeoReport v2
client from PyPI (not written here), in JSON and in XML.

georeport 0.3.1 can list services, read a definition and read requests; it cannot
POST, read tokens or FixMyStreet updates, or send an api_key on a GET, so those go
through requests, the HTTP library georeport itself uses. Every answer either way is
recorded and checked as it arrives: JSON against open311/schemas with jsonschema, XML
structurally against the same schemas, both for their UTF-8 content type.
"""

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
import requests
import xmltodict
from django.utils import timezone, translation
from georeport import GeoReport

from tongxin.conftest import build_world
from tongxin.matters import services as matters
from tongxin.matters.categories import seed_categories
from tongxin.matters.choices import Channel, Kind, Status
from tongxin.matters.models import Category, Matter
from tongxin.open311.models import Open311Request
from tongxin.open311.tests.checks import check_response
from tongxin.open311.tests.conftest import issue_keys
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db(transaction=True)

FORMATS = ["json", "xml"]
NAME = {"first_name": "建国", "last_name": "王"}
PHONE = "13912345678"


@pytest.fixture
def recorded(monkeypatch):
    """Record and check every answer that comes back through requests (and so georeport)."""
    answers = []
    send = requests.Session.request

    def request(session, method, url, *args, **kwargs):
        # Without keep-alive the live server's request threads end with each answer, instead
        # of outliving the live server and closing its shared test connection too late.
        kwargs["headers"] = {**(kwargs.get("headers") or {}), "Connection": "close"}
        response = send(session, method, url, *args, **kwargs)
        if "/open311/v2/" in response.url:
            check_response(method, response.url, response.status_code,
                           response.headers["Content-Type"], response.content)
            answers.append(response)
        return response

    monkeypatch.setattr(requests.Session, "request", request)
    return answers


@pytest.fixture
def setting(live_server, recorded):
    """A world with its categories and keys, committed so the live server sees them."""
    world = build_world()
    seed_categories(world.district)
    keys = issue_keys(world)
    base = live_server.url + "/open311/v2"
    return world, keys, base


def client(base, district, key_text, fmt):
    return GeoReport(base, jurisdiction=district.code, api_key=key_text, output_format=fmt)


def as_list(value):
    """xmltodict gives one item as a dict and none as None; JSON always gives a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def parse(response, fmt):
    """Return a list answer (POST, tokens, updates) as a list of dicts in either format."""
    if fmt == "json":
        return response.json()
    root = ET.fromstring(response.content)
    document = xmltodict.parse(response.content)[root.tag]
    item = {"service_requests": "request", "service_request_updates": "request_update",
            "errors": "error"}[root.tag]
    return as_list(document[item] if document else None)


def post(base, fmt, data, **headers):
    return requests.post(f"{base}/requests.{fmt}", data=data, headers=headers, timeout=30)


def truthy(value):
    return value in (True, "true")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_client_lists_the_districts_categories_as_services_and_reads_a_definition(
        setting, fmt):
    world, keys, base = setting
    georeport = client(base, world.district, keys.text, fmt)

    services = as_list(georeport.get_service_list())

    second_level = Category.objects.filter(district=world.district, depth=1, is_active=True)
    assert len(services) == second_level.count()
    parking = next(s for s in services if s["service_name"] == "停车管理")
    assert parking["group"] == "社区治理"
    assert parking["type"] == "realtime"
    assert truthy(parking["metadata"])
    assert "乱停乱放" in parking["keywords"].split(", ")
    building = next(s for s in services if s["service_name"] == "违章搭建")
    assert not truthy(building["metadata"])

    definition = georeport.get_service_definition(parking["service_code"])

    assert definition["service_code"] == parking["service_code"]
    attributes = definition["attributes"] if fmt == "json" else as_list(
        definition["attributes"]["attribute"])
    (subcategory,) = attributes
    assert subcategory["code"] == "subcategory"
    assert subcategory["datatype"] == "singlevaluelist"
    values = subcategory["values"] if fmt == "json" else as_list(subcategory["values"]["value"])
    wanted = Category.objects.get(district=world.district, name="乱停乱放")
    assert {"key": str(wanted.pk), "name": "乱停乱放"} in [dict(v) for v in values]

    plain = georeport.get_service_definition(building["service_code"])
    assert as_list(plain["attributes"] if fmt == "json" else
                   (plain["attributes"] or {}).get("attribute")) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_filed_request_is_a_matter_that_the_client_follows_to_its_close(
        setting, recorded, fmt):
    world, keys, base = setting
    georeport = client(base, world.district, keys.text, fmt)
    parking = next(s for s in as_list(georeport.get_service_list())
                   if s["service_name"] == "停车管理")
    wanted = Category.objects.get(district=world.district, name="乱停乱放")
    form = {
        "api_key": keys.text, "jurisdiction_id": world.district.code,
        "service_code": parking["service_code"], "attribute[subcategory]": str(wanted.pk),
        "lat": "31.230416", "long": "121.473701", "address_string": "幸福小区东门",
        "description": f"东门口每晚堆满电动车，消防通道被堵。请回电 {PHONE}。",
        "media_url": "https://example.org/photos/east-gate.jpg",
        "email": "wang@example.org", "phone": PHONE, "account_id": "hotline-42", **NAME,
    }

    answer = post(base, fmt, form, **{"Idempotency-Key": "call-20261123-0042"})

    assert answer.status_code == 201
    (filed,) = parse(answer, fmt)
    assert filed["account_id"] == "hotline-42"
    matter = Matter.objects.get(pk=int(filed["service_request_id"]))
    assert matter.number in filed["service_notice"]
    assert (matter.category, matter.place, matter.channel) == (
        wanted, world.compound_a1a, Channel.ONLINE)
    assert (str(matter.latitude), str(matter.longitude), matter.address) == (
        "31.230416", "121.473701", "幸福小区东门")
    assert (matter.contact_name, matter.contact_phone) == ("王建国", PHONE)
    assert matter.created_by == keys.account
    assert matter.open311.media_url == form["media_url"]

    retried = post(base, fmt, form, **{"Idempotency-Key": "call-20261123-0042"})
    assert parse(retried, fmt)[0]["service_request_id"] == filed["service_request_id"]
    assert Matter.objects.count() == 1

    token = requests.get(f"{base}/tokens/{filed['token']}.{fmt}",
                         params={"jurisdiction_id": world.district.code}, timeout=30)
    assert parse(token, fmt)[0]["service_request_id"] == filed["service_request_id"]

    one = georeport.get_service_request(filed["service_request_id"])
    assert one["status"] == "open"
    with translation.override("zh-hans"):
        assert one["status_notes"] == str(Status.NEW.label)
    assert one["service_code"] == parking["service_code"]
    # The public reads the compound, a coarse spot, and no words or photo without the
    # resident's consent (a partner's filing carries none).
    assert one["address"] == "同心区 同心街道 红星社区 幸福小区"
    assert one["address_id"] == world.compound_a1a.code
    assert float(one["lat"]) == pytest.approx(31.230)
    assert not one["media_url"] and not one["description"]

    ids = [r["service_request_id"] for r in as_list(georeport.get_service_requests(
        service_request_id=filed["service_request_id"]))]
    assert ids == [filed["service_request_id"]]
    found = as_list(georeport.get_service_requests(service_code=parking["service_code"],
                                                   status="open"))
    assert [r["service_request_id"] for r in found] == [filed["service_request_id"]]
    now = timezone.now()
    window = as_list(georeport.get_service_requests(
        start_date=(now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        end_date=(now + timedelta(days=1)).isoformat(timespec="seconds")))
    assert [r["service_request_id"] for r in window] == [filed["service_request_id"]]

    # Handled in Tongxin: heard, resolved, inspected and accepted, closed.
    handler = world.by_role[Role.COMPOUND_SECRETARY]
    matters.triage(matter, by=handler, kind=Kind.IMMEDIATE)
    matters.resolve(matter, by=handler, what_was_done="东门划设电动车停放区并清理通道",
                    basis="消防法", standard="通道畅通")
    matters.inspect(matter, by=world.by_role[Role.OWNERS_COMMITTEE], passed=True)
    matters.close(matter, by=handler)

    closed = georeport.get_service_request(filed["service_request_id"])
    assert closed["status"] == "closed"
    with translation.override("zh-hans"):
        assert closed["status_notes"] == str(Status.CLOSED.label)
    assert closed["updated_datetime"] >= one["updated_datetime"]

    updates = parse(requests.get(f"{base}/servicerequestupdates.{fmt}", params={
        "jurisdiction_id": world.district.code, "api_key": keys.text,
        "start_date": (now - timedelta(hours=1)).isoformat(timespec="seconds"),
        "end_date": (timezone.now() + timedelta(hours=1)).isoformat(timespec="seconds"),
    }, timeout=30), fmt)
    mine = [u for u in updates if u["service_request_id"] == filed["service_request_id"]]
    assert [u["status"] for u in mine] == ["open", "open", "open", "closed"]
    assert [u["external_status_code"] for u in mine] == [
        "in_progress", "resolved", "resolved", "closed"]
    assert "东门划设电动车停放区并清理通道" in mine[1]["description"]

    # Nothing personal left the server, in any answer.
    bodies = b"".join(answer.content for answer in recorded).decode("utf-8")
    for secret in ("王建国", "建国", PHONE, "wang@example.org"):
        assert secret not in bodies


@pytest.mark.parametrize("fmt", FORMATS)
def test_refusals_reach_the_client_in_the_specs_error_format(setting, recorded, fmt):
    world, keys, base = setting
    georeport = client(base, world.district, keys.text, fmt)
    now = timezone.now()

    with pytest.raises(requests.HTTPError) as too_wide:
        georeport.get_service_requests(
            start_date=(now - timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            end_date=now.strftime("%Y-%m-%dT%H:%M:%SZ"))
    with pytest.raises(requests.HTTPError) as unknown_request:
        georeport.get_service_request("999999")
    with pytest.raises(requests.HTTPError) as unknown_service:
        georeport.get_service_definition("999999")
    with pytest.raises(requests.HTTPError) as unknown_jurisdiction:
        GeoReport(base, jurisdiction="000000", output_format=fmt).get_service_list()
    other_reads = requests.get(f"{base}/requests.{fmt}", params={
        "jurisdiction_id": world.district.code, "api_key": keys.other_text}, timeout=30)
    other_files = post(base, fmt, {"api_key": keys.other_text,
                                   "jurisdiction_id": world.district.code,
                                   "service_code": "1", "address_id": world.b1.code})
    no_service = post(base, fmt, {"api_key": keys.text, "description": "没有分类"})

    statuses = [error.value.response.status_code for error in (
        too_wide, unknown_request, unknown_service, unknown_jurisdiction)]
    assert statuses == [400, 404, 404, 404]
    assert [other_reads.status_code, other_files.status_code, no_service.status_code] == [
        403, 403, 400]
    (error,) = parse(no_service, fmt)
    assert str(error["code"]) == "400" and "service_code" in error["description"]
    assert all(answer.status_code != 500 for answer in recorded)
    assert Matter.objects.count() == 0
    assert not Open311Request.objects.exists()
