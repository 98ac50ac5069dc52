"""Hostile input to every page and endpoint: script tags, SQL fragments, 10,000-character
titles, zero-width and right-to-left characters, NUL bytes, invalid UTF-8, GBK bytes sent
as UTF-8, traditional and simplified Chinese mixed, emoji, huge and negative numbers,
malformed JSON and oversized uploads.

Every route the URL resolver knows is listed here: it is either swept with its own
fields (``SWEPT``), taken by the generic sweep (apps whose forms are still moving:
triage, hotspots; and Django's admin), or named in ``NO_INPUT`` with the reason. A new
route that is none of these fails ``test_every_route_is_swept``.

What must hold, for every role that can reach the page (and anonymous callers):
never a server error; bad input is refused with a clear Chinese message (400, or the
form again with its errors) and nothing is stored; hostile text that is valid (a title
with a script tag) is stored as typed and shown escaped, on the pages (HTML) and as
data in the API's JSON.
"""

import io
import os
import re
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.http import url_has_allowed_host_and_scheme
from PIL import Image
from rest_framework import serializers

from tongxin.people.choices import Role
from tongxin.people.services import grant_superuser

pytestmark = pytest.mark.django_db

# --- the payloads ---------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
SQL = "' OR 1=1 --"
LONG = "长" * 10_000
ZERO_WIDTH = "\u200b\ufeff\u200b"
RTL = "\u202e停车\u202c"
NUL = "电动\x00车"
MIXED = "小區東門電動車亂停放 小区东门电动车乱停放"
EMOJI = "🚲🔥👨‍👩‍👧 电动车"
HUGE = "9" * 30
NEGATIVE = "-1"
SUPERSCRIPT = "²³"  # str.isdigit() says yes, int() says no
GBK = "小区东门电动车乱停放".encode("gbk")

TEXTS = {"script": SCRIPT, "sql": SQL, "long": LONG, "zero_width": ZERO_WIDTH, "rtl": RTL,
         "nul": NUL, "mixed": MIXED, "emoji": EMOJI, "huge": HUGE, "negative": NEGATIVE, "superscript": SUPERSCRIPT}
# The same, and bytes no form could send, percent-encoded for a query string or a body.
ENCODED = [quote(v) for v in TEXTS.values()] + [
    "%ED%A0%80",  # a lone surrogate, encoded as UTF-8 would if it could
    "%FF%FE%FD",  # not UTF-8 at all
    quote(GBK),   # GBK bytes where UTF-8 is promised
]
# Every parameter name a view of Tongxin reads from a query string or a form.
PARAMS = [
    "q", "page", "status", "kind", "level", "owner_level", "category", "place", "overdue",
    "mine", "day", "title", "description", "next", "code", "within", "depth", "parent",
    "format", "lang", "start_date", "end_date", "jurisdiction_id", "api_key", "service_code",
    "service_request_id", "lat", "long", "address_string", "address_id", "notice", "all",
    "confirm", "language", "reason", "note", "comment", "satisfaction", "passed", "into",
    "answer", "what_was_done", "basis", "standard", "departments", "date", "to_level",
    "reporter", "contact_name", "contact_phone", "channel", "root", "find", "back",
    "username", "password", "week", "cluster", "matters", "keep", "text", "threshold",
]


def hostile_query(turn):
    """Return a query string (or form body) giving each parameter a payload, rotated by ``turn``."""
    return "&".join(f"{name}={ENCODED[(turn + i) % len(ENCODED)]}"
                    for i, name in enumerate(PARAMS))


# --- the routes -------------------------------------------------------------------------------


def walk(patterns, prefix="", namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield name or f"{namespace}:<unnamed>", prefix + str(pattern.pattern)


def all_routes():
    """Return {route name: route pattern} for every route the resolver knows."""
    return dict(walk(get_resolver().url_patterns))


_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>|\(\?P<(\w+)>([^)]*)\)")


def path_of(route, **values):
    """Return a path for ``route`` with its parameters set from ``values`` (or harmless ones)."""
    def fill(match):
        converter, name, group, regex = match.groups()
        name = name or group
        if name in values:
            return str(values[name])
        if group and "|" in regex:
            return regex.split("|")[0].lstrip("(?:")
        return "1" if converter == "int" or group else "x"
    path = _PARAM.sub(fill, route)
    return "/" + path.replace("^", "").replace("$", "").replace("\\.", ".")


def hostile_path_values(route):
    """Yield parameter values for a route's path: huge ids, hostile strings.

    (A negative or non-numeric id does not match an int converter: a plain 404.)"""
    params = [(m.group(1), m.group(2) or m.group(3)) for m in _PARAM.finditer(route)]
    if not params:
        return
    strings = [quote(SCRIPT, safe="") + "%ED%A0%80", "1%00", quote(MIXED + LONG[:300])]
    if any(converter == "int" for converter, _name in params):
        yield {name: HUGE for converter, name in params if converter == "int"}
    if any(converter != "int" and name != "fmt" for converter, name in params):
        for value in strings:
            yield {name: value for converter, name in params
                   if converter != "int" and name != "fmt"}


# --- the world the requests land in --------------------------------------------------------------


def png_bytes(size=(8, 8)):
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    """The sweep sends hundreds of requests as one person; limits are tested elsewhere."""
    settings.TONGXIN_RATE_LIMITS = {}


@pytest.fixture
def scene(world, categories, new_matter):
    """Matters in every state a form needs, an API key and signed-in clients."""
    from tongxin.api.keys import issue_key
    from tongxin.matters import services
    from tongxin.matters.models import Whistle

    s = SimpleNamespace(world=world)
    grid, officer = world.by_role[Role.GRID_WORKER], world.by_role[Role.DISTRICT_OFFICER]
    s.new = new_matter(photos=[SimpleUploadedFile("p.png", png_bytes(), "image/png")])
    s.resolved = new_matter(title="楼道堆物")
    services.triage(s.resolved, by=grid, kind="immediate")
    services.resolve(s.resolved, by=grid, what_was_done="已清理", basis="消防法",
                     standard="通道畅通")
    s.handling = services.triage(new_matter(title="噪音扰民"), by=grid, kind="pending")
    s.closed = new_matter(title="路灯不亮")
    services.close_unsolved(services.triage(s.closed, by=grid, kind="pending"), by=grid,
                            reason="暂无经费")
    s.whistled = new_matter(title="占道经营")
    services.escalate(s.whistled, by=officer, reason="需要部门", to_level="district")
    services.whistle(s.whistled, by=officer, departments=[world.department])
    s.whistle = Whistle.objects.get(matter=s.whistled)
    s.photo = s.new.photos.get()
    _key, s.key_text = issue_key(name="12345 热线", account=officer, district=world.district)
    return s


def client_for(scene, who):
    """Return a client signed in as ``who`` (a role value, a resident attribute, or None)."""
    client = Client()
    if who is not None:
        person = getattr(scene.world, who, None) or scene.world.by_role[Role(who)]
        client.force_login(person)
    return client


# --- what every answer must be ------------------------------------------------------------------


def check_answer(response, where, problems):
    """Note in ``problems`` a server error or a raw script tag in markup."""
    status = response.status_code
    if status >= 500:
        problems.append(f"{where}: {status}")
        return
    kind = response.get("Content-Type", "")
    if ("html" in kind or "xml" in kind) and not getattr(response, "streaming", False):
        if SCRIPT.encode() in response.content:
            problems.append(f"{where}: unescaped script tag in {kind}")


# --- every route is swept ---------------------------------------------------------------------------

