"""The logic of the load benchmark and crash test (bench/): percentiles, the crash tally,
and the floor view that only the benchmark's settings route (bench/settings.py)."""

import importlib.util
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.urls import Resolver404, get_resolver, resolve

from bench import views as bench_views
from tongxin.core.models import Event

BENCH = Path(__file__).resolve().parents[3] / "bench"


def load(name):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


loadgen = load("loadgen")
crash = load("crash")


# --- percentiles and ratios -------------------------------------------------------------------


def test_percentile_interpolates_between_the_nearest_ranks():
    values = list(range(1, 101))  # 1 .. 100, shuffled order must not matter
    values.reverse()
    assert loadgen.percentile(values, 50) == 50.5
    assert loadgen.percentile(values, 99) == pytest.approx(99.01)
    assert loadgen.percentile(values, 0) == 1
    assert loadgen.percentile(values, 100) == 100
    assert loadgen.percentile([0.2, 0.4], 50) == pytest.approx(0.3)


def test_percentile_of_one_value_is_that_value_and_of_none_is_an_error():
    assert loadgen.percentile([7.0], 99) == 7.0
    with pytest.raises(ValueError):
        loadgen.percentile([], 50)
    with pytest.raises(ValueError):
        loadgen.percentile([1, 2], 101)


def test_the_table_gives_throughput_latencies_queries_and_cpu_beside_their_ratios_to_the_floor():
    floor = loadgen.Result("floor", 10.0, latencies=[0.010] * 1000, queries=[1] * 1000,
                           app_cpu=2.0, db_cpu=1.0)
    page = loadgen.Result("page", 10.0, latencies=[0.040] * 100 + [0.060] * 100,
                          queries=[7, 8] * 100, errors=3, app_cpu=6.0, db_cpu=0.5)
    assert page.throughput == 20.0
    assert page.cpu_ms(page.app_cpu) == 30.0  # 6 s over 200 requests
    assert page.queries_per_request == 7.5
    figures, ratios = loadgen.format_table([floor, page], "floor").split("\n\n")
    figures, ratios = figures.splitlines(), ratios.splitlines()
    assert figures[0].split()[:2] == ["scenario", "requests"]
    assert figures[2].split()[1:] == ["1,000", "100.0", "10.0", "10.0", "10.0", "1.0", "2.0",
                                      "1.0", "0"]
    assert figures[3].split()[1:] == ["200", "20.0", "50.0", "60.0", "60.0", "7.5", "30.0",
                                      "2.5", "3"]
    assert ratios[0].split()[:3] == ["÷", "floor", "req/s"]
    assert ratios[2].split()[1:] == ["1.00", "1.0", "1.0", "1.0", "1.0", "1.0", "1.0"]
    assert ratios[3].split()[1:] == ["0.20", "5.0", "6.0", "6.0", "7.5", "15.0", "2.5"]


def test_multipart_carries_the_fields_and_the_file():
    body, content_type = loadgen.multipart(
        {"title": "路灯"}, [("photos", "a.jpg", b"\xff\xd8", "image/jpeg")])
    boundary = content_type.split("boundary=")[1]
    assert body.startswith(f"--{boundary}\r\n".encode())
    assert body.endswith(f"--{boundary}--\r\n".encode())
    assert "路灯".encode() in body and b'filename="a.jpg"' in body and b"\xff\xd8" in body


# --- the crash tally ---------------------------------------------------------------------------


def record(key, acked=True, ids=(1,), answers=(201,), outcome=None, double=False):
    return {"key": key, "acked": acked, "ids": list(ids), "answers": list(answers),
            "outcome": outcome or ("acked" if acked else "gave_up"), "double": double,
            "photo": False}


def test_tally_counts_lost_duplicated_and_mismatched_keys():
    records = [
        record("a", ids=[1]),                                  # fine
        record("b", ids=[2], answers=[500, 200]),              # replayed after a 500
        record("c", ids=[3]),                                  # acknowledged, not in the db: lost
        record("d", acked=False, ids=[], answers=["ConnectionRefusedError"]),  # never answered
        record("e", ids=[5]),                                  # in the db twice: duplicated
        record("f", ids=[99]),                                 # acknowledged with another id
        record("g", ids=[7, 7], answers=[201, 200], double=True),
        record("h", acked=False, ids=[], answers=[400], outcome="refused"),
    ]
    rows = [("a", 1), ("b", 2), ("d", 4), ("e", 5), ("e", 6), ("f", 8), ("g", 7)]
    counts = crash.tally(records, rows)
    assert counts == {
        "sent": 8, "acknowledged": 6, "found": 6, "duplicated": 1, "lost": 1,
        "mismatched": 1, "refused": 1, "gave_up": 1, "replayed": 1,
        "double_taps": 1, "double_taps_one_matter": 1,
    }


