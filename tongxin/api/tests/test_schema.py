"""The OpenAPI document is valid, and the API keeps to it: schemathesis generates requests
for every operation (a bounded number each) and runs all its checks on the answers: no
server error, no response off the document, no request the document forbids accepted
(negative data), no request it allows refused as malformed, authentication enforced."""

import json
import re
import time
from collections import Counter

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS as REGISTERED_CHECKS
from schemathesis.checks import load_all_checks
from schemathesis.core.failures import Failure
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tongxin.api.tokens import issue_token
from tongxin.matters import services
from tongxin.matters.models import Whistle
from tongxin.notices.models import Notice
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db

# Examples per operation and mode: enough to reach every branch of a body once or twice,
# few enough that the run stays well under a minute on SQLite and PostgreSQL.
MAX_EXAMPLES = 12


def schema_valid_input_passes_validation(ctx, response, case):
    """A request the document allows is never refused as malformed (code ``invalid`` or
    ``parse_error``, the serializers' and parsers' refusals).

    Schemathesis's own positive_data_acceptance expects no 400 at all for such a request;
    but a well-formed request can still be refused by a service, with that refusal's own
    code (a wrong password, a category of another district, no place for a caller without
    a home): the document cannot know which ids exist. This check stands in for it.
    """
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    if response.status_code == 400:
        code = json.loads(response.content)["error"]["code"]
        if code in ("invalid", "parse_error"):
            raise Failure(operation=case.operation.label,
                          title="Schema-valid request refused as malformed",
                          message=response.content.decode()[:500])
    return None


# What `schemathesis run --checks all` runs (negative data, authentication, headers …).
load_all_checks()
CHECKS = [check for check in REGISTERED_CHECKS.get_all() if check is not positive_data_acceptance]
CHECKS.append(schema_valid_input_passes_validation)


def test_the_generated_document_is_valid_openapi_3():
    document = SchemaGenerator().get_schema(request=None, public=True)

    validate_schema(document)  # raises on an invalid document
    assert document["openapi"].startswith("3.")
    assert "/api/v1/matters/{id}/actions/triage/" in document["paths"]
    assert document["components"]["schemas"]["Error"]["properties"]["error"]


def test_the_document_is_served_as_yaml_and_json(client):
    assert client.get("/api/v1/schema/").status_code == 200
    response = client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Tongxin API"


def test_the_reference_page_lists_every_operation_and_loads_no_script(client):
    document = SchemaGenerator().get_schema(request=None, public=True)

    page = client.get("/api/v1/docs/").content.decode()

    for path, item in document["paths"].items():
        assert path in page
        for operation in item.values():
            assert f'id="{operation["operationId"]}"' in page
    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts and all('src="/static/' in tag for tag in scripts)  # the site's own only
    assert "cdn" not in page.lower() and "//" not in "".join(scripts)


