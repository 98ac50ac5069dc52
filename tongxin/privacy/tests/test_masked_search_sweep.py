"""No search tells apart two people who differ only in a digit the viewer sees masked.

Issue 16, item 1: a masked phone (139****2282) was recovered in 27 queries by keeping the
digit whose ``?q=`` still listed the person. This sweep takes two people alike in all the
viewer sees (name, home, roles, matters) whose phone and ID numbers differ in one masked
digit (also typed into their matters' titles and descriptions), and asks every list and
search endpoint, on the pages and the API, as every
viewer who sees them masked, with slices of those numbers in every free-text parameter.
Every answer must list both or neither.

The endpoints are declared below and checked against the URL configuration (and the
API's schema): a new page or endpoint fails ``test_every_endpoint_is_swept_or_says_why``
until it is swept here or says why it searches nothing.
"""

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from drf_spectacular.generators import SchemaGenerator

from tongxin.people.choices import Role
from tongxin.people.rules import contact_for
from tongxin.people.services import assign_role, create_person
from tongxin.people.validators import id_check_digit
from tongxin.places.choices import PlaceKind as K
from tongxin.places.services import create_place

pytestmark = pytest.mark.django_db

PHONE_A, PHONE_B = "13724680135", "13724690135"  # both 137****0135
DIFF = 6  # the masked digit they differ in
assert PHONE_A[:DIFF] == PHONE_B[:DIFF] and PHONE_A[DIFF + 1:] == PHONE_B[DIFF + 1:]


def id_numbers():
    """Two valid ID numbers alike but for two masked digits (the check digit unchanged)."""
    base = "11010519850312004"
    check = id_check_digit(base)
    for digit in "0123456789":
        other = base[:8] + "6" + digit + base[10:]
        if id_check_digit(other) == check:
            return base + check, other + check
    raise AssertionError("no twin ID number")


ID_A, ID_B = id_numbers()
# How the pair also type their phone into titles (the mask reads them all as 137****0135).
SEPARATORS = (".", "\t", "\u00a0")


def written(phone, separator):
    """Return ``phone`` as 137.2468.0135 (or with a tab, a no-break space …)."""
    return separator.join((phone[:3], phone[3:7], phone[7:]))


def probes():
    """Slices of the two numbers that end in, or hold, the first digit where they differ: the
    prefix the attack grows one digit at a time, a window around it, and the whole number;
    also as written with each separator (137.2468, 137.2469 …)."""
    found = set()
    pairs = [(PHONE_A, PHONE_B), (ID_A, ID_B)]
    pairs += [(written(PHONE_A, s), written(PHONE_B, s)) for s in SEPARATORS]
    for a, b in pairs:
        i = next(i for i, (x, y) in enumerate(zip(a, b)) if x != y)
        for start, stop in ((0, i + 1), (max(0, i - 3), i + 1), (0, len(a))):
            found |= {a[start:stop], b[start:stop]}
    return sorted(found)


# --- what is swept ------------------------------------------------------------------------
# URL name → (how it is called, the free-text parameters to probe, how to read the rows)


def _people_rows(response):
    return {("person", person.pk) for person, _contact in response.context["rows"]}


def _record_rows(response):
    return {("person", row["person"].pk) for row in response.context["results"]}


def _matter_page_rows(response):
    return {("matter", m.pk) for m in response.context["page"].object_list}


def _similar_rows(response):
    return {("matter", row["matter"].pk) for row in response.context["rows"]}


def _place_rows(response):
    return {("place", place.pk) for place, _label in response.context["place_results"]}


def _api_rows(kind):
    def read(response):
        return {(kind, row["id"]) for row in response.json()["results"]}
    return read


SWEPT = {
    "people:list": ("page", ["q"], _people_rows),
    "matters:record": ("htmx", ["q"], _record_rows),
    "matters:record_places": ("htmx", ["place_q"], _place_rows),
    "matters:list": ("page", ["q"], _matter_page_rows),
    "matters:similar": ("page", ["title", "description"], _similar_rows),
    "api:people": ("api", ["q"], _api_rows("person")),
    "api:matters": ("api", ["q"], _api_rows("matter")),
    "api:places": ("api", ["q"], _api_rows("place")),
}

