#!/usr/bin/env python3
"""Load benchmark: the production stack on loopback, driven from other processes.

    .venv/bin/python bench/load.py [--matters N] [--seconds S] [--concurrency C] ...

Starts a throw-away PostgreSQL 15, migrates, builds the demo district, trains and
activates its category suggester (as load_demo does), pours --matters matters (a year of
them, with their first timeline event) into it and then, by COPY, the later timeline
events and the notices their steps sent; starts gunicorn as production does
(scripts/serve.py's command: the model loaded in the master before fork; DEBUG off,
plain http on 127.0.0.1) and measures four scenarios, each for the same time at the
same concurrency (32 clients): a bare view that inserts one row (the floor), raising a
matter through the API (with its suggestion), a grid worker's inbox page and the staff
matter list with filters. Prints throughput, p50/p95/p99 latency, SQL statements and
app and database CPU per request, each beside its ratio to the floor, and RSS and PSS
of each gunicorn worker. Figures only; it never passes or fails on them
(bench/README.md explains the columns).
"""

import argparse
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadgen
import stack

DEFAULT_MATTERS = 100_000
DEFAULT_GRID_OPEN = 300
OPEN_SHARE_ELSEWHERE = 0.04  # of the matters outside the grid worker's grid
CLOSED_PER_OPEN_IN_GRID = 4  # the grid's own history of closed matters, per open one


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--matters", type=int, default=DEFAULT_MATTERS,
                        help="matters in the district (default %(default)s)")
    parser.add_argument("--grid-open", type=int, default=DEFAULT_GRID_OPEN,
                        help="open matters in the grid worker's grid (default %(default)s)")
    parser.add_argument("--seconds", type=float, default=20,
                        help="measured seconds per scenario (default %(default)s)")
    parser.add_argument("--warmup", type=float, default=3,
                        help="unmeasured seconds before each scenario (default %(default)s)")
    parser.add_argument("--concurrency", type=int, default=32,
                        help="client processes, one connection each (default %(default)s)")
    parser.add_argument("--max-requests", type=int, default=20_000,
                        help="at most this many requests per scenario (default %(default)s)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="sync")
    parser.add_argument("--threads", type=int, default=4, help="per worker, gthread only")
    parser.add_argument("--only", help="comma-separated scenarios to run besides the floor")
    parser.add_argument("--seed", type=int, default=20260601)
    args = parser.parse_args()
    if args.matters < 1000 or args.grid_open < 1 or args.concurrency < 1 or args.seconds <= 0:
        parser.error("--matters >= 1000, --grid-open, --concurrency and --seconds positive")
    return args


# --- 100,000 matters in bulk ---------------------------------------------------------------------


def _weighted(rng, table):
    """Pick a key of {key: weight}."""
    pick = rng.random() * sum(table.values())
    for key, weight in table.items():
        pick -= weight
        if pick < 0:
            return key
    return key


OPEN_STATUSES = {"new": 35, "in_progress": 45, "rectifying": 5, "awaiting_deliberation": 10,
                 "resolved": 5}
CLOSED_STATUSES = {"closed": 88, "closed_unsolved": 4, "rejected": 8}
OWNER_LEVELS = {"grid": 75, "compound": 12, "community": 8, "street": 4, "district": 1}
CHANNELS = {"online": 70, "wechat_group": 30}


def seed_matters(district, total, grid_open, seed):
    """Write ``total`` matters and their "raised" events with bulk_create.

    The rows have the shapes the services leave: owner and owner code of the level
    that owns the matter, deadline stage and due time of open matters (a share of them
    overdue), the dates and satisfaction of closed ones, the demo complaints' titles,
    descriptions and categories. The grid worker's grid gets ``grid_open`` open matters
    (in the inbox) and a history of closed ones; the rest are spread over the other
    buildings of the district, 4 % of them open, created over three years.
    Return (counts, matters in the grid worker's grid).
    """
    from django.db import connection, transaction
    from django.utils import timezone

    from tongxin.demo.matters import MATTERS
    from tongxin.matters.choices import Kind, Level, Satisfaction, Status
    from tongxin.matters.models import Category, Matter, MatterEvent
    from tongxin.people.choices import Role
    from tongxin.people.models import Person
    from tongxin.places.choices import PlaceKind
    from tongxin.places.models import Place

    rng = random.Random(seed)
    now = timezone.now()
    places = {p.pk: p for p in Place.objects.within(district).exclude(kind=PlaceKind.HOUSEHOLD)}
    grid = stack.login_place("grid", Role.GRID_WORKER)

    def owners(building):
        chain, place = {}, building
        while place is not None:
            chain[place.kind] = place
            place = places.get(place.parent_id)
        return chain

    residents = {}
    for pk, building_id in Person.objects.filter(
            household__code__startswith=district.code, is_active=True).values_list(
            "pk", "household__parent_id"):
        residents.setdefault(building_id, []).append(pk)
    buildings = [p for p in places.values() if p.kind == PlaceKind.BUILDING and p.pk in residents]
    in_grid = [b for b in buildings if b.parent_id == grid.pk]
    elsewhere = [b for b in buildings if b.parent_id != grid.pk]
    chains = {b.pk: owners(b) for b in buildings}

    templates = []
    for demo in MATTERS:
        *parents, leaf = demo.category
        category = Category.objects.filter(district=district, name=leaf,
                                           parent__name=parents[-1]).first()
        if category is not None:
            templates.append((demo.title, demo.description, category.pk))

    plan = [(rng.choice(in_grid), True, "grid") for _n in range(grid_open)]
    closed_in_grid = grid_open * CLOSED_PER_OPEN_IN_GRID
    plan += [(rng.choice(in_grid), False, None) for _n in range(closed_in_grid)]
    for _n in range(max(0, total - len(plan))):
        is_open = rng.random() < OPEN_SHARE_ELSEWHERE
        plan.append((rng.choice(elsewhere), is_open, None))

    def one(building, is_open, level):
        title, description, category_id = rng.choice(templates)
        reporter = rng.choice(residents[building.pk])
        level = level or _weighted(rng, OWNER_LEVELS)
        owner = chains[building.pk][level]
        if is_open:
            status = _weighted(rng, OPEN_STATUSES)
            created = now - timedelta(hours=rng.uniform(0.1, 24 * 30))
        else:
            status = _weighted(rng, CLOSED_STATUSES)
            created = now - timedelta(days=rng.uniform(30, 365))
        climbed = [Level.GRID, Level.COMPOUND, Level.COMMUNITY, Level.STREET,
                   Level.DISTRICT].index(level)
        m = Matter(
            district=district, place=building, place_code=building.code, title=title,
            description=description, category_id=category_id, reporter_id=reporter,
            created_by_id=reporter, channel=_weighted(rng, CHANNELS), raised_level=Level.GRID,
            status=status, owner_level=level, owner_place=owner, owner_code=owner.code,
            escalation_count=climbed, created_at=created,
            emergency=rng.random() < 0.01, supporter_count=int(rng.expovariate(1.5)),
        )
        if status == Status.NEW:
            m.stage, m.due_at = "hear", created + timedelta(hours=24)
            if climbed:  # escalated before it was heard, rarely: keep it a grid matter
                m.owner_level, m.owner_place, m.owner_code = "grid", chains[building.pk]["grid"], \
                    chains[building.pk]["grid"].code
                m.escalation_count = 0
            return m
        m.heard_at = created + timedelta(hours=rng.uniform(0.2, 20))
        m.kind = Kind.ESCALATE if climbed else rng.choice([Kind.IMMEDIATE, Kind.PENDING])
        if status in (Status.IN_PROGRESS, Status.RECTIFYING):
            m.stage = "handle" if status == Status.IN_PROGRESS else "rectify"
            m.due_at = m.heard_at + timedelta(days=rng.choice([1, 10, 14, 21]))
            m.rework_count = int(status == Status.RECTIFYING)
        elif status == Status.AWAITING_DELIBERATION:
            m.kind = Kind.PENDING
            m.deliberation_on = (timezone.localdate(now) + timedelta(days=35)).replace(day=10)
        elif status == Status.RESOLVED:
            m.resolved_at = m.published_at = m.heard_at + timedelta(days=rng.uniform(0.5, 9))
        elif status == Status.REJECTED:
            m.reject_reason = "duplicate"
            m.closed_at = m.heard_at
        else:  # closed, closed_unsolved
            m.resolved_at = m.published_at = m.heard_at + timedelta(days=rng.uniform(0.5, 12))
            m.closed_at = m.resolved_at + timedelta(days=rng.uniform(1, 15))
            m.satisfaction = _weighted(rng, {Satisfaction.SATISFIED: 80,
                                             Satisfaction.BASICALLY: 15,
                                             Satisfaction.UNSATISFIED: 5})
        return m

    counts = {}
    batch = 5000
    with transaction.atomic():
        for start in range(0, len(plan), batch):
            matters = [one(*item) for item in plan[start:start + batch]]
            Matter.objects.bulk_create(matters, batch_size=1000)
            MatterEvent.objects.bulk_create([
                MatterEvent(matter=m, at=m.created_at, actor_id=m.created_by_id, action="raised",
                            data={"channel": m.channel, "level": "grid", "on_behalf": False})
                for m in matters], batch_size=1000)
            for m in matters:
                counts[m.status] = counts.get(m.status, 0) + 1
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # what autovacuum would have done by Monday
    in_grid_count = Matter.objects.filter(owner_code__startswith=grid.code).count()
    return counts, in_grid_count


# --- their later events and notices, by COPY -------------------------------------------------------

# The timeline a matter in each status has left (after "raised", which seed_matters wrote),
# and the notices each step sent (matters/events.py REACTIONS): "R" to the reporter, "O"
# to the handlers of the owning place.
HISTORY = {
    "new": [],
    "in_progress": ["triaged"],
    "awaiting_deliberation": ["triaged", "parked"],
    "resolved": ["triaged", "resolved"],
    "rectifying": ["triaged", "resolved", "inspection_failed"],
    "rejected": ["rejected"],
    "closed": ["triaged", "resolved", "rated", "closed"],
    "closed_unsolved": ["triaged", "resolved", "closed_unsolved"],
}
NOTICES = {"raised": [("raised", "R"), ("assigned", "O")], "triaged": [("status", "R")],
           "parked": [("status", "R")], "rejected": [("status", "R")],
           "resolved": [("resolved", "R")], "inspection_failed": [("rework", "O")],
           "closed": [("status", "R")], "closed_unsolved": [("status", "R")], "rated": []}


def seed_history(district, seed):
    """Write the later timeline events of every seeded matter and the notices its steps
    sent, with PostgreSQL's COPY (the ORM would take minutes): what a district's tables
    hold after the matters' lives, so that pages reading timelines and inboxes of notices
    read them next to realistic volumes. Notices older than a week are mostly read.
    Return (events, notices) written."""
    import json

    from django.db import connection
    from django.utils import timezone

    from tongxin.matters.models import Matter, MatterEvent
    from tongxin.notices.models import Notice
    from tongxin.people.choices import Role
    from tongxin.people.models import RoleAssignment

    rng = random.Random(seed + 1)
    now = timezone.now()
    handlers = {}
    for place_id, person_id in (RoleAssignment.objects.exclude(role=Role.RESIDENT)
                                .filter(place__code__startswith=district.code)
                                .values_list("place_id", "person_id")):
        handlers.setdefault(place_id, []).append(person_id)
    event_table, notice_table = MatterEvent._meta.db_table, Notice._meta.db_table
    event_columns = ("matter_id", "at", "actor_id", "action", "from_status", "to_status",
                     "visibility", "note", "data")
    notice_columns = ("recipient_id", "kind", "params", "subject_type", "subject_id",
                      "place_code", "created_at", "read_at")
    # Read first: a server-side cursor cannot be fetched from while COPY holds the connection.
    rows = list(Matter.objects.filter(district=district).values_list(
        "pk", "status", "created_at", "heard_at", "resolved_at", "closed_at", "reporter_id",
        "owner_place_id", "place_code", "title"))
    event_rows, notice_rows = [], []
    for pk, status, created, heard, resolved, closed, reporter, owner, place_code, title in rows:
        steps = HISTORY.get(status, [])
        times = {"raised": created, "triaged": heard or created, "rejected": heard or created,
                 "parked": heard or created, "resolved": resolved or heard or created,
                 "inspection_failed": (resolved or created) + timedelta(days=2),
                 "rated": closed or resolved or created, "closed": closed or created,
                 "closed_unsolved": closed or created}
        actor = (handlers.get(owner) or [reporter])[0]
        number = f"{timezone.localtime(created):%Y}-{pk:06d}"
        for step in steps:
            event_rows.append((pk, times[step], reporter if step == "rated" else actor, step,
                               "", "", "public", "", "{}"))
        for step in ["raised", *steps]:
            at = times[step]
            for kind, who in NOTICES[step]:
                recipients = [reporter] if who == "R" else handlers.get(owner, [])[:2]
                params = json.dumps({"number": number, "title": title[:30], "step": step,
                                     "status": status}, ensure_ascii=False)
                for person in recipients:
                    read = (at + timedelta(hours=rng.uniform(1, 72))
                            if now - at > timedelta(days=7) and rng.random() < 0.85 else None)
                    notice_rows.append((person, kind, params, "matters.matter", str(pk),
                                        place_code, at, read))
    with connection.cursor() as cursor:
        for table, columns, data in ((event_table, event_columns, event_rows),
                                     (notice_table, notice_columns, notice_rows)):
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in data:
                    copy.write_row(row)
        cursor.execute(f"ANALYZE {event_table}")
        cursor.execute(f"ANALYZE {notice_table}")
    events, notices = len(event_rows), len(notice_rows)
    return events, notices


# --- sessions for the pages ----------------------------------------------------------------------


def sign_in(port, username, password):
    """Sign in through the real login page; return the Cookie header of the session."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/people/login/")
    response = conn.getresponse()
    page = response.read().decode()
    cookies = {}
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _eq, rest = value.partition("=")
            cookies[name] = rest.split(";", 1)[0]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    from urllib.parse import urlencode

    body = urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/people/login/", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        "Referer": f"http://127.0.0.1:{port}/people/login/"})
    response = conn.getresponse()
    response.read()
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _eq, rest = value.partition("=")
            cookies[name] = rest.split(";", 1)[0]
    if response.status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"sign-in as {username} failed ({response.status})")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


# --- the scenarios -------------------------------------------------------------------------------


def scenarios(port, tokens, categories, grid_cookie, street_cookie, list_queries):
    """Return [(name, make_request, expected status)]; the floor first."""
    titles = ["楼道里堆满纸箱和旧家具", "小区北门的路灯不亮了", "电动车在楼道里充电",
              "垃圾桶满了没人清运", "楼上漏水渗到我家天花板", "地下车库积水"]
    json_headers = {"Content-Type": "application/json", "Accept-Language": "zh-hans"}

    def floor(rng, client, n):
        return "POST", "/bench/floor/", b"", {"Content-Length": "0"}

    def raise_matter(rng, client, n):
        body = json.dumps({
            "title": rng.choice(titles),
            "description": "已经好几天了，希望尽快有人来看看。楼里老人孩子多，存在安全隐患。",
            "category": rng.choice(categories),
        }).encode()
        headers = dict(json_headers, Authorization=f"Token {rng.choice(tokens)}")
        headers["Idempotency-Key"] = uuid.uuid4().hex
        return "POST", "/api/v1/matters/", body, headers

    def inbox(rng, client, n):
        return "GET", "/matters/inbox/", None, {"Cookie": grid_cookie}

    def matter_list(rng, client, n):
        return "GET", "/matters/?" + list_queries[n % len(list_queries)], None, {
            "Cookie": street_cookie}

    return [
        ("floor: insert one row", floor, 201),
        ("raise a matter (API)", raise_matter, 201),
        ("grid worker's inbox", inbox, 200),
        ("staff matter list, filtered", matter_list, 200),
    ]


def main():
    args = parse_args()
    stack.stop_on_sigterm()
    began = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="tongxin-bench-load-")
    pg = stack.Postgres()
    server = None
    try:
        pg.start()
        stack.setup_django(tmp, pg.url)
        t0 = time.monotonic()
        district, tokens = stack.seed_people(tokens=300, seed=args.seed)
        people_s = time.monotonic() - t0
        # Before the 100,000 matters: trained, as load_demo trains it, on the shipped
        # messages and the demo's own records (their heard matters would be training data).
        t0 = time.monotonic()
        triage_line = stack.seed_triage(district)
        triage_s = time.monotonic() - t0
        t0 = time.monotonic()
        counts, in_grid = seed_matters(district, args.matters, args.grid_open, args.seed)
        matters_s = time.monotonic() - t0
        t0 = time.monotonic()
        events, notices = seed_history(district, args.seed)
        history_s = time.monotonic() - t0

        from django.db.models import Q

        from tongxin.demo.logins import DEMO_PASSWORD
        from tongxin.matters.choices import ACTIVE_STATUSES
        from tongxin.matters.models import Category, Matter
        from tongxin.people.choices import Role

        grid = stack.login_place("grid", Role.GRID_WORKER)
        street = stack.login_place("street", Role.STREET_OFFICER)
        community = street.children.order_by("code").first()
        inbox_rows = Matter.objects.filter(owner_code__startswith=grid.code,
                                           status__in=ACTIVE_STATUSES).count()
        street_rows = Matter.objects.filter(Q(place_code__startswith=street.code)
                                            | Q(owner_code__startswith=street.code)).count()
        top = Category.objects.get(district=district, parent__isnull=True, name="社区治理")
        list_queries = [
            "status=new", "status=in_progress&overdue=on", "q=电动车",
            f"category={top.pk}&status=closed", f"place={community.code}&level=grid",
        ]
        from urllib.parse import quote

        list_queries = [quote(q, safe="=&") for q in list_queries]
        categories = [c.pk for c in stack.leaf_categories(district)]
        total = Matter.objects.count()
        stack.close_db()

        port = stack.free_port()
        env = stack.app_env(tmp, pg.url)
        server = stack.Gunicorn(env, port, workers=args.workers, worker_class=args.worker_class,
                                threads=args.threads, log_dir=tmp).start()
        grid_cookie = sign_in(port, "grid", DEMO_PASSWORD)
        street_cookie = sign_in(port, "street", DEMO_PASSWORD)
        chosen = scenarios(port, tokens, categories, grid_cookie, street_cookie, list_queries)
        if args.only:
            wanted = {w.strip() for w in args.only.split(",")}
            chosen = [chosen[0]] + [s for s in chosen[1:] if any(w in s[0] for w in wanted)]
        load_before = os.getloadavg()
        results = []
        for name, make_request, expect in chosen:
            stack.log(f"load: {name} ...")
            results.append(loadgen.run(
                name, port, make_request, concurrency=args.concurrency, seconds=args.seconds,
                warmup=args.warmup, max_requests=args.max_requests, expect=expect,
                cpu=lambda: (server.cpu_seconds(), pg.cpu_seconds())))
        memory = server.smaps()
        load_after = os.getloadavg()
    finally:
        if server is not None:
            server.stop()
        pg.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)

    workers = args.workers if args.worker_class == "sync" else (
        f"{args.workers} x {args.threads} threads")
    print(f"stack:     gunicorn {args.worker_class} workers: {workers}; PostgreSQL "
          f"{pg.version()} (fsync off, synchronous_commit on); DEBUG off; 127.0.0.1:{port}")
    print(f"machine:   {os.cpu_count()} CPUs; load average {load_before[0]:.2f} before, "
          f"{load_after[0]:.2f} after the runs")
    print(f"data:      {total:,} matters in the district ("
          + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))
          + f"); grid worker's grid: {in_grid:,} matters, {inbox_rows} in the inbox; "
          f"street officer sees {street_rows:,}")
    print(f"seed:      demo district and tokens {people_s:.1f} s; {args.matters:,} matters + "
          f"first events (bulk_create) and VACUUM ANALYZE {matters_s:.1f} s "
          f"({args.matters / matters_s:,.0f} matters/s); their later events ({events:,}) and "
          f"notices ({notices:,}) by COPY {history_s:.1f} s")
    print(f"triage:    {triage_line} ({triage_s:.0f} s); loaded in the gunicorn master "
          "before fork (tongxin/gunicorn_conf.py)")
    print(f"load:      {args.concurrency} client processes, closed loop; {args.warmup:g} s "
          f"warm-up, then {args.seconds:g} s per scenario (at most {args.max_requests:,} "
          f"requests)")
    print()
    print(loadgen.format_table(results, results[0].name))
    print()
    for r in results:
        odd = {k: v for k, v in r.statuses.items() if k != 200 and k != 201}
        if odd:
            print(f"unexpected answers in {r.name!r}: {odd}")
    print("memory:    per gunicorn worker after the runs, RSS / PSS: "
          + ", ".join(f"{f['rss'] / 1024:.0f} / {f['pss'] / 1024:.0f} MiB"
                      for f in memory["workers"] if f)
          + f"; master {memory['master']['rss'] / 1024:.0f} / "
          f"{memory['master']['pss'] / 1024:.0f} MiB")
    print(f"wall:      {time.monotonic() - began:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
