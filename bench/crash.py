#!/usr/bin/env python3
"""Crash test: nothing acknowledged is lost, nothing is filed twice, nothing is half-written.

    .venv/bin/python bench/crash.py [--seconds S] [--clients C] [--pg-down S]

Starts a throw-away PostgreSQL 15 (synchronous_commit on, as in production) and gunicorn
with the production settings, and lets client processes raise matters through the API
without pause, each request with its own Idempotency-Key, retried with the same key
after a connection error or a 5xx (bounded retries with back-off). During the load it
kill -9s one gunicorn worker, then kill -9s the whole gunicorn (master and workers) and
starts it again, then stops PostgreSQL with ``pg_ctl stop -m immediate`` and starts it
again. Afterwards it counts, from the clients' records and the database: sent,
acknowledged, found, duplicated, lost, and the half-written rows. Exit status 1 if
anything is lost, duplicated or half-written (or the run proved nothing).
"""

import argparse
import http.client
import io
import json
import multiprocessing
import random
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadgen
import stack

MAX_ATTEMPTS = 40
RETRY_BUDGET_S = 45  # per key; covers a gunicorn restart and a database restart
BACKOFF_FIRST_S, BACKOFF_MAX_S = 0.05, 2.0
PHOTO_EVERY = 5  # every fifth request carries a photo (multipart)
DOUBLE_TAP_EVERY = 7  # every seventh is sent twice at once, from two connections


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=80,
                        help="seconds of load; the faults fall at 20%%, 40%% and 65%% of it "
                             "(default %(default)s)")
    parser.add_argument("--clients", type=int, default=4,
                        help="client processes sending without pause (default %(default)s)")
    parser.add_argument("--pg-down", type=float, default=3,
                        help="seconds PostgreSQL stays down (default %(default)s)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--synchronous-commit", choices=["on", "off"], default="on",
                        help="off shows what the test catches: commits acknowledged before "
                             "they reach the WAL on disk are lost by the immediate stop")
    parser.add_argument("--seed", type=int, default=20260602)
    args = parser.parse_args()
    if args.seconds < 20 or args.clients < 1:
        parser.error("--seconds at least 20, --clients at least 1")
    return args


def small_jpeg():
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, format="JPEG")
    return out.getvalue()


# --- the clients -------------------------------------------------------------------------------


def request_for(key, token, category, photo):
    """Return (body, headers) of one raise; the same key always gets the same request."""
    fields = {"title": "楼道灯坏了 " + key[-12:],
              "description": "楼道灯坏了好几天，晚上上下楼看不见，老人容易摔倒。",
              "category": category}
    headers = {"Authorization": f"Token {token}", "Idempotency-Key": key,
               "Accept-Language": "en"}
    if photo is None:
        body = json.dumps(fields).encode()
        headers["Content-Type"] = "application/json"
    else:
        body, headers["Content-Type"] = loadgen.multipart(
            fields, [("photos", "lamp.jpg", photo, "image/jpeg")])
    return body, headers