# Routes whose only input is the URL itself (the generic sweep still calls them with
# hostile query strings, as everyone).
NO_INPUT = {
    "core:home": "the signed-in person's start page",
    "core:healthz": "answers whether the database responds",
    "places:list": "the tops of the user's scope",
    "matters:boards": "the boards of the user's own compounds (reads no parameter)",
    "people:roster_template": "a fixed workbook",
    "privacy:home": "the user's own data",
    "api:docs": "the API reference page",
}
# Apps whose routes are swept generically (hostile path values, query strings and form
# bodies as every role) while their forms are still being written, and Django's admin.
GENERIC_NAMESPACES = ("triage", "hotspots", "admin")
# Anonymous, a resident, and the widest staff scope (most code paths open).
ROLES = [None, "resident", Role.DISTRICT_OFFICER.value]
MACHINE_ROLES = [None, Role.DISTRICT_OFFICER.value]  # the API and Open311: no resident pages


def test_every_route_is_swept():
    routes = all_routes()
    unknown = {name for name in routes
               if name not in SWEPT and name not in NO_INPUT
               and name.split(":")[0] not in GENERIC_NAMESPACES}
    assert not unknown, f"routes nobody sweeps with hostile input: {sorted(unknown)}"
    assert not (set(SWEPT) | set(NO_INPUT)) - set(routes), "swept routes that are gone"
    tests = {name for name, value in globals().items() if name.startswith("test_")}
    assert {test for names in SWEPT.values() for test in names} <= tests


# Which tests sweep each route that takes input with its own fields. Every route is also
# in the generic sweep (test_hostile_query_strings_and_bodies_never_break_a_page), which
# is all there is for routes whose only input is an id or a word in the path.
GENERIC = "test_hostile_query_strings_and_bodies_never_break_a_page"
ONE_BY_ONE_TEST = "test_hostile_query_parameters_one_at_a_time"
SIGN_IN = "test_sign_in_language_and_redirects_with_hostile_input"
SHOWN = "test_a_script_tag_is_kept_as_typed_and_shown_escaped_on_every_page"
SWEPT = {
    "core:audit": [ONE_BY_ONE_TEST],
    "places:detail": [ONE_BY_ONE_TEST, GENERIC],
    "people:login": [SIGN_IN],
    "people:logout": [SIGN_IN],
    "people:elder_mode": [SIGN_IN],
    "people:list": [ONE_BY_ONE_TEST],
    "people:detail": [GENERIC],
    "people:roster_import": ["test_roster_uploads_that_are_not_rosters_are_refused"],
    "matters:raise": ["test_raising_a_matter_with_hostile_text",
                      "test_oversized_fake_and_too_many_photos_are_refused", SHOWN],
    "matters:similar": [ONE_BY_ONE_TEST, SHOWN],
    "matters:mine": [ONE_BY_ONE_TEST, SHOWN],
    "matters:board": [ONE_BY_ONE_TEST, GENERIC, SHOWN],
    "matters:support": [SIGN_IN, GENERIC],
    "matters:rate": ["test_rating_reopening_and_inspecting_with_hostile_text"],
    "matters:raise_step": ["test_the_elder_steps_take_hostile_text"],
    "matters:more": ["test_the_elder_steps_take_hostile_text", GENERIC],
    "matters:reopen": ["test_rating_reopening_and_inspecting_with_hostile_text"],
    "matters:inspect": ["test_rating_reopening_and_inspecting_with_hostile_text"],
    "matters:list": [ONE_BY_ONE_TEST, SHOWN],
    "matters:inbox": [ONE_BY_ONE_TEST, SHOWN],
    "matters:record": ["test_recording_a_matter_for_a_resident_with_hostile_text"],
    "matters:record_places": [ONE_BY_ONE_TEST],
    "matters:detail": [GENERIC, SHOWN],
    "matters:act": ["test_every_action_on_a_matter_page_with_hostile_text",
                    "test_oversized_fake_and_too_many_photos_are_refused"],
    "matters:whistle_act": ["test_department_answers_with_hostile_text_through_the_api_and_the_pages"],
    "matters:photo": [GENERIC],
    "notices:inbox": [ONE_BY_ONE_TEST],
    "notices:read": [SIGN_IN],
    "privacy:export": [GENERIC],
    "privacy:delete": ["test_erasure_needs_the_exact_word_whatever_is_typed"],
    "set_language": [SIGN_IN],
    "api:schema": [GENERIC],
    "api:token": [SIGN_IN],
    "api:me": [GENERIC],
    "api:places": [ONE_BY_ONE_TEST],
    "api:place": [GENERIC],
    "api:people": [ONE_BY_ONE_TEST],
    "api:person": [GENERIC],
    "api:categories": [ONE_BY_ONE_TEST],
    "api:matters": [ONE_BY_ONE_TEST,
                    "test_raising_through_the_api_with_hostile_text_and_malformed_json", SHOWN],
    "api:matter": ["test_every_action_endpoint_with_hostile_json", SHOWN],
    "api:matter-support": [GENERIC],
    "api:photo": [GENERIC],
    "api:whistles": [ONE_BY_ONE_TEST],
    "api:whistle-report-in": [
        "test_department_answers_with_hostile_text_through_the_api_and_the_pages"],
    "api:whistle-answer": [
        "test_department_answers_with_hostile_text_through_the_api_and_the_pages"],
    "api:notices": [ONE_BY_ONE_TEST],
    "api:notices-read-all": [GENERIC],
    "api:notice-read": ["test_every_action_endpoint_with_hostile_json"],
    "api:None": ["test_every_action_endpoint_with_hostile_json"],  # any other /api/v1/ path
    "open311:discovery": [GENERIC],
    "open311:services": [ONE_BY_ONE_TEST],
    "open311:service": [GENERIC],
    "open311:requests": [ONE_BY_ONE_TEST, "test_filing_through_open311_with_hostile_text"],
    "open311:request": [GENERIC, SHOWN],
    "open311:token": [GENERIC],
    "open311:servicerequestupdates": [ONE_BY_ONE_TEST],
}


@pytest.mark.parametrize("namespace", ["core", "places", "people", "matters", "notices",
                                       "privacy", "api", "open311", "i18n", "triage",
                                       "hotspots"])
def test_hostile_query_strings_and_bodies_never_break_a_page(scene, namespace):
    """Every route, as every role: hostile path values, query strings and form bodies."""
    problems, clients = [], {}
    routes = {name: route for name, route in all_routes().items()
              if name.split(":")[0] == namespace or (namespace == "i18n" and ":" not in name)}
    for name, route in routes.items():
        paths = [path_of(route)] + [path_of(route, **values)
                                    for values in hostile_path_values(route)]
        for who in ROLES if namespace not in ("api", "open311") else MACHINE_ROLES:
            if who not in clients:
                clients[who] = client_for(scene, who)
            client = clients[who]
            if name == "people:logout":
                clients.pop(who)  # signed out below
            for turn, path in enumerate(paths):
                query = hostile_query(turn)
                response = client.get(f"{path}?{query}")
                check_answer(response, f"GET {name} {path} as {who}", problems)
                response = client.post(path, query, content_type="application/x-www-form-urlencoded")
                check_answer(response, f"POST {name} {path} as {who}", problems)
    assert not problems, "\n".join(problems)


# --- helpers of the form sweeps -----------------------------------------------------------------

CJK = re.compile("[\u4e00-\u9fff]")
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
# Text a person may type that is hostile but valid: stored as typed (less invisible and
# direction-changing characters), shown escaped.
VALID = ["script", "sql", "mixed", "emoji", "huge", "negative", "rtl", "superscript"]
# Refused wherever text is typed: too long, or with a NUL byte.
REFUSED = ["long", "nul"]


