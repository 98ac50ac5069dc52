#!/usr/bin/env python3
"""Memory of the web workers, with and without the triage model (``make bench-memory``).

    .venv/bin/python bench/memory.py [--workers N] [--messages N] [--seconds S]

Starts a throw-away PostgreSQL 15, builds the demo district, trains its category
suggester as ``load_demo`` does, and starts gunicorn four times with the production
settings: without and with the model, each without tongxin/gunicorn_conf.py (each worker
loads the app and its own copy of the model, as before) and as production starts it
(scripts/serve.py: the master loads the app and the model before it forks). Each time the workers are
warmed up by requests from other processes (suggestions for --messages different shipped
messages as the demo resident, then the grid worker's inbox and the staff list), and then
RSS, PSS, private and shared memory of every worker and of the master are read from
/proc/<pid>/smaps_rollup. PSS counts each shared page divided by the processes sharing
it: the memory a worker really costs. Figures only; nothing passes or fails.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load
import loadgen
import stack


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--messages", type=int, default=500,
                        help="different messages suggested for in the warm-up (default 500)")
    parser.add_argument("--seconds", type=float, default=15,
                        help="seconds of page requests in the warm-up (default 15)")
    return parser.parse_args()


def warm_up(port, cookies, messages, seconds):
    """Ask for suggestions (each message once, spread over 4 clients, so every worker
    answers some), then load pages for ``seconds``; return {path: answers by status}."""
    resident, grid, street = cookies
    seen = {}

    def suggest(rng, client, n):
        title, description = messages[(n * 4 + client) % len(messages)]
        return "GET", "/triage/suggest/?" + urlencode(
            {"title": title, "description": description}), None, {"Cookie": resident}

    def pages(rng, client, n):
        if n % 2:
            return "GET", "/matters/inbox/", None, {"Cookie": grid}
        return "GET", "/matters/?status=in_progress&overdue=on", None, {"Cookie": street}

    for name, make, limit, secs in (("suggest", suggest, len(messages), 600),
                                    ("pages", pages, 100_000, seconds)):
        result = loadgen.run(name, port, make, concurrency=4, seconds=secs, warmup=0,
                             max_requests=limit, expect=200)
        seen[name] = result.statuses
    return seen


def main():
    args = parse_args()
    stack.stop_on_sigterm()
    began = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="tongxin-bench-memory-")
    pg = stack.Postgres()
    server = None
    rows, answers = [], {}
    try:
        pg.start()
        stack.setup_django(tmp, pg.url)
        district, _tokens = stack.seed_people(tokens=1)
        t0 = time.monotonic()
        summary = stack.seed_triage(district)
        trained_s = time.monotonic() - t0

        from tongxin.demo.logins import DEMO_PASSWORD
        from tongxin.triage import corpus
        from tongxin.triage.models import TriageModel

        model = TriageModel.objects.get(district=district, is_active=True)
        texts, _kinds = corpus.labelled()
        messages = [(t.split("\n", 1)[0][:60], t.split("\n", 1)[-1][:400])
                    for t in texts[:args.messages]]
        stack.close_db()

        configurations = [
            ("no model, app loaded by each worker (before)", False, False),
            ("no model, app loaded in the master (now)", False, True),
            ("model, each worker loads it (before)", True, False),
            ("model, loaded in the master before fork (now)", True, True),
        ]
        for label, with_model, preload in configurations:
            TriageModel.objects.filter(pk=model.pk).update(is_active=with_model)
            stack.close_db()
            port = stack.free_port()
            server = stack.Gunicorn(stack.app_env(tmp, pg.url), port, workers=args.workers,
                                    log_dir=tmp, preload=preload).start()
            cookies = [load.sign_in(port, name, DEMO_PASSWORD)
                       for name in ("resident", "grid", "street")]
            answers[label] = warm_up(port, cookies, messages, args.seconds)
            memory = server.smaps()
            server.stop()
            server = None
            for n, figures in enumerate(memory["workers"], 1):
                rows.append((label, f"worker {n}", figures))
            rows.append((label, "master", memory["master"]))
        version = pg.version()
    finally:
        if server is not None:
            server.stop()
        pg.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"stack:     gunicorn sync workers: {args.workers}; PostgreSQL {version}; DEBUG off; "
          "the production command of scripts/serve.py")
    print(f"machine:   {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f} at the end")
    print(f"model:     {summary} (trained in {trained_s:.0f} s); file {model.size / 2**20:.1f} MiB")
    print(f"warm-up:   {args.messages} suggestions (different shipped messages, as the demo "
          f"resident), then {args.seconds:g} s of inbox and staff list pages; 4 clients")
    print()
    head = ("configuration", "process", "RSS MiB", "PSS MiB", "private MiB", "shared MiB")
    table = [head] + [
        (label, who, *(f"{f[k] / 1024:.0f}" if f else "-"
                       for k in ("rss", "pss", "private", "shared")))
        for label, who, f in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    for n, row in enumerate(table):
        print("  ".join([row[0].ljust(widths[0]), row[1].ljust(widths[1])]
                        + [c.rjust(w) for c, w in zip(row[2:], widths[2:])]))
        if n == 0:
            print("  ".join("-" * w for w in widths))
    print()
    for label, seen in answers.items():
        print(f"answers, {label}: " + "; ".join(
            f"{name} {dict(sorted(statuses.items(), key=str))}" for name, statuses in seen.items()))
    print(f"wall:      {time.monotonic() - began:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