# Every other URL, and why it takes no text that could be matched against a person.
NOT_SEARCHES = {
    "core:home": "no parameters",
    "core:audit": "kind and day only (a choice and a date)",
    "core:healthz": "no parameters",
    "places:list": "no parameters",
    "places:detail": "one place by its code; only ?page",
    "people:login": "signs in",
    "people:logout": "signs out",
    "people:detail": "one person by id",
    "people:roster_import": "an upload",
    "people:elder_mode": "an action: one's own elder mode",
    "people:roster_template": "a blank template",
    "matters:raise": "a form",
    "matters:mine": "the caller's own matters; only ?page",
    "matters:board": "one compound's board by its code; only ?page",
    "matters:boards": "the caller's own compounds' boards; no parameters",
    "matters:support": "an action",
    "matters:rate": "an action",
    "matters:raise_step": "a screen of the elder raise: a step name in the path",
    "matters:more": "a matter's other actions: an id in the path",
    "matters:reopen": "an action",
    "matters:inspect": "an action",
    "matters:inbox": "the caller's work; only ?page",
    "matters:detail": "one matter by id",
    "matters:act": "an action",
    "matters:whistle_act": "an action",
    "matters:photo": "one photo by id",
    "notices:inbox": "the caller's notices; only ?page",
    "notices:read": "an action",
    "triage:routing": "one district's routing table by its code",
    "triage:routing_add": "an action",
    "triage:retrain": "an action",
    "triage:routing_edit": "an action",
    "triage:routing_delete": "an action",
    "triage:raise_hint": "suggests categories for the caller's own text; lists no one",
    "triage:reply_baseline": "an action",
    "triage:reply_check": "checks the caller's own answer text; lists no one",
    "hotspots:index": "a period (a choice)",
    "hotspots:export": "a period (a choice)",
    "hotspots:confirm": "an action",
    "hotspots:split": "an action",
    "hotspots:reference": "no parameters",
    "hotspots:reference_export": "no parameters",
    "privacy:home": "the caller's own data",
    "privacy:export": "the caller's own data",
    "privacy:delete": "an action",
    "api:schema": "the schema",
    "api:docs": "the documentation",
    "api:token": "signs in",
    "api:me": "the caller",
    "api:place": "one place by its code",
    "api:person": "one person by id",
    "api:categories": "parent (an id) and depth (a number)",
    "api:matter": "one matter by id",
    "api:matter-support": "an action",
    "api:photo": "one photo by id",
    "api:whistles": "status (a choice) and mine (a flag)",
    "api:whistle-report-in": "an action",
    "api:whistle-answer": "an action",
    "api:notices": "unread (a flag)",
    "api:notices-read-all": "an action",
    "api:notice-read": "an action",
    "api:None": "the API's 404",
    "open311:discovery": "public; no parameters",
    "open311:services": "public; the categories",
    "open311:service": "public; one category",
    "open311:requests": "public, lists no one: ids, category codes, statuses and dates only",
    "open311:request": "public; one request by id",
    "open311:token": "public; one token",
    "open311:servicerequestupdates": "public, lists no one: dates only",
    "set_language": "an action",
}
ACTION_PREFIX = "api:matter-"  # one endpoint per action of the transition table


def url_names(patterns=None, namespace=""):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            inner = ":".join(filter(None, [namespace, p.namespace]))
            if inner != "admin":  # the Django admin is for the site-wide superuser alone
                yield from url_names(p.url_patterns, inner)
        elif isinstance(p, URLPattern):
            yield ":".join(filter(None, [namespace, str(p.name)]))


def test_every_endpoint_is_swept_or_says_why():
    names = set(url_names())
    unknown = {n for n in names - set(SWEPT) - set(NOT_SEARCHES)
               if not (n.startswith(ACTION_PREFIX) and n != "api:matter-support")}
    assert not unknown, f"declare these in SWEPT or NOT_SEARCHES: {sorted(unknown)}"
    assert not (set(SWEPT) | set(NOT_SEARCHES)) - names, "declared but gone"


