#!/usr/bin/env python3
"""Benchmark the hot-issues page: grouping inside the request (before) against reading the
stored groups (after), and the background computation that stores them.

    .venv/bin/python bench/hotspots.py [--matters 20000] [--streets 4] [--requests 20]

Builds a throw-away SQLite database (or uses DATABASE_URL, e.g. under
scripts/with_postgres.py), a district of ``--streets`` streets with three communities of
three compounds each, and ``--matters`` matters raised over the last year from a few
dozen complaint templates in every compound (bulk inserts, not the raise service). Then:

- before: the page as it was, grouping the matters the person sees inside the request
  (``services.live_groups``, the most recent 5,000), a few requests;
- the background computation (``computing.compute_all``): every street and the district,
  every period, its wall and CPU time;
- after: the page reading the stored groups, ``--requests`` requests, p50/p95.

Per person (a street officer, the district officer) and period, it prints request CPU and
wall milliseconds and the queries per request. Prints figures, never asserts them.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Titles and texts from a few hundred combinations, so that most groups are small, as
# in a real district, and a few problems come up again and again in one compound.
THINGS = ["电动车", "电梯", "垃圾桶", "路灯", "下水道", "地下车库", "消防通道", "广场舞音响",
          "餐馆油烟", "工地", "二次供水", "高空抛物", "绿化带", "健身器材", "门禁", "快递柜",
          "充电桩", "化粪池", "外墙瓷砖", "楼道杂物", "流浪狗", "共享单车", "停车位", "窨井盖",
          "雨棚", "监控探头", "公交站台", "围墙", "屋顶防水", "燃气管道"]
PROBLEMS = ["坏了没人修", "乱停乱放", "噪音扰民", "堵塞发臭", "存在安全隐患", "收费不合理",
            "长期占用", "晚上不亮", "漏水严重", "管理混乱", "影响出行", "被人破坏",
            "清运不及时", "味道很大", "太吵影响休息"]
DETAILS = ["已经一个多月了", "老人小孩出行很不方便", "多次找物业没有结果", "晚上尤其严重",
           "希望尽快处理", "邻居们都很有意见", "下雨天更严重", "存在很大的安全隐患",
           "周末特别明显", "去年也反映过"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--matters", type=int, default=20_000)
    parser.add_argument("--streets", type=int, default=4)
    parser.add_argument("--requests", type=int, default=20, help="page requests after")
    parser.add_argument("--before", type=int, default=2, help="page requests before")
    parser.add_argument("--seed", type=int, default=12)
    return parser.parse_args()


def setup_django(tmp):
    os.environ["TONGXIN_VAR_DIR"] = tmp
    os.environ["DJANGO_SETTINGS_MODULE"] = "tongxin.settings"
    os.environ["DEBUG"] = "0"
    # No worker in a benchmark: nothing queued from a request would run inline.
    os.environ.setdefault("TASKS_BACKEND", "django_tasks.backends.dummy.DummyBackend")
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def build(args):
    from django.utils import timezone

    from tongxin.matters.choices import Level
    from tongxin.matters.models import Category, Matter
    from tongxin.people.choices import Role
    from tongxin.people.services import assign_role, create_person
    from tongxin.places.choices import PlaceKind as K
    from tongxin.places.services import create_place

    rng = random.Random(args.seed)
    district = create_place(kind=K.DISTRICT, name="基准区", code="990199")
    streets, compounds = [], []
    for s in range(args.streets):
        street = create_place(kind=K.STREET, name=f"第{s + 1}街道", parent=district)
        streets.append(street)
        for c in range(3):
            community = create_place(kind=K.COMMUNITY, name=f"{s + 1}-{c + 1}社区", parent=street)
            for p in range(3):
                name = rng.choice("幸福安居光明和平锦绣阳光金色翠苑") + rng.choice("家园花园小区新村")
                compounds.append(create_place(kind=K.COMPOUND, name=f"{name}{s}{c}{p}",
                                              parent=community))
    category = Category.objects.create(district=district, name="环境")
    password = "bench-password-long-enough"
    officer = create_person(full_name="区干部", username="district", password=password)
    assign_role(officer, role=Role.DISTRICT_OFFICER, place=district)
    street_officer = create_person(full_name="街道干部", username="street", password=password)
    assign_role(street_officer, role=Role.STREET_OFFICER, place=streets[0])
    reporters = [create_person(full_name=f"居民{n}") for n in range(200)]
    now = timezone.now()
    rows = []
    for _n in range(args.matters):
        compound = rng.choice(compounds)
        thing, problem = rng.choice(THINGS), rng.choice(PROBLEMS)
        number = rng.randint(1, 30)
        title = f"{compound.name}{number}号楼{thing}{problem}" if rng.random() < 0.3 else \
            f"{number}号楼{thing}{problem}"
        text = f"{number}号楼附近的{thing}{problem}，{rng.choice(DETAILS)}，{rng.choice(DETAILS)}。"
        rows.append(Matter(
            district=district, place=compound, place_code=compound.code,
            title=title[:100], title_masked=title[:100], description=text, category=category,
            reporter=rng.choice(reporters), created_by=officer,
            owner_level=Level.COMPOUND, owner_place=compound, owner_code=compound.code,
            supporter_count=rng.choice([0, 0, 0, 1, 2]),
            created_at=now - timedelta(seconds=rng.randint(0, 365 * 86400)),
        ))
    Matter.objects.bulk_create(rows, batch_size=2000)
    return district, {"street officer": street_officer, "district officer": officer}


def request(client, days):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        cpu, wall = time.process_time(), time.perf_counter()
        response = client.get("/hotspots/", {"days": days}, secure=True)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    assert response.status_code == 200, response.status_code
    return cpu * 1000, wall * 1000, len(queries), response.content.count(b"data-group=")


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def measure(people, days_list, times, label):
    from django.test import Client

    if not times:
        return
    for who, user in people.items():
        client = Client()
        client.force_login(user)
        request(client, days_list[0])  # warm: imports, templates, jieba's dictionary
        for days in days_list:
            runs = [request(client, days) for _ in range(times)]
            cpu = [r[0] for r in runs]
            wall = [r[1] for r in runs]
            print(f"  {label:6} {who:16} {days:3} days: CPU p50 {statistics.median(cpu):8.1f} ms"
                  f"  p95 {pct(cpu, 95):8.1f} ms | wall p50 {statistics.median(wall):8.1f} ms"
                  f"  p95 {pct(wall, 95):8.1f} ms | {runs[0][2]} queries, {runs[0][3]} groups")


def main():
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="tongxin-bench-hotspots-") as tmp:
        setup_django(tmp)
        from django.conf import settings
        from django.db import connection

        settings.ALLOWED_HOSTS = ["*"]
        # No collectstatic in a throw-away directory: plain static URLs.
        settings.STORAGES = {**settings.STORAGES, "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
        from tongxin.hotspots import computing, services

        began = time.perf_counter()
        district, people = build(args)
        print(f"{connection.vendor}: {args.matters:,} matters in {args.streets} streets, "
              f"built in {time.perf_counter() - began:.1f} s")
        days_list = [90, 365]

        # Before: grouping inside the request, as the page did.
        stored_read = services.district_groups
        services.district_groups = lambda user, *, days, limit=50, now=None: services.Stored(
            groups=services.live_groups(user, days=days, limit=limit, now=now))
        measure(people, days_list, args.before, "before")
        services.district_groups = stored_read

        # The background computation.
        cpu, wall = time.process_time(), time.perf_counter()
        groups = computing.compute_all(district=district)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        areas = args.streets + 1
        print(f"  background: compute_all {areas} areas x {len(computing.PERIOD_DAYS)} periods,"
              f" {groups:,} groups stored: wall {wall:.1f} s, CPU {cpu:.1f} s"
              f" ({wall / areas:.1f} s per area)")
        from tongxin.places.models import Place

        one = Place.objects.filter(kind="street").order_by("code").first()
        cpu, wall = time.process_time(), time.perf_counter()
        computing.compute_area(one)
        print(f"  background: one street again (incremental refresh): wall "
              f"{time.perf_counter() - wall:.1f} s, CPU {time.process_time() - cpu:.1f} s")

        # After: the page reads the stored groups.
        measure(people, days_list, args.requests, "after")


if __name__ == "__main__":
    main()
