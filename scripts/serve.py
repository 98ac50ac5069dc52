"""Run the whole app the way production does: gunicorn, the task worker and the deadline scan.

``make demo`` ends with this. Ctrl-C (or SIGTERM) stops all three. A child that exits
is started again, after a wait that doubles while it keeps failing (1 s up to a minute),
and the others keep running: a crashed task worker does not take the site down. A child
that exits more than --max-restarts times within --restart-window seconds is in a crash
loop; serve says so and stops everything with exit status 1, so the service manager
(systemd) shows the failure rather than a loop nobody sees.
"""

import argparse
import collections
import signal
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def log(message):
    print(f"serve: {message}", file=sys.stderr, flush=True)


class Child:
    """One supervised command: its process, when it may start again, its recent exits."""

    def __init__(self, name, command, first_wait):
        self.name = name
        self.command = command
        self.process = None
        self.started = 0.0
        self.start_at = 0.0
        self.wait = first_wait
        self.exits = collections.deque()

    def start(self):
        self.process = subprocess.Popen(self.command)
        self.started = time.monotonic()


def supervise(commands, *, should_stop, first_wait=1.0, longest_wait=60.0, max_restarts=5,
              restart_window=300.0, poll=0.5):
    """Run ``commands`` ({name: argv}) until ``should_stop()``; restart the ones that exit.

    Return 0 when stopped, 1 when a child crash-loops (every child is stopped then too).
    """
    children = [Child(name, command, first_wait) for name, command in commands.items()]
    status = 0
    try:
        while status == 0 and not should_stop():
            now = time.monotonic()
            for child in children:
                if child.process is None:
                    if now >= child.start_at:
                        child.start()
                    continue
                code = child.process.poll()
                if code is None:
                    if now - child.started > longest_wait:
                        child.wait = first_wait  # it ran a while: a later exit starts afresh
                    continue
                while child.exits and now - child.exits[0] > restart_window:
                    child.exits.popleft()
                child.exits.append(now)
                child.process = None
                if len(child.exits) > max_restarts:
                    log(f"{child.name} exited (status {code}) {len(child.exits)} times within "
                        f"{restart_window:g} s: a crash loop; stopping everything")
                    status = 1
                    break
                log(f"{child.name} exited (status {code}); starting it again in "
                    f"{child.wait:g} s ({len(child.exits)} of at most {max_restarts} restarts "
                    f"within {restart_window:g} s)")
                child.start_at = now + child.wait
                child.wait = min(child.wait * 2, longest_wait)
            if status == 0:
                time.sleep(poll)
    finally:
        stop(child.process for child in children if child.process is not None)
    return status


def stop(processes):
    processes = list(processes)
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def web_command(bind, workers):
    """Return the web server's command: gunicorn with tongxin/gunicorn_conf.py, which loads
    the app and the triage models in the master before it forks the workers, so they
    share those pages (bench/stack.py starts the benchmark's gunicorn with it too)."""
    return [str(BIN / "gunicorn"), "tongxin.wsgi:application", "--config",
            "python:tongxin.gunicorn_conf", "--bind", bind, "--workers", str(workers),
            "--access-logfile", "-"]


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bind", default="127.0.0.1:8000")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scan-every", type=int, default=60, help="seconds between deadline scans")
    parser.add_argument("--max-restarts", type=int, default=5,
                        help="restarts of one child allowed within --restart-window (default 5)")
    parser.add_argument("--restart-window", type=float, default=300,
                        help="seconds (default 300)")
    args = parser.parse_args()
    tongxin = [sys.executable, "-m", "tongxin"]
    commands = {
        "web": web_command(args.bind, args.workers),
        "tasks": [*tongxin, "db_worker"],
        "deadlines": [*tongxin, "check_deadlines", "--every", str(args.scan_every)],
        # Areas never computed or stale (six hours); changes are queued to "tasks" at once.
        "hot-issues": [*tongxin, "refresh_hot_issues", "--every", "600"],
    }
    stopping = False

    def request_stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    return supervise(commands, should_stop=lambda: stopping, max_restarts=args.max_restarts,
                     restart_window=args.restart_window)


if __name__ == "__main__":
    sys.exit(main())