def send(port, body, headers, rng, conn=None):
    """Send one raise until it is acknowledged (2xx), refused (4xx) or out of retries;
    return (answers, matter ids acknowledged, outcome, refusal body)."""
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    answers, ids, first, delay = [], [], time.time(), BACKOFF_FIRST_S
    while True:
        try:
            conn.request("POST", "/api/v1/matters/", body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            status = response.status
            if response.will_close:
                conn.close()
        except (OSError, http.client.HTTPException) as error:
            status, data = type(error).__name__, b""
            conn.close()
        answers.append(status)
        if isinstance(status, int) and 200 <= status < 300:
            ids.append(json.loads(data)["id"])
            return answers, ids, "acked", ""
        if isinstance(status, int) and 400 <= status < 500 and status != 429:
            return answers, ids, "refused", data[:300].decode(errors="replace")
        if len(answers) >= MAX_ATTEMPTS or time.time() - first > RETRY_BUDGET_S:
            return answers, ids, "gave_up", ""
        time.sleep(delay * (0.5 + rng.random()))
        delay = min(delay * 2, BACKOFF_MAX_S)


def double_tap(port, body, headers, rng):
    """Send the same request twice at once, from two connections (a double tap on a slow
    network): both must be acknowledged with the same matter."""
    results = [None, None]

    def one(slot):
        results[slot] = send(port, body, headers, random.Random(rng.random()))

    threads = [threading.Thread(target=one, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    (a_answers, a_ids, a_outcome, a_body), (b_answers, b_ids, b_outcome, b_body) = results
    outcomes = {a_outcome, b_outcome}
    if "refused" in outcomes:
        outcome = "refused"
    else:
        outcome = "acked" if outcomes == {"acked"} else "gave_up"
    return a_answers + b_answers, a_ids + b_ids, outcome, a_body or b_body


def client(index, port, tokens, categories, photo, stop, queue):
    """Raise matter after matter until ``stop`` is set; put one record per key."""
    rng = random.Random(index)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    records = []
    n = 0
    while not stop.is_set():
        n += 1
        key = f"crash-{index}-{n:06d}-{rng.getrandbits(32):08x}"
        with_photo = n % PHOTO_EVERY == 0
        body, headers = request_for(key, rng.choice(tokens), rng.choice(categories),
                                    photo if with_photo else None)
        double = n % DOUBLE_TAP_EVERY == 0
        if double:
            answers, ids, outcome, refusal = double_tap(port, body, headers, rng)
        else:
            answers, ids, outcome, refusal = send(port, body, headers, rng, conn)
        records.append({"key": key, "photo": with_photo, "double": double, "answers": answers,
                        "ids": ids, "acked": outcome == "acked", "outcome": outcome,
                        "body": refusal})
    conn.close()
    queue.put(records)


# --- the checks --------------------------------------------------------------------------------


def tally(records, rows):
    """Compare the clients' ``records`` with the database ``rows`` [(key, matter id)].

    Return the counts: sent (distinct keys), acknowledged, found (distinct keys in the
    database), duplicated (keys with more than one matter), lost (acknowledged, not
    found), mismatched (acknowledged with an id that is not the key's matter), refused
    (a 4xx), gave_up (out of retries), replayed (acknowledged by a 200 replay), double
    taps (keys sent twice at once) and those whose two answers named the same matter.
    """
    by_key = {}
    for key, pk in rows:
        by_key.setdefault(key, []).append(pk)
    sent = {r["key"] for r in records}
    acked = {r["key"] for r in records if r["acked"]}
    mismatched = sum(1 for r in records if r["acked"] and len(by_key.get(r["key"], [])) == 1
                     and set(r["ids"]) != set(by_key[r["key"]]))
    return {
        "sent": len(sent),
        "acknowledged": len(acked),
        "found": len(sent & set(by_key)),
        "duplicated": sum(1 for key in sent if len(by_key.get(key, [])) > 1),
        "lost": len(acked - set(by_key)),
        "mismatched": mismatched,
        "refused": sum(1 for r in records if r["outcome"] == "refused"),
        "gave_up": sum(1 for r in records if r["outcome"] == "gave_up"),
        "replayed": sum(1 for r in records
                        if r["acked"] and not r.get("double") and 200 in r["answers"]),
        "double_taps": sum(1 for r in records if r.get("double")),
        "double_taps_one_matter": sum(1 for r in records if r.get("double") and r["acked"]
                                      and len(r["ids"]) == 2 and len(set(r["ids"])) == 1),
    }


def half_written(records, media_root):
    """Count rows that a matter raised atomically can never leave behind."""
    from django.db.models import CharField, Exists, OuterRef
    from django.db.models.functions import Cast

    from tongxin.matters.models import Matter, MatterEvent, Photo
    from tongxin.matters.notices import NoticeKind
    from tongxin.notices.models import Notice

    raised = MatterEvent.objects.filter(matter=OuterRef("pk"), action="raised")
    told = Notice.objects.filter(subject_type="matters.matter",
                                 subject_id=Cast(OuterRef("pk"), CharField()),
                                 kind=NoticeKind.RAISED, recipient=OuterRef("reporter"))
    photo_keys = [r["key"] for r in records if r["photo"] and r["acked"]]
    with_photo = set(Photo.objects.filter(matter__idempotency_key__in=photo_keys)
                     .values_list("matter__idempotency_key", flat=True))
    photos = list(Photo.objects.values_list("pk", "image", "matter_id"))
    missing_files = sum(1 for _pk, name, _m in photos
                        if not name or not (media_root / name).is_file())
    matter_ids = set(Matter.objects.filter(pk__in={m for _p, _n, m in photos})
                     .values_list("pk", flat=True))
    on_disk = {p.relative_to(media_root).as_posix()
               for p in (media_root / "matters").rglob("*") if p.is_file()} if (
        media_root / "matters").exists() else set()
    return {
        "matters without their 'raised' event": Matter.objects.filter(~Exists(raised)).count(),
        "matters without the reporter's notice": Matter.objects.filter(
            reporter__isnull=False).filter(~Exists(told)).count(),
        "acknowledged with a photo, photo missing": len(set(photo_keys) - with_photo),
        "photos without their file": missing_files,
        "photos without their matter": sum(1 for _p, _n, m in photos if m not in matter_ids),
    }, len(on_disk - {name for _p, name, _m in photos})


def emails_not_queued(keys):
    """Count the "assigned" notices of the test's matters to people with an e-mail address
    that no queued e-mail task names (information: e-mails are queued after commit)."""
    from django_tasks_db.models import DBTaskResult

    from tongxin.matters.models import Matter
    from tongxin.matters.notices import NoticeKind
    from tongxin.notices.models import Notice

    ids = [str(pk) for pk in Matter.objects.filter(idempotency_key__in=keys)
           .values_list("pk", flat=True)]
    expected = set(Notice.objects.filter(subject_type="matters.matter", subject_id__in=ids,
                                         kind=NoticeKind.ASSIGNED)
                   .exclude(recipient__email="").values_list("pk", flat=True))
    queued = set()
    for args in DBTaskResult.objects.values_list("args_kwargs", flat=True):
        for ids in args.get("args", []):
            queued.update(ids if isinstance(ids, list) else [])
    return len(expected - queued), len(expected)


# --- the run -----------------------------------------------------------------------------------


def main():
    args = parse_args()
    stack.stop_on_sigterm()
    began = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="tongxin-bench-crash-")
    pg = stack.Postgres()
    server = None
    timeline = []
    context = multiprocessing.get_context("fork")

    def note(what):
        timeline.append((time.monotonic() - load_began, what))
        stack.log(f"crash: {timeline[-1][0]:5.1f} s  {what}")

    try:
        pg.start(synchronous_commit=args.synchronous_commit)
        stack.setup_django(tmp, pg.url)
        district, tokens = stack.seed_people(tokens=200, seed=args.seed)
        categories = [c.pk for c in stack.leaf_categories(district)]
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            synchronous_commit = cursor.fetchone()[0]
        stack.close_db()
        port = stack.free_port()
        # Each token raises ~55 matters in a run: the per-person raise limit (matters.services)
        # would refuse most of them, and the test is about losing none, not about the limit.
        env = stack.app_env(tmp, pg.url, TONGXIN_RATE_LIMITS='{"raise": null}')
        server = stack.Gunicorn(env, port, workers=args.workers, log_dir=tmp).start()
        photo = small_jpeg()
        stop, queue = context.Event(), context.Queue()
        clients = [context.Process(target=client, args=(
            i, port, tokens, categories, photo, stop, queue), daemon=True)
            for i in range(args.clients)]
        load_began = time.monotonic()
        for c in clients:
            c.start()
        note(f"{args.clients} clients raising matters")

        def at(fraction):
            time.sleep(max(0.0, load_began + args.seconds * fraction - time.monotonic()))

        at(0.20)
        note(f"kill -9 worker {server.kill_worker()}")
        at(0.40)
        master = server.pid
        server.kill_all()
        note(f"kill -9 master {master} and its workers; none left")
        t0 = time.monotonic()
        server.start()
        note(f"gunicorn started again (master {server.pid}) in {time.monotonic() - t0:.1f} s")
        at(0.65)
        pg.stop_immediate()
        note("pg_ctl stop -m immediate")
        time.sleep(args.pg_down)
        t0 = time.monotonic()
        pg.start_again()
        note(f"PostgreSQL started again (crash recovery) in {time.monotonic() - t0:.1f} s")
        at(1.0)
        stop.set()
        note("clients stop sending new keys; finishing retries")
        records = [r for _c in clients for r in queue.get(timeout=RETRY_BUDGET_S + 60)]
        for c in clients:
            c.join()
        note("clients done")

        from tongxin.matters.models import Matter

        keys = [r["key"] for r in records]
        rows = list(Matter.objects.filter(idempotency_key__in=keys)
                    .values_list("idempotency_key", "pk"))
        counts = tally(records, rows)
        # A worker killed between a commit and its subscribers leaves kernel events for
        # the sweep (run every minute by `tongxin check-deadlines --every 60`); run it
        # now, as production would, before counting what the events produce.
        from datetime import timedelta

        from django.utils import timezone

        from tongxin.kernel.events import deliver_pending

        swept = deliver_pending(timezone.now() + timedelta(minutes=5))
        broken, stray_files = half_written(records, Path(tmp) / "media")
        unqueued, expected_emails = emails_not_queued(keys)
        stack.close_db()
    finally:
        if server is not None:
            server.stop()
        pg.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)

    answers = {}
    for r in records:
        for a in r["answers"]:
            answers[a] = answers.get(a, 0) + 1
    attempts = sum(len(r["answers"]) for r in records)
    print(f"stack:    gunicorn sync workers: {args.workers}; PostgreSQL {pg.version()} "
          f"(synchronous_commit {synchronous_commit}, fsync off); DEBUG off; loopback")
    print(f"load:     {args.clients} clients without pause for {args.seconds:g} s; a retry "
          f"keeps its key, up to {MAX_ATTEMPTS} attempts / {RETRY_BUDGET_S} s, back-off "
          f"{BACKOFF_FIRST_S}-{BACKOFF_MAX_S} s; every {PHOTO_EVERY}th request with a photo, "
          f"every {DOUBLE_TAP_EVERY}th sent twice at once")
    print("faults:")
    for seconds, what in timeline:
        print(f"  {seconds:6.1f} s  {what}")
    print(f"answers:  {attempts:,} attempts: " + ", ".join(
        f"{k} x{v:,}" for k, v in sorted(answers.items(), key=lambda kv: -kv[1])))
    print()
    width = max(map(len, counts))
    for name in ("sent", "acknowledged", "found", "duplicated", "lost"):
        print(f"{name.ljust(width)}  {counts[name]:>7,}")
    print()
    print(f"acknowledged by a 200 replay (first answer lost, retry found the matter): "
          f"{counts['replayed']:,}")
    print(f"double taps (one key sent twice at once): {counts['double_taps']:,}, both answers "
          f"naming the same matter: {counts['double_taps_one_matter']:,}")
    print(f"acknowledged with another matter's id: {counts['mismatched']:,}")
    print(f"refused (4xx): {counts['refused']:,}; out of retries: {counts['gave_up']:,}")
    print("half-written:")
    for name, count in broken.items():
        print(f"  {name}: {count:,}")
    print(f"kernel events a killed worker left undelivered, delivered by the sweep: {swept:,}")
    print(f"information: {stray_files:,} uploaded files without a photo row (written by "
          "requests that died or rolled back before commit; no row points at them); "
          f"{unqueued:,} of {expected_emails:,} e-mail notices never queued")
    failed = (counts["lost"] or counts["duplicated"] or counts["mismatched"] or counts["refused"]
              or any(broken.values()) or counts["acknowledged"] == 0)
    for r in records:
        if r["outcome"] == "refused":
            print(f"refused {r['key']}: {r['answers']} {r.get('body', '')}")
            break
    print(f"result:   {'FAILED' if failed else 'ok'}; {time.monotonic() - began:.0f} s in all")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
