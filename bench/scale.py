"""The staff list, the inbox, title search and a matter's page at 1 M and 10 M matters.

    .venv/bin/python bench/scale.py                 # 1,000,000 then 10,000,000 matters
    SCALE=1000000 .venv/bin/python bench/scale.py   # one size (or several: SCALE=1000000,3000000)

A throw-away PostgreSQL 15 (bench/stack.py), the app migrated and the demo district built
in this process, then the matters written with COPY (not the ORM): the shapes of
``bench/load.py`` (owners, open share, statuses, the demo complaints' titles and
categories), spread over the district's buildings and five years. The secondary indexes of
the matters table are dropped for the load and rebuilt after it, as a bulk import would,
then VACUUM ANALYZE. Each larger size adds rows to the same table.

Each scenario is a page requested through Django's test client in this process (no
network): the figure is server time, from the request entering the middleware to the
response rendered, p50 and p95 of ``--repeat`` requests after one warm-up. Beside it: the
queries per request and the plan of its slowest query (EXPLAIN: the scan kinds and the
indexes it uses). "before" rows time what the old code ran (exact COUNT(*) of the
visible rows; an OFFSET page) on the same data, for contrast.
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import stack
from load import CHANNELS, CLOSED_STATUSES, OPEN_STATUSES, OWNER_LEVELS, _weighted

LEVELS = ["grid", "compound", "community", "street", "district"]
OPEN_SHARE = 0.04
YEARS = 5
WORDS = ["路灯", "漏水", "噪音", "停车", "电梯", "垃圾", "绿化", "下水道", "楼道", "物业费",
         "装修", "占道", "外墙", "消防通道", "充电桩", "违建", "养狗", "管道", "井盖", "积水"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default=os.environ.get("SCALE", "1000000,10000000"),
                        help="comma-separated sizes (default: env SCALE, else 1 M and 10 M)")
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("REPEAT", "20")))
    parser.add_argument("--seed", type=int, default=4)
    return parser.parse_args()


# --- the matters, by COPY ------------------------------------------------------------------------


class World:
    """What the rows are made of: buildings with their owners' chain, residents, titles."""

    def __init__(self, district):
        from tongxin.demo.matters import MATTERS
        from tongxin.matters.models import Category
        from tongxin.people.models import Person
        from tongxin.places.choices import PlaceKind
        from tongxin.places.models import Place

        self.district = district
        places = {p.pk: p for p in
                  Place.objects.within(district).exclude(kind=PlaceKind.HOUSEHOLD)}
        residents = {}
        for pk, building_id in Person.objects.filter(
                household__code__startswith=district.code, is_active=True).values_list(
                "pk", "household__parent_id"):
            residents.setdefault(building_id, []).append(pk)
        self.residents = residents
        self.buildings = [p for p in places.values()
                          if p.kind == PlaceKind.BUILDING and p.pk in residents]
        self.chains = {}
        for building in self.buildings:
            chain, place = {}, building
            while place is not None:
                chain[str(place.kind)] = place
                place = places.get(place.parent_id)
            self.chains[building.pk] = chain
        tops = dict(Category.objects.filter(district=district).values_list("pk", "parent_id"))

        def top(pk):
            while tops.get(pk):
                pk = tops[pk]
            return pk

        self.templates = []
        for demo in MATTERS:
            *parents, leaf = demo.category
            category = Category.objects.filter(district=district, name=leaf,
                                               parent__name=parents[-1]).first()
            if category is not None:
                self.templates.append((demo.title, demo.description[:200], category.pk,
                                       top(category.pk)))


COLUMNS = ["district_id", "place_id", "place_code", "title", "title_masked", "description",
           "category_id", "top_category_id", "reporter_id", "contact_name", "contact_phone",
           "created_by_id", "channel", "raised_level", "publish_consent", "status", "kind",
           "emergency", "owner_level", "owner_place_id", "owner_code", "stage", "due_at",
           "golden_idea", "golden_reason", "reject_reason", "supporter_count", "rework_count",
           "reopen_count", "escalation_count", "satisfaction", "created_at", "heard_at",
           "resolved_at", "published_at", "closed_at", "address"]