def test_every_text_parameter_of_the_api_is_swept():
    """The schema's free-text query parameters are probed (not choices, codes or paging)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    swept = {(reverse(name), param) for name, (how, params, _read) in SWEPT.items()
             if how == "api" for param in params}
    for path, operations in schema["paths"].items():
        for parameter in operations.get("get", {}).get("parameters", []):
            kind = parameter["schema"]
            if (parameter["in"] != "query" or kind.get("type") != "string" or "enum" in kind
                    or "pattern" in kind or "format" in kind):
                continue  # a number, a flag, a choice, a code or a date: nothing to match
            assert (path, parameter["name"]) in swept, (
                f"GET {path}?{parameter['name']}= takes text and is not swept")


# --- the pair, in three settings ----------------------------------------------------------


def _pair(world, setting, new_matter):
    """Create A and B (alike but for a masked digit) and, where they can, a matter each."""
    household = {"neighbours": lambda: create_place(kind=K.HOUSEHOLD, name="3单元301",
                                                    parent=world.b1),
                 "housemates": lambda: world.h1,
                 "colleagues": lambda: None}[setting]()
    a = create_person(full_name="周双生", phone=PHONE_A, id_number=ID_A, household=household)
    b = create_person(full_name="周双生", phone=PHONE_B, id_number=ID_B, household=household)
    tokens = {("person", a.pk): ("person", b.pk), ("person", b.pk): ("person", a.pk)}
    if setting == "colleagues":
        for person in (a, b):
            assign_role(person, role=Role.BUILDING_HEAD, place=world.b1)
            assign_role(person, role=Role.DEPARTMENT_STAFF, place=world.district,
                        organisation=world.department)
            assign_role(person, role=Role.PARTNER_MEMBER, place=world.community_a1,
                        organisation=world.partner)
            assign_role(person, role=Role.PROPERTY_STAFF, place=world.compound_a1a,
                        organisation=world.property)
            assign_role(person, role=Role.OWNERS_COMMITTEE, place=world.compound_a1a,
                        organisation=world.owners)
    else:
        # Each typed their own phone into the title and description (issue 16, item 2), also
        # with dots, a tab or a no-break space between its groups (item 29).
        titles = [lambda p: f"三单元楼道灯坏了 电话{p.phone}",
                  *(lambda p, s=s: f"楼道灯坏了 请回电{written(p.phone, s)}" for s in SEPARATORS)]
        for title in titles:
            ma, mb = (new_matter(by=p, title=title(p),
                                 description=f"楼道灯不亮，晚上看不见。请打{p.phone}联系。")
                      for p in (a, b))
            tokens |= {("matter", ma.pk): ("matter", mb.pk),
                       ("matter", mb.pk): ("matter", ma.pk)}
    return a, b, tokens


def _ask(client, api, viewer, name, how, params):
    if how == "api":
        response = api(viewer).get(reverse(name), params)
    else:
        client.force_login(viewer)
        headers = {"HX-Request": "true"} if how == "htmx" else {}
        response = client.get(reverse(name), params, headers=headers)
    if response.status_code in (400, 403, 404):
        return response.status_code
    assert response.status_code == 200, (name, params, response.status_code)
    return response


@pytest.fixture
def api():
    from rest_framework.test import APIClient

    from tongxin.api.tokens import issue_token

    def make(person):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(person)[1]}")
        return client

    return make


@pytest.fixture(autouse=True)
def _no_limits(settings):
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _sweep(client, api, world, new_matter, setting):
    """Return the roles that saw the pair masked, and every answer that told them apart."""
    a, b, twins = _pair(world, setting, new_matter)
    viewers = []
    for role, viewer in world.by_role.items():
        if not type(a).objects.visible_to(viewer).filter(pk=a.pk).exists():
            continue
        seen_a, seen_b = contact_for(viewer, a), contact_for(viewer, b)
        assert seen_a["masked"] == seen_b["masked"]
        if seen_a["masked"]:
            assert (seen_a["phone"], seen_a["id_number"]) == (seen_b["phone"], seen_b["id_number"])
            viewers.append((role, viewer))
    told_apart = []
    for role, viewer in viewers:
        for name, (how, params, read) in SWEPT.items():
            for param in params:
                for probe in probes():
                    response = _ask(client, api, viewer, name, how, {param: probe})
                    if isinstance(response, int):
                        continue
                    rows = read(response)
                    if rows != {twins.get(row, row) for row in rows}:
                        told_apart.append((setting, role.value, name, f"{param}={probe}"))
    return {role for role, _viewer in viewers}, told_apart


def test_no_search_tells_apart_two_people_who_differ_in_a_masked_digit(
        client, api, world, new_matter):
    from tongxin.kernel.scope import scope_for

    covered, told_apart = set(), []
    for setting in ("neighbours", "housemates", "colleagues"):
        with transaction.atomic():
            roles, told = _sweep(client, api, world, new_matter, setting)
            transaction.set_rollback(True)
        covered |= roles
        told_apart += told
    assert not told_apart, told_apart
    # Every role took part, but the site-wide superuser's, who sees every contact whole.
    expected = {role for role, viewer in world.by_role.items() if not scope_for(viewer).everything}
    assert expected <= covered, expected - covered
