#!/usr/bin/env python3
"""Request-level costs of single pages: median app CPU and queries per path.

    .venv/bin/python bench/pages.py [--matters N] [--repeat R] [--database postgres|sqlite]

Builds the demo district in a throw-away database (PostgreSQL 15 by default, as
bench/load.py does; ``--database sqlite`` for a temp SQLite file), pours --matters
matters into it with bench/load.py's seeding, then asks each page R times through
Django's test client in this process (production settings, DEBUG off) and prints, per
path, the median app CPU (``time.process_time`` around the request: Python, templates,
the driver; not the database server's CPU), the median wall time and the number of
queries. Figures only; nothing here passes or fails on them (bench/README.md).
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import stack

SIMILAR_TEXTS = ["东门口电动车停得乱七八糟，消防通道堵死了", "楼道里堆满纸箱和旧家具，有火灾隐患",
                 "小区北门的路灯不亮了，晚上很黑", "楼上漏水渗到我家天花板"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matters", type=int, default=20_000,
                        help="matters in the district (default %(default)s)")
    parser.add_argument("--grid-open", type=int, default=300,
                        help="open matters in the grid worker's grid (default %(default)s)")
    parser.add_argument("--repeat", type=int, default=15, help="requests per path")
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--seed", type=int, default=4)
    return parser.parse_args()


def measure(client, path, repeat, **headers):
    """Return (median CPU ms, median wall ms, queries, status) of ``repeat`` GETs of ``path``."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path, **headers)  # warm-up: caches, template loading
    cpu, wall, queries, status = [], [], [], None
    for _n in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            c0, w0 = time.process_time(), time.perf_counter()
            response = client.get(path, **headers)
            cpu.append((time.process_time() - c0) * 1000)
            wall.append((time.perf_counter() - w0) * 1000)
        queries.append(len(captured))
        status = response.status_code
    return statistics.median(cpu), statistics.median(wall), statistics.median(queries), status


def main():
    args = parse_args()
    stack.stop_on_sigterm()
    tmp = tempfile.mkdtemp(prefix="tongxin-bench-pages-")
    pg = None
    try:
        if args.database == "postgres":
            pg = stack.Postgres().start()
            url = pg.url
        else:
            url = f"sqlite:///{tmp}/bench.sqlite3"
        stack.setup_django(tmp, url)
        import load
        from django.test import Client

        from tongxin.demo.builder import DISTRICT_CODE, build_demo_district
        from tongxin.matters.choices import ACTIVE_STATUSES
        from tongxin.matters.models import Matter
        from tongxin.matters.services import owner_for
        from tongxin.people.choices import Role
        from tongxin.people.models import Person
        from tongxin.places.choices import PlaceKind
        from tongxin.places.models import Place

        t0 = time.monotonic()
        build_demo_district()
        district = Place.objects.get(code=DISTRICT_CODE)
        counts, in_grid = load.seed_matters(district, args.matters, args.grid_open, args.seed)
        seed_s = time.monotonic() - t0

        grid = stack.login_place("grid", Role.GRID_WORKER)
        inbox_rows = Matter.objects.filter(owner_code__startswith=grid.code,
                                           status__in=ACTIVE_STATUSES).count()
        open_one = (Matter.objects.filter(owner_code__startswith=grid.code, status="in_progress")
                    .order_by("pk").first())
        new_one = (Matter.objects.filter(owner_code__startswith=grid.code, status="new")
                   .order_by("pk").first())
        resident = Person.objects.get(username="resident")
        compound = owner_for(resident.household.parent, PlaceKind.COMPOUND)
        candidates = Matter.objects.open().filter(place_code__startswith=compound.code).count()

        def signed_in(username):
            client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="zh-hans")
            client.force_login(Person.objects.get(username=username))
            return client

        from urllib.parse import urlencode

        residents, grids = signed_in("resident"), signed_in("grid")
        htmx = {"HTTP_HX_REQUEST": "true"}
        paths = [
            ("me too search (similar)", residents,
             "/matters/similar/?" + urlencode({"title": SIMILAR_TEXTS[0], "description": ""}),
             htmx),
            ("raise page (resident)", residents, "/matters/raise/", {}),
            ("matter detail, new (grid)", grids, f"/matters/{new_one.pk}/", {}),
            ("matter detail, in progress (grid)", grids, f"/matters/{open_one.pk}/", {}),
            ("inbox (grid)", grids, "/matters/inbox/", {}),
            ("record page (grid)", grids, "/matters/record/", {}),
        ]
        rows = []
        for name, client, path, headers in paths:
            stack.log(f"pages: {name} ...")
            rows.append((name, *measure(client, path, args.repeat, **headers)))
        total = Matter.objects.count()
    finally:
        stack.close_db()
        if pg is not None:
            pg.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)

    backend = f"PostgreSQL {pg.version()}" if pg is not None else "SQLite (temp file)"
    print(f"database:  {backend}; DEBUG off; Django test client in this process")
    print(f"machine:   {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}")
    print(f"data:      {total:,} matters; grid worker's inbox {inbox_rows:,} open matters; "
          f"{candidates:,} open matters in the resident's compound (similar's candidates); "
          f"seeded in {seed_s:.0f} s")
    print(f"requests:  {args.repeat} per path after one warm-up; medians")
    print()
    print(f"{'path':<36} {'app CPU ms':>10} {'wall ms':>9} {'queries':>8} {'status':>7}")
    for name, cpu, wall, queries, status in rows:
        print(f"{name:<36} {cpu:>10.1f} {wall:>9.1f} {queries:>8.0f} {status:>7}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
