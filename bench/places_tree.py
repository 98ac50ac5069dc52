#!/usr/bin/env python3
"""Benchmark "everything under this place" on a province-sized place tree.

    .venv/bin/python bench/places_tree.py [--households N] [--database sqlite|postgres]
                                          [--shape D,S,C,CP,G,B,H] [--seed N]

Builds a throw-away database (a temp SQLite file; or, when DATABASE_URL is set,
that database, e.g. the PostgreSQL of scripts/with_postgres.py), fills it with a
generated province and times the materialised-path queries of tongxin.places
against a primary-key lookup (the floor) and a naive recursive walk (the
contrast). Prints figures, never asserts them; bench/README.md explains them.
"""

import argparse
import math
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import namedtuple
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Children per parent below a city: districts, streets, communities, compounds,
# grids, buildings, households. One city is then 100,000 households; the number
# of cities follows from --households, so the default 1,000,000 is ten cities.
DEFAULT_SHAPE = (5, 10, 8, 5, 2, 5, 5)
DEFAULT_HOUSEHOLDS = 1_000_000
PROVINCE_CODE = "44"  # any two digits; a root's code is given, not allocated

SAMPLE_PER_LEVEL = 200  # random places per level the timed queries cycle through
BUDGET_S = 1.0  # per measured cell: stop after this long once MIN_REPS are done
MIN_REPS, MAX_REPS = 5, 500
NAIVE_MIN_REPS, NAIVE_MAX_REPS, NAIVE_BUDGET_S = 3, 30, 3.0

Node = namedtuple("Node", "id code name")  # what child_code() needs of a parent


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=DEFAULT_HOUSEHOLDS,
                        help=f"households in the province (default {DEFAULT_HOUSEHOLDS:,})")
    parser.add_argument("--database", choices=["sqlite", "postgres"],
                        help="default: DATABASE_URL if set, else a temp SQLite file")
    parser.add_argument("--shape", default=",".join(map(str, DEFAULT_SHAPE)),
                        help="children per parent from district down to household "
                             "(default %(default)s); cities follow from --households")
    parser.add_argument("--seed", type=int, default=20240601, help="seed for picking places")
    args = parser.parse_args()
    args.shape = tuple(int(n) for n in args.shape.split(","))
    if len(args.shape) != 7 or min(args.shape) < 1 or args.households < 1:
        parser.error("--shape takes seven positive numbers; --households must be positive")
    return args


def rerun_under_postgres():
    """Restart this script under scripts/with_postgres.py, which sets DATABASE_URL."""
    wrapper = ROOT / "scripts" / "with_postgres.py"
    cmd = [sys.executable, str(wrapper), "--", sys.executable, *sys.argv]
    sys.exit(subprocess.call(cmd))


def setup_django(args, tmp):
    """Point Django at a throw-away database (SQLite in ``tmp`` by default) and migrate it."""
    # The SQLite file and the generated secret key land in the temp dir, never in var/.
    os.environ["TONGXIN_VAR_DIR"] = tmp
    os.environ["DJANGO_SETTINGS_MODULE"] = "tongxin.settings"
    # With DEBUG on, Django keeps every query in connection.queries: extra time and memory.
    os.environ["DEBUG"] = "0"
    sys.path.insert(0, str(ROOT))  # also works from a checkout without `pip install -e .`

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)

    from tongxin.places.models import Place

    if Place.objects.exists():
        # DATABASE_URL might be a real database: refuse to pour a million rows into it.
        sys.exit("places_tree: the places table is not empty; point DATABASE_URL at a "
                 "throw-away database (scripts/with_postgres.py makes one)")


# --- Generation -------------------------------------------------------------------


def spread(total, parts):
    """Split ``total`` into ``parts`` whole numbers that differ by at most one."""
    base, extra = divmod(total, parts)
    return [base + 1] * extra + [base] * (parts - extra)