# Messages added with this sweep: English until the lead merges their translations
# (/work/notes/po/fuzz.po), Chinese afterwards; test_translations checks they are.
NEW_MESSAGES = ["The request body is not valid JSON in UTF-8.",
                "The request body is not valid multipart form data."]


def chinese(text):
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override("zh-hans"):
        pending = {gettext(m) for m in NEW_MESSAGES}
    return bool(CJK.search(text)) or text in pending


def kept(text):
    """Return ``text`` as the services keep it."""
    return INVISIBLE.sub("", text).strip()


def error_texts(response):
    """Return the error messages a page or an API answer shows."""
    if "json" in response.get("Content-Type", ""):
        body = response.json()
        if isinstance(body, list):  # Open311: [{"code", "description"}]
            return [item.get("description", "") for item in body if isinstance(item, dict)]
        error = body.get("error", {}) if isinstance(body, dict) else {}
        fields = [m for messages in error.get("fields", {}).values() for m in messages]
        return [error.get("message", "")] + fields
    if "xml" in response.get("Content-Type", ""):
        return re.findall(r"<description>(.*?)</description>", response.content.decode(), re.S)
    html = response.content.decode()
    lists = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', html, re.S)
    lists += re.findall(r'<li class="msg error">(.*?)</li>', html, re.S)
    lists += re.findall(r'<p class="errorlist">(.*?)</p>', html, re.S)
    lists += re.findall(r'<p class="error"[^>]*>(.*?)</p>', html, re.S)
    return [re.sub(r"<[^>]+>", "", item).strip() for item in lists]


def stored():
    """Count every kind of row a request could leave behind."""
    from tongxin.matters.models import (
        Inspection,
        Matter,
        MatterEvent,
        Photo,
        Rating,
        Resolution,
        Support,
        Whistle,
    )
    from tongxin.open311.models import Open311Request
    from tongxin.people.models import Person

    rows = [Matter, MatterEvent, Photo, Resolution, Inspection, Rating, Support, Whistle,
            Open311Request, Person]
    matters = list(Matter.objects.order_by("pk").values_list(
        "status", "title", "golden_idea", "category_id", "owner_level"))
    return [model.objects.count() for model in rows] + [matters]


class Sweep:
    """Collect what went wrong over many requests, and say it all at the end."""

    def __init__(self):
        self.problems = []

    def check(self, response, where):
        check_answer(response, where, self.problems)
        return response.status_code < 500

    def refused(self, response, where, before):
        """The request must be refused with a Chinese message and leave nothing behind."""
        if not self.check(response, where):
            return
        if response.status_code in (200, 302) and not error_texts(response):
            self.problems.append(f"{where}: accepted ({response.status_code})")
            return
        texts = error_texts(response)
        if not any(chinese(t) for t in texts):
            self.problems.append(f"{where}: no Chinese error message in {texts!r}")
        if stored() != before:
            self.problems.append(f"{where}: something was stored")

    def accepted(self, response, where, codes=(200, 201, 302)):
        if self.check(response, where) and response.status_code not in codes:
            self.problems.append(f"{where}: refused ({response.status_code}: "
                                 f"{error_texts(response)!r})")
            return False
        return response.status_code in codes

    def done(self):
        assert not self.problems, "\n".join(self.problems)


class rolled_back:
    """Run one hostile request in a savepoint that is rolled back afterwards."""

    def __enter__(self):
        from django.db import transaction

        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        return self

    def __exit__(self, *exc):
        from django.db import transaction

        transaction.set_rollback(True)
        self.atomic.__exit__(*exc)
        return False


# --- residents raise matters (说事) ------------------------------------------------------------------


def test_raising_a_matter_with_hostile_text(scene, parking):
    """Valid hostile titles are kept as typed; the rest are refused in Chinese, nothing stored."""
    from tongxin.matters.models import Matter

    sweep = Sweep()
    client = client_for(scene, "resident")
    for name, text in TEXTS.items():
        data = {"title": text, "description": text, "category": parking.pk,
                "place": "building", "idempotency_key": f"k-{name}"}
        with rolled_back():
            before = stored()
            response = client.post("/matters/raise/", data)
            where = f"raise title={name}"
            if name in VALID:
                if sweep.accepted(response, where, codes=(302,)):
                    matter = Matter.objects.get(idempotency_key=f"k-{name}")
                    if (matter.title, matter.description) != (kept(text), kept(text)):
                        sweep.problems.append(f"{where}: stored {matter.title!r}")
                    page = client.get(response["Location"])
                    sweep.check(page, f"{where}: detail")
                    if name == "script" and ESCAPED not in page.content.decode():
                        sweep.problems.append(f"{where}: the title is not shown escaped")
            else:  # long, nul, and zero-width only ("required")
                sweep.refused(response, where, before)
    for body, name in [(b"title=%ED%A0%80%FF&description=%FF%FE&category=" + str(parking.pk)
                        .encode() + b"&place=building", "invalid UTF-8"),
                       (b"title=" + GBK + b"&description=" + GBK + b"&category="
                        + str(parking.pk).encode() + b"&place=building", "GBK bytes")]:
        with rolled_back():
            response = client.post("/matters/raise/", body,
                                   content_type="application/x-www-form-urlencoded")
            sweep.check(response, f"raise with {name}")
            for matter in Matter.objects.filter(created_by=scene.world.resident):
                if re.search("[\ud800-\udfff]", matter.title):
                    sweep.problems.append(f"raise with {name}: a lone surrogate was stored")
    for field, value in [("category", SCRIPT), ("category", HUGE), ("category", NEGATIVE),
                         ("place", SCRIPT), ("category", "")]:
        with rolled_back():
            before = stored()
            data = {"title": "东门电动车", "description": "每天晚上", "category": parking.pk,
                    "place": "building", field: value}
            sweep.refused(client.post("/matters/raise/", data), f"raise {field}={value[:20]!r}",
                          before)
    sweep.done()


def _png_header(width, height):
    """A PNG that claims to be ``width`` x ``height`` (a decompression bomb's header)."""
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk
            + struct.pack(">I", zlib.crc32(chunk)) + struct.pack(">I", 0) + b"IEND"
            + struct.pack(">I", zlib.crc32(b"IEND")))


def test_oversized_fake_and_too_many_photos_are_refused(scene, parking, settings):
    settings.TONGXIN_PHOTO_MAX_BYTES = 4096
    noise = Image.frombytes("RGB", (64, 64), os.urandom(64 * 64 * 3))
    big = io.BytesIO()
    noise.save(big, format="PNG")
    assert big.tell() > 4096
    uploads = {
        "oversized": [SimpleUploadedFile("big.png", big.getvalue(), "image/png")],
        "not an image": [SimpleUploadedFile(f"{SCRIPT}.jpg", b"<html>not a photo</html>",
                                            "image/jpeg")],
        "empty": [SimpleUploadedFile("empty.jpg", b"", "image/jpeg")],
        "bomb": [SimpleUploadedFile("bomb.png", _png_header(100_000, 100_000), "image/png")],
        "too many": [SimpleUploadedFile(f"{n}.png", png_bytes(), "image/png")
                     for n in range(10)],
    }
    sweep = Sweep()
    resident, grid = client_for(scene, "resident"), client_for(scene, Role.GRID_WORKER.value)
    for name, files in uploads.items():
        with rolled_back():
            before = stored()
            response = resident.post("/matters/raise/", {
                "title": "东门电动车", "description": "每天晚上", "category": parking.pk,
                "place": "building", "photos": files})
            sweep.refused(response, f"raise with photos: {name}", before)
        with rolled_back():
            before = stored()
            for upload in files:
                upload.seek(0)
            response = grid.post(f"/matters/{scene.handling.pk}/act/resolve/", {
                "what_was_done": "已清理", "basis": "消防法", "standard": "通道畅通",
                "photos": files})
            sweep.refused(response, f"resolve with photos: {name}", before)
    sweep.done()