def rows(world, count, rng, now):
    """Yield ``count`` matter rows (tuples in COLUMNS order)."""
    for _n in range(count):
        building = rng.choice(world.buildings)
        chain = world.chains[building.pk]
        title, description, category_id, top_id = rng.choice(world.templates)
        title = f"{rng.choice(WORDS)}{title}"[:100]
        reporter = rng.choice(world.residents[building.pk])
        is_open = rng.random() < OPEN_SHARE
        level = _weighted(rng, OWNER_LEVELS)
        if is_open:
            status = _weighted(rng, OPEN_STATUSES)
            created = now - timedelta(hours=rng.uniform(0.1, 24 * 30))
        else:
            status = _weighted(rng, CLOSED_STATUSES)
            created = now - timedelta(days=rng.uniform(30, YEARS * 365))
        if status == "new":
            level = "grid"
        owner = chain.get(level) or chain["grid"]
        heard = None if status == "new" else created + timedelta(hours=rng.uniform(0.2, 20))
        stage = due = resolved = closed = None
        kind = satisfaction = reject = ""
        if status == "new":
            stage, due = "hear", created + timedelta(hours=24)
        elif status in ("in_progress", "rectifying"):
            stage, due = "handle", heard + timedelta(days=rng.choice([1, 10, 14, 21]))
            kind = "pending"
        elif status in ("closed", "closed_unsolved"):
            kind = "immediate"
            resolved = heard + timedelta(days=rng.uniform(0.5, 12))
            closed = resolved + timedelta(days=rng.uniform(1, 15))
            satisfaction = "satisfied"
        elif status == "rejected":
            kind, reject, closed = "immediate", "duplicate", heard
        elif status == "resolved":
            kind, resolved = "immediate", heard + timedelta(days=2)
        else:
            kind = "pending"
        yield (world.district.pk, building.pk, building.code, title, title, description,
               category_id, top_id, reporter, "", "", reporter, _weighted(rng, CHANNELS),
               "grid", False, status, kind, rng.random() < 0.01, level, owner.pk, owner.code,
               stage or "", due, False, "", reject, int(rng.expovariate(1.5)), 0, 0,
               LEVELS.index(level), satisfaction, created, heard, resolved, resolved, closed,
               "")


def secondary_indexes(cursor):
    cursor.execute("""
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.tablename = 'matters_matter' AND NOT EXISTS (
            SELECT 1 FROM pg_constraint c WHERE c.conindid = (i.schemaname || '.' || i.indexname)::regclass)
    """)
    return cursor.fetchall()


