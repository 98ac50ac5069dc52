"""The OpenAPI document is valid, and the API keeps to it: schemathesis generates requests
for every operation (a bounded number each) and finds no server error and no response
that breaks the document."""

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
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tongxin.api.tokens import issue_token
from tongxin.matters import services
from tongxin.matters.models import Whistle
from tongxin.notices.models import Notice
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db

# Examples per operation and mode: enough to reach every branch of a body once or twice,
# few enough that the run stays well under a minute on SQLite and PostgreSQL.
MAX_EXAMPLES = 12
CHECKS = [not_a_server_error, response_schema_conformance]


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
            case.body.update({name: value for name, value in real_body_values.items()
                              if name in case.body})
        # Our own credentials, not generated ones (an X-Api-Key would be tried first).
        case.headers = {name: value for name, value in (case.headers or {}).items()
                        if name.lower() not in ("authorization", "x-api-key")}
        response = case.call(headers=headers)
        statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS)

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