# --- staff record matters and act on them (听事, 办事) ---------------------------------------------


RECORD_PAYLOADS = ["script", "mixed", "zero_width", "long", "nul", "superscript"]


def test_recording_a_matter_for_a_resident_with_hostile_text(scene, parking):
    from tongxin.matters.models import Matter

    sweep = Sweep()
    client = client_for(scene, Role.GRID_WORKER.value)
    base = {"channel": "visit", "level": "grid", "place": scene.world.b1.code,
            "category": parking.pk, "contact_phone": ""}
    for name, text in TEXTS.items():
        response = client.get(f"/matters/record/?q={quote(text)}", HTTP_HX_REQUEST="true")
        sweep.check(response, f"record search q={name}")
        if name not in RECORD_PAYLOADS:
            continue  # the page renders every category again on each answer (slow)
        with rolled_back():
            before = stored()
            response = client.post("/matters/record/", {
                **base, "title": text, "description": text, "contact_name": text[:64],
                "q": text, "idempotency_key": f"r-{name}"})
            where = f"record title={name}"
            if name in VALID:
                if sweep.accepted(response, where, codes=(302,)):
                    matter = Matter.objects.get(idempotency_key=f"r-{name}")
                    if matter.title != kept(text) or matter.contact_name != kept(text[:64]):
                        sweep.problems.append(f"{where}: stored {matter.title!r}")
                    sweep.check(client.get(response["Location"]), f"{where}: detail")
            else:
                sweep.refused(response, where, before)
        if name not in ("script", "huge"):
            continue
        # Every field that is not free text, hostile at once.
        with rolled_back():
            before = stored()
            response = client.post("/matters/record/", {
                "title": "东门电动车", "description": "每天晚上", "channel": text,
                "level": text, "place": text, "category": text, "reporter": text,
                "contact_phone": text, "emergency": text, "idempotency_key": text})
            sweep.refused(response, f"record with hostile choices: {name}", before)
    sweep.done()


# Each action of the matter page: the matter it is taken on, who takes it, how the matter
# gets into the right status first, the choice fields' valid values, and its text fields
# (required, optional).
def _park(s):
    from tongxin.matters import services

    services.park(s.handling, by=s.world.by_role[Role.GRID_WORKER])


def _to_district(s):
    from tongxin.matters import services

    services.escalate(s.handling, by=s.world.by_role[Role.DISTRICT_OFFICER], reason="需要部门",
                      to_level="district")


def _inspected(s):
    from tongxin.matters import services

    services.inspect(s.resolved, by=s.world.by_role[Role.BUILDING_HEAD], passed=True)


GRID, OFFICER = Role.GRID_WORKER.value, Role.DISTRICT_OFFICER.value
STAFF_ACTIONS = {
    "triage": ("new", GRID, None, lambda s: {"kind": "immediate", "category": s.parking},
               [], ["golden_reason", "note"]),
    "reject": ("new", GRID, None, lambda s: {"reason": "other"}, [], ["note"]),
    "escalate": ("new", GRID, None, lambda s: {"to_level": ""}, ["reason"], []),
    "recategorise": ("new", GRID, None, lambda s: {"category": s.other_category}, [], []),
    "flag_golden": ("new", GRID, None, lambda s: {}, ["reason"], []),
    "merge": ("new", GRID, None, lambda s: {"into": s.handling.number}, [], []),
    "park": ("handling", GRID, None, lambda s: {"date": ""}, [], ["note"]),
    "resume": ("handling", GRID, _park, lambda s: {}, [], ["note"]),
    "whistle": ("handling", OFFICER, _to_district,
                lambda s: {"departments": s.world.department.pk}, [], ["note"]),
    "resolve": ("handling", GRID, None, lambda s: {},
                ["what_was_done", "basis", "standard"], []),
    "close_unsolved": ("handling", GRID, None, lambda s: {}, ["reason"], []),
    "close": ("resolved", GRID, _inspected, lambda s: {}, [], []),
}


# The matter page renders every action's form again on a refusal (slow): fewer payloads,
# too long and NUL in one.
# Notes shown on the matter's timeline, looked at after a script tag was typed in them (the
# triage note and the result are looked at in test_a_script_tag_is_kept_as_typed...).
SHOWN_ON_DETAIL = {"escalate", "close_unsolved", "whistle", "park"}
STAFF_PAYLOADS = {"script": SCRIPT, "mixed": MIXED, "zero_width": ZERO_WIDTH,
                  "long+nul": LONG + NUL}


def expect_outcome(name, required, optional):
    """Whether a request whose text fields all hold payload ``name`` must be accepted."""
    if not (required or optional):
        return True
    if name in REFUSED or name == "long+nul":
        return False
    return name != "zero_width" or not required


def test_every_action_on_a_matter_page_with_hostile_text(scene, categories):
    from tongxin.matters.actions import PAGE_ACTIONS as ACTIONS

    assert set(STAFF_ACTIONS) == set(ACTIONS), "an action without a hostile-input case"
    scene.parking, scene.other_category = categories["乱停乱放"].pk, categories["楼道堆物"].pk
    sweep = Sweep()
    for action, (attr, who, prepare, choices, required, optional) in STAFF_ACTIONS.items():
        client = client_for(scene, who)
        matter = getattr(scene, attr)
        url = f"/matters/{matter.pk}/act/{action}/"
        for name, text in STAFF_PAYLOADS.items():
            if name == "zero_width" and not required:
                continue  # blank optional text is no text (the API sweep shows it)
            with rolled_back():
                if prepare:
                    prepare(scene)
                before = stored()
                data = {**choices(scene), **{f: text for f in required + optional}}
                response = client.post(url, data)
                where = f"{action} with {name}"
                if action == "resolve" and name in ("script", "mixed"):
                    # The reply check (triage app) may ask to confirm its warnings first.
                    if sweep.check(response, where) and response.status_code not in (302, 400):
                        sweep.problems.append(f"{where}: {response.status_code}")
                    if response.status_code == 400 and stored() != before:
                        sweep.problems.append(f"{where}: stored despite the warnings")
                elif expect_outcome(name, required, optional):
                    if sweep.accepted(response, where, codes=(302,)) and name == "script" \
                            and action in SHOWN_ON_DETAIL:
                        page = client.get(f"/matters/{matter.pk}/")
                        sweep.check(page, f"{where}: detail")
                        if ESCAPED not in page.content.decode():
                            sweep.problems.append(f"{where}: the text is not shown escaped")
                else:
                    sweep.refused(response, where, before)
            if not choices(scene) or name != "script":
                continue
            with rolled_back():  # every field hostile, the choices too
                if prepare:
                    prepare(scene)
                before = stored()
                data = {f: text for f in [*choices(scene), *required, *optional]}
                sweep.refused(client.post(url, data), f"{action} with hostile choices: {name}",
                              before)
    for action in (quote(SCRIPT, safe=""), "%00", "close%20", HUGE):
        sweep.check(client_for(scene, GRID).post(f"/matters/{scene.new.pk}/act/{action}/", {}),
                    f"act/{action}")
    sweep.done()