def load(world, count, rng):
    """COPY ``count`` more matters; rebuild the secondary indexes; VACUUM ANALYZE."""
    from django.db import connection
    from django.utils import timezone

    now = timezone.now()
    started = time.monotonic()
    with connection.cursor() as cursor:
        indexes = secondary_indexes(cursor)
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET session_replication_role = replica")  # no FK trigger per row
        raw = cursor.cursor
        with raw.copy(f"COPY matters_matter ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows(world, count, rng, now):
                copy.write_row(row)
        cursor.execute("SET session_replication_role = DEFAULT")
        copied = time.monotonic()
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        indexed = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE matters_matter")
    stack.log(f"  COPY {count:,} rows {copied - started:.0f} s, indexes "
              f"{indexed - copied:.0f} s, vacuum {time.monotonic() - indexed:.0f} s")


# --- measuring -------------------------------------------------------------------------------


def plan_kind(sql, params):
    """Return the plan of ``sql`` as its node types, with the indexes they read."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    kinds = []

    def walk(node):
        kind = node["Node Type"]
        if node.get("Index Name"):
            kind += f"({node['Index Name']})"
        if kind not in kinds:
            kinds.append(kind)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return " > ".join(kinds)


def measure(client, url, repeat):
    """Return (p50 ms, p95 ms, DB ms p50, queries, plan of the slowest matters query) of GET
    ``url``: server time around the whole request, DB time the sum of its queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm-up (and the status check)
    if response.status_code != 200:
        raise RuntimeError(f"{url}: HTTP {response.status_code}")
    times, db_times, cpu_times = [], [], []
    for _n in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            start, cpu = time.perf_counter(), time.process_time()
            client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            cpu_times.append((time.process_time() - cpu) * 1000)
        db_times.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
    ours = [q for q in captured.captured_queries if '"matters_matter"' in q["sql"]
            and q["sql"].lstrip().upper().startswith("SELECT")]
    plan = plan_kind(max(ours, key=lambda q: float(q["time"]))["sql"], None) if ours else ""
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return (statistics.median(times), p95, statistics.median(db_times),
            statistics.median(cpu_times), len(captured.captured_queries), plan)


def timed_sql(queryset_call, repeat):
    """Return (p50 ms, p95 ms) of a call that runs one query (the "before" rows)."""
    queryset_call()
    times = []
    for _n in range(max(3, repeat // 3)):
        start = time.perf_counter()
        queryset_call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(round(0.95 * (len(times) - 1)))]


def scenarios(size, repeat):
    from django.test import Client
    from django.urls import reverse

    from tongxin.matters import selectors
    from tongxin.matters.models import Matter
    from tongxin.people.models import Person

    lines = []
    users = {name: Person.objects.get(username=name) for name in
             ("grid", "community", "street", "district")}
    clients = {}
    for name, person in users.items():
        clients[name] = Client(HTTP_HOST="127.0.0.1")
        clients[name].force_login(person)
    list_url = reverse("matters:list")
    district_list = selectors.matter_list(users["district"])
    middle = district_list[size // 2: size // 2 + 1].get()
    recent = district_list.first()
    top = recent.top_category_id
    cases = [
        ("list, first page", name, list_url) for name in users
    ] + [
        ("list, deep (keyset, middle of all rows)", "district",
         f"{list_url}?after={selectors.encode_cursor(middle)}"),
        ("list, status=new", "street", f"{list_url}?status=new"),
        ("list, category (top level)", "district", f"{list_url}?category={top}"),
        ("search 2 chars 路灯", "district", f"{list_url}?q=路灯"),
        ("search 2 chars 路灯", "community", f"{list_url}?q=路灯"),
        ("search 3 chars 下水道", "district", f"{list_url}?q=下水道"),
        ("search 3 chars 下水道", "street", f"{list_url}?q=下水道"),
        ("search, no match 无此词语", "district", f"{list_url}?q=无此词语"),
        ("list, page=700 (numbered)", "district", f"{list_url}?page=700"),
        ("inbox", "grid", reverse("matters:inbox")),
        ("inbox", "street", reverse("matters:inbox")),
        ("detail", "district", reverse("matters:detail", args=[recent.pk])),
        ("detail, old matter", "street", reverse("matters:detail", args=[middle.pk])),
    ]
    for label, who, url in cases:
        p50, p95, db, cpu, queries, plan = measure(clients[who], url, repeat)
        lines.append((label, who, p50, p95, db, cpu, queries, plan))
        stack.log(f"  {label:42} {who:10} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
                  f"DB {db:6.1f} ms  app CPU {cpu:6.1f} ms  {queries:2} q  {plan}")
    # The code before: an exact COUNT(*) of the visible rows, and an OFFSET page.
    for who in ("street", "district"):
        visible = Matter.objects.visible_to(users[who])
        p50, p95 = timed_sql(lambda v=visible: v.count(), repeat)
        lines.append(("before: exact COUNT(*) of visible", who, p50, p95, p50, 0, 1, ""))
        stack.log(f"  before: exact COUNT(*) {who:10} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
    offset = selectors.matter_list(users["district"])
    p50, p95 = timed_sql(lambda: list(offset[700 * 50: 701 * 50].values_list("pk")), repeat)
    lines.append(("before: OFFSET 35,000 (page=700)", "district", p50, p95, p50, 0, 1, ""))
    return lines


def main():
    args = parse_args()
    sizes = sorted(int(s) for s in args.scale.split(",") if s.strip())
    stack.stop_on_sigterm()
    pg = stack.Postgres()
    var_dir = tempfile.mkdtemp(prefix="tongxin-bench-scale-")
    results = {}
    try:
        pg.start(synchronous_commit="off")
        stack.setup_django(var_dir, pg.url)
        from django.conf import settings
        from django.db import connection

        settings.ALLOWED_HOSTS = ["*"]
        stack.log(f"PostgreSQL {pg.version()}; building the demo district")
        district, _keys = stack.seed_people(tokens=0)
        world = World(district)
        rng = random.Random(args.seed)
        loaded = 0
        for size in sizes:
            stack.log(f"{size:,} matters:")
            load(world, size - loaded, rng)
            loaded = size
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('matters_matter'))")
                table_size = cursor.fetchone()[0]
            stack.log(f"  table and indexes: {table_size}; load average {os.getloadavg()[0]:.1f}")
            results[size] = scenarios(size, args.repeat)
    finally:
        stack.close_db()
        pg.cleanup()
    print(f"\nmake bench-scale: {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f}, PostgreSQL 15, server time in this process (Django "
          f"test client), repeat {args.repeat}")
    for size, lines in results.items():
        print(f"\n### {size:,} matters\n")
        print("| scenario | who | p50 ms | p95 ms | DB ms (p50) | app CPU ms (p50) | queries "
              "| plan of the slowest matters query |")
        print("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |")
        for label, who, p50, p95, db, cpu, queries, plan in lines:
            print(f"| {label} | {who} | {p50:.1f} | {p95:.1f} | {db:.1f} | {cpu:.1f} | "
                  f"{queries} | {plan} |")


if __name__ == "__main__":
    main()