def test_tally_of_a_clean_run_has_nothing_lost_or_duplicated():
    records = [record(str(n), ids=[n]) for n in range(50)]
    counts = crash.tally(records, [(str(n), n) for n in range(50)])
    assert (counts["sent"], counts["acknowledged"], counts["found"]) == (50, 50, 50)
    assert counts["lost"] == counts["duplicated"] == counts["mismatched"] == 0


# --- the floor view ----------------------------------------------------------------------------


def _callbacks(patterns):
    """Yield the view of every route in ``patterns``, included URLconfs too."""
    for pattern in patterns:
        if hasattr(pattern, "url_patterns"):
            yield from _callbacks(pattern.url_patterns)
        else:
            yield pattern.callback


def test_the_app_urlconf_has_no_route_to_the_floor_whatever_the_environment(
        monkeypatch, client, db):
    monkeypatch.setenv("TONGXIN_BENCH", "1")  # what once routed it
    assert settings.ROOT_URLCONF == "tongxin.urls"
    assert bench_views.floor not in set(_callbacks(get_resolver("tongxin.urls").url_patterns))
    assert not any(view.__module__.startswith("bench")
                   for view in _callbacks(get_resolver("tongxin.urls").url_patterns))
    with pytest.raises(Resolver404):
        resolve("/bench/floor/")
    assert client.post("/bench/floor/").status_code == 404
    assert not Event.objects.filter(action="bench.floor").exists()


def test_the_bench_settings_route_the_floor_beside_every_app_url():
    bench_settings = importlib.import_module("bench.settings")
    assert bench_settings.ROOT_URLCONF == "bench.urls"
    production = importlib.import_module("tongxin.settings")
    # CSRF and all, as shipped, behind the counter of SQL statements (bench/middleware.py).
    assert bench_settings.MIDDLEWARE == ["bench.middleware.count_queries",
                                         *production.MIDDLEWARE]
    assert bench_settings.DEBUG == production.DEBUG
    assert resolve("/bench/floor/", urlconf="bench.urls").func is bench_views.floor
    app = {p.pattern.describe() for p in get_resolver("tongxin.urls").url_patterns}
    assert app <= {p.pattern.describe() for p in get_resolver("bench.urls").url_patterns}


def test_the_bench_middleware_counts_the_statements_of_a_request(db):
    from bench.middleware import count_queries

    def view(request):
        Event.objects.count()
        Event.objects.exists()
        from django.http import HttpResponse
        return HttpResponse("ok")

    response = count_queries(view)(RequestFactory().get("/"))
    assert response["X-Bench-Queries"] == "2"


def test_the_seeded_history_uses_the_steps_and_notice_kinds_the_app_has():
    from tongxin.matters.choices import Status
    from tongxin.matters.events import REACTIONS
    from tongxin.matters.notices import NoticeKind

    history = load("load")
    # Every status seed_matters writes (load.OPEN_STATUSES, CLOSED_STATUSES) has its timeline.
    assert set(history.OPEN_STATUSES) | set(history.CLOSED_STATUSES) == set(history.HISTORY)
    assert set(history.HISTORY) <= set(Status.values)
    steps = {step for steps in history.HISTORY.values() for step in steps}
    assert steps | {"raised"} <= set(REACTIONS) and set(history.NOTICES) >= steps
    kinds = {kind for sent in history.NOTICES.values() for kind, _who in sent}
    assert kinds <= set(NoticeKind.values)


def test_the_floor_view_inserts_one_row_on_post_only(db):
    before = Event.objects.count()
    response = bench_views.floor(RequestFactory().post("/bench/floor/"))
    assert response.status_code == 201
    assert Event.objects.count() == before + 1
    assert bench_views.floor(RequestFactory().get("/bench/floor/")).status_code == 405
    assert Event.objects.count() == before + 1