# --- query parameters, one at a time --------------------------------------------------------------

# A shorter list for parameters taken one by one.
ONE_BY_ONE = [quote(SCRIPT), "%00", "%ED%A0%80%FF", quote(GBK), HUGE, quote(SUPERSCRIPT),
              quote(LONG)]


def api_client(scene, who):
    """Return a client for the API: ``"key"`` signs with the API key, a person with a token."""
    from rest_framework.test import APIClient

    from tongxin.api.tokens import issue_token

    client = APIClient()
    if who == "key":
        client.credentials(HTTP_X_API_KEY=scene.key_text)
    elif who is not None:
        person = getattr(scene.world, who, None) or scene.world.by_role[Role(who)]
        client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(person)[1]}")
    return client


def query_sweeps(scene):
    w = scene.world
    return [
        ("matters:list", GRID, "/matters/", ["q", "status", "kind", "level", "category",
                                             "place", "overdue", "page"]),
        ("matters:inbox", GRID, "/matters/inbox/", ["page"]),
        ("matters:mine", "resident", "/matters/mine/", ["page"]),
        ("matters:similar", "resident", "/matters/similar/", ["title", "description"]),
        ("matters:board", "resident", f"/matters/board/{w.compound_a1a.code}/", ["page"]),
        ("matters:record", GRID, "/matters/record/", ["q"]),
        ("matters:record_places", GRID, "/matters/record/places/", ["place_q", "pick"]),
        ("people:list", GRID, "/people/", ["q", "page"]),
        ("places:detail", GRID, f"/places/{w.g1.code}/", ["page"]),
        ("core:audit", OFFICER, "/audit/", ["kind", "day", "page"]),
        ("notices:inbox", "resident", "/notices/", ["page"]),
        ("api:matters", "key", "/api/v1/matters/", ["status", "kind", "owner_level", "category",
                                                    "place", "overdue", "mine", "q", "page"]),
        ("api:places", "key", "/api/v1/places/", ["within", "kind", "q", "page"]),
        ("api:people", "key", "/api/v1/people/", ["q", "place", "page"]),
        ("api:categories", "key", "/api/v1/categories/", ["parent", "depth", "page"]),
        ("api:notices", "resident", "/api/v1/notices/", ["unread", "page"]),
        ("api:whistles", Role.DEPARTMENT_STAFF.value, "/api/v1/whistles/", ["status", "mine"]),
        ("open311:requests", None, "/open311/v2/requests.json", [
            "service_request_id", "service_code", "status", "start_date", "end_date",
            "jurisdiction_id", "api_key"]),
        ("open311:servicerequestupdates", None, "/open311/v2/servicerequestupdates.xml", [
            "start_date", "end_date", "jurisdiction_id", "api_key"]),
        ("open311:services", None, "/open311/v2/services.xml", ["jurisdiction_id", "api_key"]),
    ]


def test_hostile_query_parameters_one_at_a_time(scene):
    """Each parameter a page or endpoint reads, alone and hostile: never a server error;
    refused filters say why in Chinese; what is echoed back is escaped."""
    sweep = Sweep()
    for name, who, path, params in query_sweeps(scene):
        client = api_client(scene, who) if name.startswith("api:") else client_for(scene, who)
        for param in params:
            for value in ONE_BY_ONE:
                response = client.get(f"{path}?{param}={value}", HTTP_HX_REQUEST="true"
                                      if name == "matters:record" else "")
                where = f"GET {name} ?{param}={value[:20]}"
                if not sweep.check(response, where):
                    continue
                if response.status_code == 400 and not any(
                        chinese(t) for t in error_texts(response)):
                    sweep.problems.append(f"{where}: 400 without a Chinese message")
                if (value == ONE_BY_ONE[0] and param == "q" and "html" in response["Content-Type"]
                        and name in ("matters:list", "people:list")
                        and ESCAPED not in response.content.decode()):
                    sweep.problems.append(f"{where}: the search is not shown back escaped")
    sweep.done()


# --- the API (JSON) -----------------------------------------------------------------------------------

MALFORMED_JSON = {
    "cut short": b'{"title": "\xe4\xb8\x9c\xe9\x97\xa8", ',
    "not UTF-8": b'{"title": "\xff\xfe", "description": "x"}',
    "GBK": b'{"title": "' + GBK + b'", "description": "x"}',
    "deeply nested": b"[" * 100_000,
    "deeply nested object": b'{"a":' * 50_000,
    "NaN": b'{"title": "a", "description": "b", "category": NaN}',
    "a list": b"[1, 2]",
    "a string": b'"<script>alert(1)</script>"',
    "empty": b"",
    "lone surrogate": b'{"title": "\\ud800", "description": "\\udfff x", "category": 1}',
    "NUL": b'{"title": "a\\u0000b", "description": "x", "category": 1}',
    "huge number": b'{"title": "a", "description": "b", "category": 1' + b"0" * 400 + b"}",
}


def api_refused(sweep, response, where, before):
    """An API refusal: 4xx, the one error body, a Chinese message, nothing stored."""
    if not sweep.check(response, where):
        return
    if response.status_code < 400 or "json" not in response.get("Content-Type", ""):
        sweep.problems.append(f"{where}: {response.status_code} {response.content[:80]!r}")
        return
    error = response.json().get("error", {})
    if not error.get("code") or not chinese(error.get("message", "")):
        sweep.problems.append(f"{where}: error body {error!r}")
    if stored() != before:
        sweep.problems.append(f"{where}: something was stored")


def test_raising_through_the_api_with_hostile_text_and_malformed_json(scene, parking):
    from django.utils import translation
    from django.utils.translation import gettext

    from tongxin.matters.models import Matter

    sweep = Sweep()
    for who, place in (("resident", None), ("key", scene.world.b1.code)):
        client = api_client(scene, who)
        for name, text in TEXTS.items():
            body = {"title": text, "description": text, "category": parking.pk}
            if place:
                body["place"] = place
            with rolled_back():
                before = stored()
                response = client.post("/api/v1/matters/", body, format="json")
                where = f"API raise as {who}: {name}"
                if name in VALID:
                    if sweep.accepted(response, where, codes=(201,)):
                        data = response.json()
                        if data["title"] != kept(text) or data["description"] != kept(text):
                            sweep.problems.append(f"{where}: got {data['title']!r}")
                        if Matter.objects.get(pk=data["id"]).title != kept(text):
                            sweep.problems.append(f"{where}: stored otherwise")
                else:
                    api_refused(sweep, response, where, before)
        for name, raw in MALFORMED_JSON.items():
            with rolled_back():
                before = stored()
                response = client.generic("POST", "/api/v1/matters/", raw,
                                          content_type="application/json")
                api_refused(sweep, response, f"API raise as {who}: {name}", before)
        for name, (raw, kind) in {
            "form body": (b"title=a&description=b", "application/x-www-form-urlencoded"),
            "XML": (b"<matter><title>a</title></matter>", "application/xml"),
            "multipart without boundary": (b"--x\r\n", "multipart/form-data"),
        }.items():
            with rolled_back():
                before = stored()
                response = client.generic("POST", "/api/v1/matters/", raw, content_type=kind)
                api_refused(sweep, response, f"API raise as {who}: {name}", before)
    with translation.override("zh-hans"):
        message = gettext("The request body is not valid JSON in UTF-8.")
    response = api_client(scene, "key").generic("POST", "/api/v1/matters/", b"[" * 100_000,
                                                content_type="application/json")
    assert response.json()["error"] == {"code": "parse_error", "message": message}
    sweep.done()