def generate(households, shape):
    """Create the province level by level with bulk_create; return {kind: (first_id, last_id)}.

    Codes follow the one rule of places.services.child_code; ids are assigned here
    so that a level's rows form one id range, which makes sampling them cheap.
    """
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from tongxin.places.choices import PlaceKind as K
    from tongxin.places.models import Place
    from tongxin.places.services import child_code

    below_city = [K.DISTRICT, K.STREET, K.COMMUNITY, K.COMPOUND, K.GRID, K.BUILDING, K.HOUSEHOLD]
    cities = max(1, round(households / math.prod(shape)))
    fanouts = [cities, *shape[:-1]]  # children per parent for city .. building

    id_ranges = {K.PROVINCE: (1, 1)}
    next_id = 2
    with transaction.atomic():
        Place.objects.create(id=1, kind=K.PROVINCE, code=PROVINCE_CODE, name="province", depth=0)
        parents = [Node(1, PROVINCE_CODE, "province")]
        for depth, kind in enumerate([K.CITY, *below_city], start=1):
            if kind == K.HOUSEHOLD:
                counts = spread(households, len(parents))  # exactly --households in all
            else:
                counts = [fanouts[depth - 1]] * len(parents)
            keep = kind != K.HOUSEHOLD  # leaves are never parents: don't hold a million
            children, batch, first = [], [], next_id
            for parent, count in zip(parents, counts):
                for number in range(1, count + 1):
                    code = child_code(parent, kind, number)
                    name = f"{kind.value} {number}"
                    batch.append(Place(id=next_id, kind=kind, code=code, name=name,
                                       parent_id=parent.id, depth=depth))
                    if keep:
                        children.append(Node(next_id, code, name))
                    next_id += 1
                    if len(batch) >= 5000:
                        Place.objects.bulk_create(batch, batch_size=1000)
                        batch.clear()
            Place.objects.bulk_create(batch, batch_size=1000)
            id_ranges[kind] = (first, next_id - 1)
            parents = children

    with connection.cursor() as cursor:
        # Ids were given explicitly, so PostgreSQL's sequence has not moved.
        for sql in connection.ops.sequence_reset_sql(no_style(), [Place]):
            cursor.execute(sql)
        # A long-running database has planner statistics (and, on PostgreSQL, a
        # visibility map from autovacuum); a freshly loaded one must be told to.
        if connection.vendor == "postgresql":
            cursor.execute(f"VACUUM ANALYZE {Place._meta.db_table}")
        else:
            cursor.execute("ANALYZE")
            # Move the load out of the WAL so reads come from the main file.
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return id_ranges


# --- Measuring --------------------------------------------------------------------


def measure(fn, args, min_reps=MIN_REPS, max_reps=MAX_REPS, budget=BUDGET_S):
    """Call ``fn`` on ``args`` in turn after one warm-up; return (seconds list, results)."""
    fn(args[0])
    times, results = [], []
    started = time.perf_counter()
    while len(times) < max_reps and (
        len(times) < min_reps or time.perf_counter() - started < budget
    ):
        arg = args[len(times) % len(args)]
        t0 = time.perf_counter()
        result = fn(arg)
        times.append(time.perf_counter() - t0)
        results.append(result)
    return times, results


def p95(values):
    """Return the nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


def naive_subtree(place):
    """Return the places at or below ``place`` by querying each node's children: the slow way."""
    found = [place]
    for child in place.children.all():
        found.extend(naive_subtree(child))
    return found


def run_queries(id_ranges, seed):
    """Time every query on sampled places of every level; return the table rows."""
    from tongxin.places.choices import PlaceKind as K
    from tongxin.places.models import Place

    rng = random.Random(seed)
    samples = {}
    for kind, (first, last) in id_ranges.items():
        ids = rng.sample(range(first, last + 1), min(SAMPLE_PER_LEVEL, last - first + 1))
        by_id = Place.objects.in_bulk(ids)
        samples[kind] = [by_id[i] for i in ids]  # in_bulk loses the random order

    rows = []

    def add(query, level, times, results, subtree, rows_of=len):
        rows.append({
            "query": query, "level": level, "subtree": subtree, "n": len(times),
            "rows": statistics.median(rows_of(r) for r in results),
            "median": statistics.median(times) * 1000, "p95": p95(times) * 1000,
        })

    everyone = [p for places in samples.values() for p in places]
    rng.shuffle(everyone)

    def pk_lookup(place):
        return list(Place.objects.filter(pk=place.pk))

    for place in everyone:
        pk_lookup(place)  # warm up once over all samples: the floor must not pay for a cold start
    times, results = measure(pk_lookup, everyone)
    add("pk lookup (floor)", "any", times, results, "-")

    subtree = {}
    for kind, places in samples.items():
        times, results = measure(lambda p: Place.objects.within(p).count(), places)
        subtree[kind] = round(statistics.median(results))
        add("within().count()", kind.value, times, results, subtree[kind], rows_of=lambda r: 1)
    for kind, places in samples.items():
        times, results = measure(
            lambda p: list(Place.objects.within(p).order_by("code")[:100]), places)
        add("within() first 100", kind.value, times, results, subtree[kind])
    for kind, places in samples.items():
        if kind == K.PROVINCE:
            continue  # a root has no ancestors, and no query is sent for it
        times, results = measure(lambda p: list(p.ancestors()), places)
        add("ancestors()", kind.value, times, results, subtree[kind])

    contrast = {}
    for kind in (K.COMMUNITY, K.COMPOUND):
        places = samples[kind]
        times, results = measure(lambda p: list(Place.objects.within(p)), places)
        add("within() all rows", kind.value, times, results, subtree[kind])
        fast = statistics.median(times)
        times, results = measure(naive_subtree, places, NAIVE_MIN_REPS, NAIVE_MAX_REPS,
                                 NAIVE_BUDGET_S)
        add("naive walk, all rows", kind.value, times, results, subtree[kind])
        contrast[kind.value] = statistics.median(times) / fast
    return rows, contrast, samples[K.COMMUNITY][0]


