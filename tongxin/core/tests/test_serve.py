"""scripts/serve.py starts a crashed child again instead of stopping the site."""

import importlib.util
import os
import sys
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "serve.py"


@pytest.fixture(scope="module")
def serve():
    spec = importlib.util.spec_from_file_location("serve", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def python(code, *args):
    return [sys.executable, "-c", code, *map(str, args)]


# Each start appends a line (its pid) to a file; the flaky one exits on its first start.
COUNT = "import os, sys; f = open(sys.argv[1], 'a'); f.write(f'{os.getpid()}\\n'); f.close()\n"
FLAKY = COUNT + "n = len(open(sys.argv[1]).readlines())\nimport time\n" \
                "sys.exit(3) if n == 1 else time.sleep(60)"
STEADY = COUNT + "import time; time.sleep(60)"
BROKEN = COUNT + "sys.exit(1)"


def starts(path):
    return path.read_text().split() if path.exists() else []


def until(condition, seconds=20):
    deadline = time.monotonic() + seconds
    return lambda: condition() or time.monotonic() > deadline


def test_a_child_that_exits_is_started_again_and_the_others_keep_running(serve, tmp_path,
                                                                           capsys):
    worker, web = tmp_path / "worker", tmp_path / "web"
    status = serve.supervise(
        {"web": python(STEADY, web), "tasks": python(FLAKY, worker)},
        should_stop=until(lambda: len(starts(worker)) == 2),
        first_wait=0.05, longest_wait=0.2, poll=0.02)
    assert status == 0
    assert len(starts(worker)) == 2  # restarted once
    assert len(starts(web)) == 1  # never stopped
    assert "tasks exited (status 3); starting it again" in capsys.readouterr().err
    for pid in starts(worker) + starts(web):  # and everything stopped at the end
        with pytest.raises(ProcessLookupError):
            os.kill(int(pid), 0)


def test_a_crash_loop_is_reported_and_stops_everything(serve, tmp_path, capsys):
    worker, web = tmp_path / "worker", tmp_path / "web"
    status = serve.supervise(
        {"web": python(STEADY, web), "tasks": python(BROKEN, worker)},
        should_stop=until(lambda: False), first_wait=0.02, longest_wait=0.1,
        max_restarts=3, restart_window=60, poll=0.02)
    assert status == 1
    assert len(starts(worker)) == 4  # the first start and three restarts, with waits between
    assert "tasks exited (status 1) 4 times within 60 s: a crash loop" in capsys.readouterr().err
    with pytest.raises(ProcessLookupError):
        os.kill(int(starts(web)[0]), 0)