# Each action endpoint: the matter it is taken on, who takes it (the API key acts as the
# district's governance office), how the matter gets there, and valid choices.
API_ACTIONS = {
    "triage": ("new", "key", None, lambda s: {"kind": "immediate"}),
    "reject": ("new", "key", None, lambda s: {"reason": "other"}),
    "escalate": ("new", "key", None, lambda s: {}),
    "recategorise": ("new", "key", None, lambda s: {"category": s.other_category}),
    "flag_golden": ("new", "key", None, lambda s: {}),
    "merge": ("new", "key", None, lambda s: {"into": s.handling.pk}),
    "park": ("handling", "key", None, lambda s: {}),
    "resume": ("handling", "key", _park, lambda s: {}),
    "whistle": ("handling", "key", _to_district,
                lambda s: {"departments": [s.world.department.pk]}),
    "resolve": ("handling", "key", None, lambda s: {}),
    "close_unsolved": ("handling", "key", None, lambda s: {}),
    "close": ("resolved", "key", _inspected, lambda s: {}),
    "inspect": ("resolved", Role.BUILDING_HEAD.value, None, lambda s: {"passed": False}),
    "inspect_pass": ("resolved", Role.BUILDING_HEAD.value, None, lambda s: {}),
    "inspect_fail": ("resolved", Role.BUILDING_HEAD.value, None, lambda s: {}),
    "rate": ("resolved", "resident", None, lambda s: {"satisfaction": "unsatisfied"}),
    "rate_ok": ("resolved", "resident", None, lambda s: {}),
    "rate_unsatisfied": ("resolved", "resident", None, lambda s: {}),
    "reopen": ("closed", "resident", None, lambda s: {}),
}
API_PAYLOADS = ["script", "mixed", "zero_width", "long", "nul", "huge"]
SWEPT.update({f"api:matter-{action}": ["test_every_action_endpoint_with_hostile_json"]
              for action in API_ACTIONS})


def is_text(field):
    """Whether an API input field takes free text (not a code, a choice or a number)."""
    return (isinstance(field, serializers.CharField)
            and not isinstance(field, serializers.RegexField))


def test_every_action_endpoint_with_hostile_json(scene, categories):
    from tongxin.api.serializers import ACTION_SERIALIZERS

    assert set(API_ACTIONS) == set(ACTION_SERIALIZERS), "an action without a hostile-input case"
    scene.other_category = categories["楼道堆物"].pk
    sweep = Sweep()
    for action, (attr, who, prepare, choices) in API_ACTIONS.items():
        client = api_client(scene, who)
        url = f"/api/v1/matters/{getattr(scene, attr).pk}/actions/{action}/"
        fields = ACTION_SERIALIZERS[action]().fields
        texts = [f for f, field in fields.items()
                 if is_text(field) and f not in choices(scene)]
        for name in API_PAYLOADS:
            text = TEXTS[name]
            with rolled_back():
                if prepare:
                    prepare(scene)
                before = stored()
                response = client.post(url, {**choices(scene), **{f: text for f in texts}},
                                       format="json")
                where = f"API {action} with {name}"
                if response.status_code < 300:
                    if "json" not in response["Content-Type"]:
                        sweep.problems.append(f"{where}: not JSON")
                    elif texts and name in REFUSED:
                        sweep.problems.append(f"{where}: accepted")
                else:
                    api_refused(sweep, response, where, before)
            if name not in ("script", "huge", "long"):
                continue
            with rolled_back():  # every field hostile
                if prepare:
                    prepare(scene)
                before = stored()
                response = client.post(url, {f: text for f in fields}, format="json")
                if response.status_code >= 300 or fields:
                    if response.status_code < 300 and any(
                            not is_text(f) for f in fields.values()):
                        sweep.problems.append(f"API {action} all fields {name}: accepted")
                    elif response.status_code >= 300:
                        api_refused(sweep, response, f"API {action} all fields {name}", before)
        with rolled_back():
            before = stored()
            response = client.generic("POST", url, MALFORMED_JSON["deeply nested"],
                                      content_type="application/json")
            api_refused(sweep, response, f"API {action} with deeply nested JSON", before)
    for path in (f"/api/v1/matters/{HUGE}/", f"/api/v1/matters/{HUGE}/actions/triage/",
                 f"/api/v1/whistles/{HUGE}/answer/", f"/api/v1/notices/{HUGE}/read/",
                 f"/api/v1/{quote(SCRIPT)}/", "/api/v1/matters/%00/"):
        for method in ("get", "post"):
            response = getattr(api_client(scene, "key"), method)(path, {}, format="json")
            sweep.check(response, f"{method.upper()} {path}")
            if response.status_code < 400:
                sweep.problems.append(f"{method.upper()} {path}: {response.status_code}")
    sweep.done()


def test_department_answers_with_hostile_text_through_the_api_and_the_pages(scene):
    sweep = Sweep()
    staff = Role.DEPARTMENT_STAFF.value
    api, pages = api_client(scene, staff), client_for(scene, staff)
    for name in API_PAYLOADS:
        text = TEXTS[name]
        for action, field in (("report-in", "note"), ("answer", "answer")):
            with rolled_back():
                before = stored()
                response = api.post(f"/api/v1/whistles/{scene.whistle.pk}/{action}/",
                                    {field: text}, format="json")
                where = f"API whistle {action} with {name}"
                must_refuse = name in REFUSED or (name == "zero_width" and field == "answer")
                if must_refuse:
                    api_refused(sweep, response, where, before)
                else:
                    sweep.accepted(response, where, codes=(200,))
            with rolled_back():
                before = stored()
                page_action = action.replace("-", "_")
                response = pages.post(f"/matters/whistle/{scene.whistle.pk}/{page_action}/",
                                      {field: text})
                where = f"page whistle {page_action} with {name}"
                if must_refuse:
                    sweep.refused(response, where, before)
                elif sweep.accepted(response, where, codes=(302,)):
                    page = pages.get(f"/matters/{scene.whistled.pk}/")
                    sweep.check(page, f"{where}: detail")
                    if name == "script" and ESCAPED not in page.content.decode():
                        sweep.problems.append(f"{where}: not shown escaped")
    sweep.done()


# --- residents judge results (评事), representatives inspect (验收) --------------------------------


def test_rating_reopening_and_inspecting_with_hostile_text(scene):
    """The judgement forms post back to the matter or the board with a message."""
    sweep = Sweep()
    forms = [
        ("rate", "resident", f"/matters/{scene.resolved.pk}/rate/",
         lambda t: {"satisfaction": "unsatisfied", "comment": t}, True),
        ("reopen", "resident", f"/matters/{scene.closed.pk}/reopen/",
         lambda t: {"reason": t}, True),
        ("inspect", Role.BUILDING_HEAD.value, f"/matters/{scene.resolved.pk}/inspect/",
         lambda t: {"passed": "no", "note": t}, True),
        ("rate: hostile choice", "resident", f"/matters/{scene.resolved.pk}/rate/",
         lambda t: {"satisfaction": t, "comment": t}, None),
        ("inspect: hostile choice", Role.BUILDING_HEAD.value,
         f"/matters/{scene.resolved.pk}/inspect/", lambda t: {"passed": t, "note": t}, None),
    ]
    for label, who, url, data, required in forms:
        client = client_for(scene, who)
        for name in API_PAYLOADS:
            with rolled_back():
                before = stored()
                response = client.post(url, data(TEXTS[name]), follow=True)
                where = f"{label} with {name}"
                if required is None or name in REFUSED or name == "zero_width":
                    sweep.refused(response, where, before)
                elif sweep.accepted(response, where, codes=(200,)):
                    if stored() == before:
                        sweep.problems.append(f"{where}: nothing happened")
                    if name == "script" and label != "inspect":
                        page = client.get(f"/matters/{scene.resolved.pk}/"
                                          if label == "rate" else f"/matters/{scene.closed.pk}/")
                        if ESCAPED not in page.content.decode():
                            sweep.problems.append(f"{where}: not shown escaped")
    sweep.done()