# --- Reporting --------------------------------------------------------------------


def print_table(rows):
    floor = rows[0]["median"]
    header = ("query", "level", "subtree", "rows", "reps", "median ms", "p95 ms", "x floor")
    fmt = "{:<22} {:<10} {:>9} {:>6} {:>5} {:>10} {:>9} {:>8}"
    print(fmt.format(*header))
    print(fmt.format(*("-" * len(h) for h in header)))
    for r in rows:
        subtree = f"{r['subtree']:,}" if isinstance(r["subtree"], int) else r["subtree"]
        print(fmt.format(r["query"], r["level"], subtree, f"{r['rows']:g}", r["n"],
                         f"{r['median']:.3f}", f"{r['p95']:.3f}", f"{r['median'] / floor:.1f}"))


def describe_backend():
    from django.db import connection

    from tongxin.places.models import Place

    if connection.vendor == "postgresql":
        major, minor = divmod(connection.pg_version, 10000)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_total_relation_size(%s)", [Place._meta.db_table])
            size = cursor.fetchone()[0] / 2**20
        return f"PostgreSQL {major}.{minor}, table with indexes {size:,.0f} MiB"
    import sqlite3

    name = connection.settings_dict["NAME"]
    size = os.path.getsize(name) / 2**20
    return f"SQLite {sqlite3.sqlite_version} (WAL), file {size:,.0f} MiB"


def main():
    args = parse_args()
    if args.database == "sqlite":
        os.environ.pop("DATABASE_URL", None)
    elif args.database == "postgres" and not os.environ.get("DATABASE_URL", "").startswith(
        ("postgres://", "postgresql://")
    ):
        rerun_under_postgres()
    tmp = tempfile.mkdtemp(prefix="tongxin-bench-")
    try:
        setup_django(args, tmp)
        from django.db import connection

        from tongxin.places.models import Place

        print(f"generating a province of {args.households:,} households ...", file=sys.stderr,
              flush=True)
        started = time.perf_counter()
        id_ranges = generate(args.households, args.shape)
        took = time.perf_counter() - started
        total = Place.objects.count()
        per_level = ", ".join(f"{last - first + 1:,} {kind.value}"
                              for kind, (first, last) in id_ranges.items())
        print(f"backend:   {describe_backend()}")
        print(f"tree:      {per_level}")
        print(f"generated: {total:,} places ({args.households:,} households) in {took:.1f} s "
              f"({total / took:,.0f} rows/s, bulk_create)")
        print()

        rows, contrast, community = run_queries(id_ranges, args.seed)
        print_table(rows)
        print()
        for level, ratio in contrast.items():
            print(f"naive recursive walk / within() for a {level}: {ratio:,.0f}x slower")
        print()
        print(f"query plan of within() for community {community.code} ({connection.vendor}):")
        print(Place.objects.within(community).explain())
        print()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        print(f"peak RSS of this process: {peak:,.0f} MiB")
    finally:
        if "django.db" in sys.modules:  # setup may have failed before Django was loaded
            from django.db import connections

            connections.close_all()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
