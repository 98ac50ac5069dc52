"""Run the whole app the way production does: gunicorn, the task worker and the deadline scan.

``make demo`` ends with this. Ctrl-C (or SIGTERM) stops all three; if one of them
dies, the others are stopped too, so nothing is left running in the background.
"""

import argparse
import signal
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bind", default="127.0.0.1:8000")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scan-every", type=int, default=60, help="seconds between deadline scans")
    args = parser.parse_args()
    tongxin = [sys.executable, "-m", "tongxin"]
    commands = {
        "web": [str(BIN / "gunicorn"), "tongxin.wsgi:application", "--bind", args.bind,
                "--workers", str(args.workers), "--access-logfile", "-"],
        "tasks": [*tongxin, "db_worker"],
        "deadlines": [*tongxin, "check_deadlines", "--every", str(args.scan_every)],
    }
    children = {name: subprocess.Popen(command) for name, command in commands.items()}
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    exited = None
    while not stopping and exited is None:
        exited = next((name for name, child in children.items() if child.poll() is not None), None)
        time.sleep(0.5)
    if exited:
        print(f"serve: {exited} stopped (exit {children[exited].returncode}); stopping the rest",
              file=sys.stderr)
    for child in children.values():
        if child.poll() is None:
            child.terminate()
    for child in children.values():
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            child.kill()
    return children[exited].returncode if exited else 0


if __name__ == "__main__":
    sys.exit(main())