def test_the_elder_steps_take_hostile_text(scene):
    """长辈版: each screen of the raise, the rating screen and 其他操作 take hostile text and
    hostile choices; a refused screen says why in Chinese and keeps nothing."""
    from tongxin.people.services import set_elder_mode

    set_elder_mode(scene.world.resident, True)
    sweep = Sweep()
    client = client_for(scene, "resident")
    for name in API_PAYLOADS:
        text = TEXTS[name]
        with rolled_back():
            before = stored()
            response = client.post("/matters/raise/step/what/", {"description": text},
                                   follow=True)
            where = f"elder step what with {name}"
            if name in REFUSED or name == "zero_width":
                sweep.refused(response, where, before)
            elif sweep.accepted(response, where, codes=(200,)):
                if stored() != before:
                    sweep.problems.append(f"{where}: stored before the last screen")
                choice = client.post("/matters/raise/step/where/", {"place": text}, follow=True)
                sweep.refused(choice, f"elder step where: hostile choice {name}", before)
        with rolled_back():
            before = stored()
            response = client.post(f"/matters/{scene.resolved.pk}/rate/",
                                   {"satisfaction": text, "comment": text}, follow=True)
            sweep.refused(response, f"elder rating: hostile choice {name}", before)
    for path in (f"/matters/raise/step/{quote(SCRIPT)}/", "/matters/raise/step/send/",
                 f"/matters/{scene.closed.pk}/more/", f"/matters/{HUGE}/more/",
                 f"/matters/{scene.resolved.pk}/rate/"):
        sweep.check(client.get(path), f"GET {path}")
    sweep.done()


# --- Open311 (form-encoded, api_key) ------------------------------------------------------------------


def test_filing_through_open311_with_hostile_text(scene, categories):
    from tongxin.open311.models import Open311Request

    sweep = Sweep()
    service = categories["停车管理"].pk
    client = Client()
    for name, text in TEXTS.items():
        for fmt in ("json", "xml"):
            with rolled_back():
                before = stored()
                response = client.post(f"/open311/v2/requests.{fmt}", {
                    "api_key": scene.key_text, "service_code": service,
                    "address_id": scene.world.b1.code, "description": text,
                    "address_string": text[:200], "first_name": text[:30], "last_name": "",
                    "account_id": text[:100]})
                where = f"Open311 {fmt} description={name}"
                if name in ("long", "nul", "zero_width"):
                    if not sweep.check(response, where):
                        continue
                    if response.status_code == 201:
                        # Open311 takes a description it can shorten into a title; never a NUL.
                        filed = Open311Request.objects.select_related("matter").last()
                        if "\x00" in filed.matter.description + filed.matter.title:
                            sweep.problems.append(f"{where}: a NUL byte was stored")
                    elif not any(chinese(t) for t in error_texts(response)):
                        sweep.problems.append(f"{where}: {error_texts(response)!r}")
                    elif stored() != before:
                        sweep.problems.append(f"{where}: something was stored")
                elif sweep.accepted(response, where, codes=(201,)):
                    filed = Open311Request.objects.select_related("matter").last()
                    if filed.matter.description != kept(text):
                        sweep.problems.append(f"{where}: stored {filed.matter.description!r}")
        with rolled_back():
            before = stored()
            response = client.post("/open311/v2/requests.json", {
                "api_key": scene.key_text, "service_code": text, "address_id": text,
                "lat": text, "long": text, "phone": text, "media_url": text,
                "jurisdiction_id": text, f"attribute[{text}]": text})
            if sweep.check(response, f"Open311 hostile fields {name}") and (
                    response.status_code < 400 or stored() != before):
                sweep.problems.append(f"Open311 hostile fields {name}: {response.status_code}")
    sweep.done()


# --- signing in, language, redirects, erasure, notices -------------------------------------------------

OFFSITE = ["//evil.example/", "https://evil.example/", "javascript:alert(1)", "\\\\evil.example",
           "/\\evil.example", "notices:inbox", "matters:detail", quote(SCRIPT, safe="")]


def test_sign_in_language_and_redirects_with_hostile_input(scene):
    sweep = Sweep()
    for name, text in TEXTS.items():
        with rolled_back():
            response = Client().post("/people/login/", {"username": text, "password": text})
            sweep.refused(response, f"sign in with {name}", stored())
        with rolled_back():
            response = Client().post("/api/v1/auth/token/", {"username": text, "password": text},
                                     content_type="application/json")
            api_refused(sweep, response, f"token with {name}", stored())
    for target in OFFSITE + list(TEXTS.values())[:3]:
        checks = [
            (client_for(scene, "resident"), "/i18n/setlang/", {"language": target, "next": target}),
            (client_for(scene, "neighbour"), f"/matters/{scene.new.pk}/support/", {"next": target}),
            (client_for(scene, "resident"), "/notices/read/", {"all": "1", "next": target}),
            (client_for(scene, "resident"), "/people/logout/", {"next": target}),
            (client_for(scene, "resident"), "/people/elder-mode/", {"elder_mode": target,
                                                                    "next": target}),
            (Client(), f"/people/login/?next={quote(target)}", {"username": "resident",
                                                                  "password": "wrong"}),
        ]
        for client, url, data in checks:
            with rolled_back():
                response = client.post(url, data)
                where = f"POST {url} next={target[:30]!r}"
                if sweep.check(response, where) and response.status_code in (301, 302):
                    location = response["Location"]
                    if not url_has_allowed_host_and_scheme(location, {"testserver"}) \
                            or location.lower().startswith(("//", "/\\", "javascript:")):
                        sweep.problems.append(f"{where}: redirects to {location!r}")
    for value in ("1" + HUGE, SUPERSCRIPT, NEGATIVE, SCRIPT, ""):
        response = client_for(scene, "resident").post("/notices/read/", {"notice": value})
        sweep.check(response, f"notices/read notice={value[:10]!r}")
    sweep.done()


def test_erasure_needs_the_exact_word_whatever_is_typed(scene):
    from tongxin.people.models import Person

    sweep = Sweep()
    client = client_for(scene, "resident")
    for name, text in {**TEXTS, "lowercase": "delete", "spaced": "D E L E T E",
                       "zero-width inside": "DE\u200bLETE", "fullwidth": "ＤＥＬＥＴＥ"}.items():
        with rolled_back():
            before = stored()
            response = client.post("/privacy/delete/", {"confirm": text})
            sweep.refused(response, f"erasure confirmed with {name}", before)
            if Person.objects.get(pk=scene.world.resident.pk).full_name != "张小明":
                sweep.problems.append(f"erasure confirmed with {name}: anonymised")
    sweep.done()