@pytest.fixture
def in_process_requests():
    """Keep the test's connection (and its transaction) across in-process WSGI calls.

    Django closes "old" connections at the start and end of every request; inside the
    test's transaction that would roll it back. The test client disconnects the same
    handlers; requests through the raw WSGI handler need it done here.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _matters_in_every_kind_of_state(world, new_matter, parking):
    """Raise a few matters and walk some of them on, so that path ids hit real rows."""
    officer = world.by_role[Role.DISTRICT_OFFICER]
    fresh = new_matter(title="新提交的事")
    handled = new_matter(title="办理中的事")
    services.triage(handled, by=world.by_role[Role.GRID_WORKER], kind="immediate")
    whistled = new_matter(title="吹哨的事")
    services.escalate(whistled, by=officer, reason="需要区里协调", to_level="district")
    services.whistle(whistled, by=officer, departments=[world.department])
    resolved = new_matter(title="已办结待评价的事")
    services.triage(resolved, by=officer, kind="immediate")
    services.resolve(resolved, by=officer, what_was_done="已清理", basis="物业合同",
                     standard="通道畅通")
    return [fresh, handled, whistled, resolved]


def _example_runner(strategy, real, real_body_values, headers, statuses):
    """Return the hypothesis test calling one operation with generated cases (a closure:
    @given refuses a function with default arguments)."""

    @given(case=strategy)
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
              derandomize=True, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    def call(case):
        if real and isinstance(case.body, dict):
            # A raise names a place too: the officer has no home to default to.
            raising = case.operation.path == "/api/v1/matters/"
            case.body.update({name: value for name, value in real_body_values.items()
                              if name in case.body or (raising and name == "place")})
        # Our own credentials, not generated ones (an X-Api-Key would be tried first).
        case.headers = {name: value for name, value in (case.headers or {}).items()
                        if name.lower() not in ("authorization", "x-api-key")}
        response = case.call(headers=headers)
        statuses[response.status_code] += 1
        # Our headers say the credentials are real, so authentication is probed without them.
        case.validate_response(response, checks=CHECKS, headers=headers)

    return call


def test_schemathesis_finds_no_server_error_and_no_response_off_the_schema(
        world, new_matter, parking, in_process_requests):
    officer = world.by_role[Role.DISTRICT_OFFICER]
    fresh, handled, whistled, resolved = _matters_in_every_kind_of_state(world, new_matter,
                                                                         parking)
    # The matter on which each action can succeed, so that success bodies are checked too.
    matter_for = {"park": handled, "resume": handled, "whistle": whistled,
                  "resolve": handled, "close_unsolved": handled, "inspect": resolved,
                  "inspect_pass": resolved, "inspect_fail": resolved, "rate": resolved,
                  "rate_ok": resolved, "rate_unsatisfied": resolved, "close": resolved,
                  "reopen": resolved}
    headers = {"Authorization": f"Token {issue_token(officer)[1]}"}
    notice = Notice.objects.filter(recipient=officer).first()
    # Path ids that exist, so that generated bodies reach the services, not only a 404.
    real_ids = {
        "/api/v1/matters/{id}/": fresh.pk,
        "/api/v1/people/{id}/": officer.pk,
        "/api/v1/places/{code}/": world.district.code,
        "/api/v1/notices/{id}/read/": notice.pk if notice else 1,
        "/api/v1/whistles/{id}/": Whistle.objects.first().pk,
    }
    # Ids inside bodies, likewise (a random category id is almost never a category).
    real_body_values = {"category": parking.pk, "place": world.b1.code,
                        "departments": [world.department.pk], "into": handled.pk,
                        "reporter": world.resident.pk}
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", in_process_requests)
    started, operations, statuses = time.monotonic(), 0, Counter()

    def fixed_path_parameters(operation):
        action = re.search(r"/actions/(\w+)/$", operation.path)
        if action:
            return {"id": matter_for.get(action.group(1), fresh).pk}
        for prefix, value in real_ids.items():
            stem = prefix.rsplit("{", 1)[0]
            if operation.path.startswith(stem) and "{" in operation.path:
                name = operation.path[len(stem):].split("}", 1)[0].lstrip("{")
                return {name: value}
        return None

    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        runs = [(GenerationMode.POSITIVE, None, False), (GenerationMode.NEGATIVE, None, False)]
        fixed = fixed_path_parameters(operation)
        if fixed or operation.method.upper() == "POST":
            runs.append((GenerationMode.POSITIVE, fixed, True))
        for mode, path_parameters, real in runs:
            strategy = operation.as_strategy(generation_mode=mode,
                                             path_parameters=path_parameters)

            call = _example_runner(strategy, real, real_body_values, headers, statuses)
            try:
                call()
            except Unsatisfiable:
                # Nothing to negate (no parameters, no body): no negative case exists.
                assert mode == GenerationMode.NEGATIVE, operation.label
    elapsed = time.monotonic() - started
    print(f"\nschemathesis: {operations} operations, {sum(statuses.values())} examples, "
          f"{elapsed:.1f} s; statuses {dict(sorted(statuses.items()))}")
    assert operations >= 30
    assert statuses[200] and statuses[201]  # successes were checked, not only refusals


# --- The document and the behaviour agree on the inputs the probe found disagreeing -------


def _parameter(document, path, name):
    return next(p for p in document["paths"][path]["get"]["parameters"] if p["name"] == name)


def _body_schema(document, path):
    ref = document["paths"][path]["post"]["requestBody"]["content"]["application/json"][
        "schema"]["$ref"]
    return document["components"]["schemas"][ref.rsplit("/", 1)[1]]


def _refused_field(response):
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    return set(error["fields"])


@pytest.mark.parametrize("value", ["true", "0.02", "0", "-1", "", "2x"])
def test_a_page_size_that_is_not_a_whole_number_of_at_least_one_is_refused(world, api, value):
    client = api(world.by_role[Role.DISTRICT_OFFICER])

    assert _refused_field(client.get("/api/v1/people/", {"page_size": value})) == {"page_size"}


@pytest.mark.parametrize("value", ["", "last", "0", "1.5"])
def test_a_page_that_is_not_a_whole_number_of_at_least_one_is_refused(world, api, value):
    client = api(world.by_role[Role.DISTRICT_OFFICER])

    assert _refused_field(client.get("/api/v1/people/", {"page": value})) == {"page"}
    assert client.get("/api/v1/people/", {"page": "999"}).status_code == 404  # past the last


def test_photos_are_documented_for_multipart_bodies_only(world, new_matter, parking, api):
    document = SchemaGenerator().get_schema(request=None, public=True)
    for path in ("/api/v1/matters/", "/api/v1/matters/{id}/actions/resolve/"):
        content = document["paths"][path]["post"]["requestBody"]["content"]
        ref = content["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]
        assert "photos" in document["components"]["schemas"][ref]["properties"]
        assert "photos" not in _body_schema(document, path)["properties"]


def test_a_page_size_over_the_most_gives_the_most_and_the_document_says_so(world, api):
    document = SchemaGenerator().get_schema(request=None, public=True)
    client = api(world.by_role[Role.DISTRICT_OFFICER])

    assert client.get("/api/v1/places/", {"page_size": "500"}).status_code == 200
    assert _parameter(document, "/api/v1/places/", "page_size")["schema"]["minimum"] == 1
    assert _parameter(document, "/api/v1/places/", "page")["schema"]["minimum"] == 1


@pytest.mark.parametrize(("path", "name"), [
    ("/api/v1/matters/", "place"), ("/api/v1/matters/", "status"), ("/api/v1/matters/", "q"),
    ("/api/v1/matters/", "overdue"), ("/api/v1/people/", "place"),
    ("/api/v1/whistles/", "status"), ("/api/v1/notices/", "unread"),
    ("/api/v1/categories/", "depth"),
])
def test_an_empty_query_parameter_is_refused_as_the_document_says(world, api, path, name):
    document = SchemaGenerator().get_schema(request=None, public=True)
    schema = _parameter(document, path, name)["schema"]
    assert schema.get("minLength", 0) >= 1 or "enum" in schema or schema["type"] != "string"

    client = api(world.by_role[Role.DISTRICT_OFFICER])

    assert _refused_field(client.get(path, {name: ""})) == {name}


@pytest.mark.parametrize("value", ["yes", "1", "on"])
def test_a_boolean_query_parameter_is_true_or_false(world, api, value):
    client = api(world.resident)

    assert _refused_field(client.get("/api/v1/notices/", {"unread": value})) == {"unread"}
    assert client.get("/api/v1/notices/", {"unread": "true"}).status_code == 200


def test_a_number_is_not_text_nor_a_text_a_number_in_a_json_body(world, new_matter, parking,
                                                                  api):
    officer = api(world.by_role[Role.DISTRICT_OFFICER])
    matter = new_matter()

    golden = officer.post(f"/api/v1/matters/{matter.pk}/actions/flag_golden/", {"reason": 123},
                          format="json")
    assert _refused_field(golden) == {"reason"}
    resident = api(world.resident)
    for field, value in (("title", 42), ("category", str(parking.pk)),
                         ("publish_consent", "yes"), ("place", int(world.b1.code))):
        body = {"title": "楼道灯坏了", "description": "三楼楼道灯不亮", "category": parking.pk,
                field: value}
        assert _refused_field(resident.post("/api/v1/matters/", body, format="json")) == {field}


def test_text_of_only_whitespace_is_refused_and_the_document_says_so(world, new_matter, api):
    document = SchemaGenerator().get_schema(request=None, public=True)
    reason = _body_schema(document, "/api/v1/matters/{id}/actions/escalate/")["properties"][
        "reason"]
    assert not re.search(reason["pattern"], " \t\u3000 ")
    assert re.search(reason["pattern"], " 需要区里协调 ")
    note = _body_schema(document, "/api/v1/matters/{id}/actions/resume/")["properties"]["note"]
    assert re.search(note["oneOf"][0]["pattern"], "   ")  # an optional note may be blank

    grid = api(world.by_role[Role.GRID_WORKER])
    matter = new_matter()
    refused = grid.post(f"/api/v1/matters/{matter.pk}/actions/escalate/", {"reason": "   "},
                        format="json")
    assert _refused_field(refused) == {"reason"}


@pytest.mark.parametrize("place", ["h1", "g1"])
def test_staff_raise_only_at_a_community_compound_or_building_as_the_document_says(
        world, parking, api, place):
    officer = api(world.by_role[Role.DISTRICT_OFFICER])
    body = {"title": "楼道灯坏了", "description": "三楼楼道灯不亮", "category": parking.pk}

    refused = officer.post("/api/v1/matters/", {**body, "place": getattr(world, place).code},
                           format="json")

    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "place_kind"
    assert refused.json()["error"]["fields"] == {"place": [refused.json()["error"]["message"]]}
    done = officer.post("/api/v1/matters/", {**body, "place": world.b1.code}, format="json")
    assert done.status_code == 201