def test_roster_uploads_that_are_not_rosters_are_refused(scene, settings):
    settings.TONGXIN_ROSTER_MAX_BYTES = 2048
    sweep = Sweep()
    client = client_for(scene, Role.DISTRICT_OFFICER.value)
    files = {
        "not a workbook": (f"{SCRIPT}.xlsx", b"<html>" + SCRIPT.encode()),
        "empty": ("roster.xlsx", b""),
        "GBK CSV": ("roster.csv", "姓名,电话\n张三,13900000000\n".encode("gbk")),
        "oversized": ("roster.xlsx", b"PK\x03\x04" + os.urandom(4096)),
        "zip of nothing": ("roster.xlsx", b"PK\x05\x06" + b"\x00" * 18),
    }
    for name, (filename, content) in files.items():
        for root in ("", SCRIPT, HUGE, NEGATIVE):
            with rolled_back():
                before = stored()
                response = client.post("/people/import/", {
                    "file": SimpleUploadedFile(filename, content), "root": root})
                sweep.refused(response, f"roster {name} root={root[:10]!r}", before)
    sweep.done()


# --- hostile but valid text is kept as typed and shown escaped, everywhere -------------------------------


def test_a_script_tag_is_kept_as_typed_and_shown_escaped_on_every_page(scene, parking):
    """A title, description, note and result holding a script tag: stored verbatim; every
    page that shows them escapes them; the API and Open311 JSON carry them as data."""
    from tongxin.matters.models import Matter

    w = scene.world
    title = f"{SCRIPT} 东门电动车乱停放"
    resident, grid = client_for(scene, "resident"), client_for(scene, GRID)
    response = resident.post("/matters/raise/", {
        "title": title, "description": SCRIPT, "category": parking.pk, "place": "building",
        "publish_consent": "on"})  # Open311 publishes a description only with consent
    assert response.status_code == 302, error_texts(response)
    matter = Matter.objects.get(title=title)
    assert matter.description == SCRIPT
    detail = f"/matters/{matter.pk}/"
    pages = [(grid, "/matters/inbox/"), (grid, "/matters/"), (grid, f"/matters/?q={quote(SCRIPT)}")]
    for client, path in pages:  # while it waits to be heard
        response = client.get(path)
        assert response.status_code == 200
        assert SCRIPT not in response.content.decode() and ESCAPED in response.content.decode()
    for action, data in (("triage", {"kind": "immediate", "category": parking.pk,
                                     "note": SCRIPT, "golden_reason": SCRIPT}),
                         ("resolve", {"what_was_done": f"{SCRIPT} 已清理东门电动车并划线",
                                      "basis": f"{SCRIPT} 消防法第二十八条",
                                      "standard": f"{SCRIPT} 消防通道畅通", "publish_anyway": "on",
                                      "warned": "vague,short,copied,unrelated,generic"})):
        response = grid.post(f"{detail}act/{action}/", data)
        if response.status_code == 400:  # the reply check asks to confirm its warnings
            warned = re.search(r'name="warned" value="([^"]*)"', response.content.decode())
            response = grid.post(f"{detail}act/{action}/", {
                **data, "warned": warned.group(1) if warned else ""})
        assert response.status_code == 302, (action, error_texts(response))
    staff_pages = [detail, "/matters/", f"/matters/?q={quote(SCRIPT)}"]
    resident_pages = [detail, "/matters/mine/", "/", f"/matters/board/{w.compound_a1a.code}/",
                      "/matters/similar/?title=东门电动车乱停放"]
    # Pages that may or may not show the text (summaries, pages still being written).
    other_pages = [(grid, "/hotspots/"), (grid, "/hotspots/reference/"), (resident, "/privacy/"),
                   (resident, "/notices/"), (grid, "/notices/")]
    problems = []
    checks = [(c, p, True) for c, paths in ((grid, staff_pages), (resident, resident_pages))
              for p in paths] + [(c, p, False) for c, p in other_pages]
    for client, path, shows in checks:
        response = client.get(path, HTTP_HX_REQUEST="true" if "similar" in path else "")
        html = response.content.decode()
        if response.status_code >= 500 or SCRIPT in html or (shows and (
                response.status_code != 200 or ESCAPED not in html)):
            problems.append(f"{path}: {response.status_code}, raw={SCRIPT in html}, "
                            f"escaped={ESCAPED in html}")
    for who in ("resident", "key"):
        client = api_client(scene, who)
        data = client.get(f"/api/v1/matters/{matter.pk}/").json()
        listed = client.get("/api/v1/matters/").json()["results"]
        if (data["title"], data["description"]) != (title, SCRIPT) or title not in [
                m["title"] for m in listed]:
            problems.append(f"API as {who}: {data['title']!r}")
        if not any(SCRIPT in (e["note"] or "") for e in data["timeline"]):
            problems.append(f"API as {who}: the notes are not in the timeline as typed")
    found = Client().get(f"/open311/v2/requests/{matter.pk}.json").json()
    if found[0]["description"] != SCRIPT:
        problems.append(f"Open311 JSON: {found[0]['description']!r}")
    xml = Client().get(f"/open311/v2/requests/{matter.pk}.xml").content.decode()
    if SCRIPT in xml or ESCAPED not in xml:
        problems.append("Open311 XML: not escaped")
    assert not problems, "\n".join(problems)


def test_text_made_only_of_invisible_characters_is_required_text_missing(world):
    """services.clean_text: zero-width, direction and control characters and lone
    surrogates are removed; what is left must not be empty."""
    from tongxin.kernel.errors import ServiceError
    from tongxin.matters.services import clean_text

    for blank in (ZERO_WIDTH, "\u202e\u202c", "\u2066\u2069 \u3000", "\x00\x07", "\ud800"):
        with pytest.raises(ServiceError) as refused:
            clean_text(blank, field="title", max_length=100)
        assert refused.value.code == "title_required"
        assert "标题" in refused.value.messages[0]
    assert clean_text(f" 东门{ZERO_WIDTH}电动车\u202e停放\u202c\x00 ", field="title",
                      max_length=100) == "东门电动车停放"
    assert clean_text(f"{SCRIPT}\n第二行\t制表", field="title", max_length=100) == (
        f"{SCRIPT}\n第二行\t制表")
    with pytest.raises(ServiceError) as refused:
        clean_text("长" * 101 + ZERO_WIDTH * 50, field="title", max_length=100)
    assert refused.value.code == "title_too_long"


# --- Django's admin (system administrators only) -----------------------------------------------------


def test_the_admin_takes_hostile_input_without_breaking(scene):
    sweep = Sweep()
    # Every admin route once as an anonymous caller; as the administrator, the pages that
    # read input (lists with search, filters and bulk actions; objects by id) hostile.
    routes = {n: r for n, r in all_routes().items() if n.startswith("admin:")}
    # The admin site is the site-wide superuser's (people.services.grant_superuser).
    grant_superuser(scene.world.by_role[Role.SYSTEM_ADMIN])
    admin = client_for(scene, Role.SYSTEM_ADMIN.value)
    anonymous = Client()
    for name, route in routes.items():
        # The plain path with a hostile query, and the first hostile path value (a huge id
        # or a script tag for an object id).
        paths = [path_of(route)] + [path_of(route, **v) for v in hostile_path_values(route)][:1]
        sweep.check(anonymous.get(f"{paths[0]}?{hostile_query(0)}"), f"GET {name} anonymous")
        if not name.endswith(("_change", "_changelist")):
            continue
        for turn, path in enumerate(paths):
            sweep.check(admin.get(f"{path}?{hostile_query(turn)}"), f"GET {name} {path} as admin")
        if name.endswith("_changelist"):  # bulk actions on hostile ids
            with rolled_back():
                response = admin.post(paths[0], hostile_query(1),
                                      content_type="application/x-www-form-urlencoded")
                sweep.check(response, f"POST {name} as admin")
    sweep.done()
