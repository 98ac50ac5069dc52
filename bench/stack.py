"""The production stack on loopback, for bench/load.py and bench/crash.py.

A throw-away PostgreSQL 15 (the functions of scripts/with_postgres.py), Django set up
in this process against it (migrate, seed, collectstatic), and gunicorn started as a
child in its own process group, so that it and its workers can be killed as one.
Nothing here times anything; the callers do.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # also works from a checkout without `pip install -e .`
sys.path.insert(0, str(ROOT / "scripts"))

import serve  # noqa: E402
import with_postgres as wp  # noqa: E402

BIN = Path(sys.executable).parent
SECRET_KEY = "bench-only-secret-key-not-for-production-use-0123456789abcdef"


def log(message):
    print(message, file=sys.stderr, flush=True)


def stop_on_sigterm():
    """Turn SIGTERM into KeyboardInterrupt, so that the callers' ``finally`` stops gunicorn
    and PostgreSQL and removes the temp dirs (as with Ctrl-C)."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- PostgreSQL ------------------------------------------------------------------------------


class Postgres:
    """A throw-away cluster (with_postgres.start); stoppable with -m immediate and restartable."""

    def __init__(self):
        self.bindir = wp.pg_bindir()
        self.tmp = tempfile.mkdtemp(prefix="tongxin-bench-pg-")
        self.port = None

    @property
    def data(self):
        return os.path.join(self.tmp, "data")

    @property
    def url(self):
        return f"postgres://{wp.USER}@127.0.0.1:{self.port}/{wp.DB}"

    def start(self, synchronous_commit="on"):
        self.port = wp.start(self.tmp, self.bindir)
        # with_postgres runs the server with synchronous_commit=off (fast test suites). A
        # commit must be durable before the client hears "201", as on a production server,
        # or `pg_ctl stop -m immediate` could lose acknowledged matters: turn it back on for
        # every session of this database (a per-database setting beats the server default).
        # fsync stays off: an immediate stop is not a power cut, and the VM's disk is not
        # what is measured.
        wp.run([f"{self.bindir}/psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", wp.USER,
                "-d", wp.DB, "-q", "-c",
                f"ALTER DATABASE {wp.DB} SET synchronous_commit = {synchronous_commit}"],
               cwd=self.tmp)
        return self

    def version(self):
        out = wp.run([f"{self.bindir}/pg_ctl", "--version"]).stdout
        return out.split(")", 1)[-1].strip()

    def stop_immediate(self):
        """``pg_ctl stop -m immediate`` as the postgres user: no checkpoint, crash recovery next."""
        wp.run(wp.as_postgres([f"{self.bindir}/pg_ctl", "stop", "-w", "-D", self.data,
                               "-m", "immediate"]), cwd=self.tmp)

    def start_again(self):
        """Start the stopped cluster with the options it ran with (postmaster.opts)."""
        wp.run(wp.as_postgres([f"{self.bindir}/pg_ctl", "restart", "-w", "-t", "60",
                               "-D", self.data, "-l", os.path.join(self.tmp, "server.log")]),
               cwd=self.tmp, start_new_session=True)

    def postmaster(self):
        try:
            with open(os.path.join(self.data, "postmaster.pid")) as f:
                return int(f.readline())
        except (OSError, ValueError):
            return None

    def pids(self):
        """The postmaster and its children (backends, WAL writer, checkpointer ...)."""
        master = self.postmaster()
        if master is None:
            return []
        return [master] + [pid for pid in _pids() if (_proc_stat(pid) or (0, 0))[0] == master]

    def cpu_seconds(self):
        """CPU time of the whole cluster so far, exited backends included."""
        return cpu_seconds(self.pids(), parent=self.postmaster())

    def cleanup(self):
        wp.stop(self.tmp, self.bindir)
        shutil.rmtree(self.tmp, ignore_errors=True)


# --- Django in this process --------------------------------------------------------------------


def app_env(var_dir, database_url, **extra):
    """Return the environment of the production settings: DEBUG off, plain http on loopback.

    The settings module is bench.settings: the production settings whose URLconf also
    routes the floor view (bench/views.py), which the app's own URLconf never does.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_SETTINGS_MODULE")}
    env.update(
        DATABASE_URL=database_url,
        TONGXIN_VAR_DIR=var_dir,  # secret key, uploads and collected static files land here
        TONGXIN_HTTPS="0",
        SECRET_KEY=SECRET_KEY,
        # The production settings plus the floor view's URL (bench/settings.py).
        DJANGO_SETTINGS_MODULE="bench.settings",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def setup_django(var_dir, database_url):
    """Configure this process like the app (production settings), migrate, collect static."""
    os.environ.update(app_env(var_dir, database_url))
    os.environ.pop("DEBUG", None)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    # CompressedManifestStaticFilesStorage: with DEBUG off a page cannot render without
    # the manifest, so the bench collects static files as a deployment does.
    call_command("collectstatic", verbosity=0, interactive=False)


def close_db():
    from django.db import connections

    connections.close_all()


# --- Seeding -----------------------------------------------------------------------------------


def seed_people(tokens=300, seed=1):
    """Build the demo district (its logins included) and hand out API tokens.

    Return (district, [token keys of residents spread over the district]). Staff get a
    work e-mail, so a raised matter also queues an e-mail task for its grid worker.
    """
    import random

    from django.db import transaction

    from tongxin.api.tokens import issue_token
    from tongxin.demo.builder import DISTRICT_CODE, build_demo_district
    from tongxin.people.models import Person
    from tongxin.places.models import Place

    build_demo_district()
    district = Place.objects.get(code=DISTRICT_CODE)
    with transaction.atomic():
        staff = Person.objects.filter(household__isnull=True, roles__isnull=False).distinct()
        for person in staff.filter(email=""):
            Person.objects.filter(pk=person.pk).update(email=f"staff{person.pk}@tongxin.example")
        residents = list(Person.objects.filter(
            household__code__startswith=district.code, is_active=True).order_by("pk")
            .values_list("pk", flat=True))
        chosen = random.Random(seed).sample(residents, min(tokens, len(residents)))
        keys = [issue_token(person)[1]
                for person in Person.objects.filter(pk__in=chosen).order_by("pk")]
    return district, keys


def seed_triage(district):
    """Seed the demo's routing rules and train and activate the district's category
    suggester, as ``load_demo`` does (the shipped messages plus the district's records,
    about 15-25 s): a raise then makes the suggestion it makes in production. Return
    ``ensure_demo_triage``'s summary line."""
    from tongxin.triage.demo import ensure_demo_triage

    return ensure_demo_triage(district)


def leaf_categories(district):
    from tongxin.matters.models import Category

    parents = set(Category.objects.filter(district=district, parent__isnull=False)
                  .values_list("parent_id", flat=True))
    return [c for c in Category.objects.filter(district=district, is_active=True)
            if c.pk not in parents]


def login_place(username, role):
    from tongxin.people.models import RoleAssignment

    return RoleAssignment.objects.select_related("place").get(
        person__username=username, role=role).place


# --- gunicorn ----------------------------------------------------------------------------------


def _proc_stat(pid):
    """Return (ppid, pgrp) of ``pid`` from /proc, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    if fields[0] == "Z":  # a zombie holds no socket
        return None
    return int(fields[1]), int(fields[2])


def _pids():
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def cpu_seconds(pids, parent=None):
    """Return the CPU time (user + system) the processes ``pids`` have used so far, plus
    that of the children ``parent`` has already reaped (a PostgreSQL backend or
    autovacuum worker that exited in between must not take its time with it)."""
    ticks = 0
    for pid in pids:
        fields = _stat_fields(pid)
        if fields:
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    fields = _stat_fields(parent) if parent else None
    if fields:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime: reaped children
    return ticks / TICKS


def rss_kib(pid):
    """Return VmRSS of ``pid`` in KiB (from /proc/<pid>/status), or None."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def smaps(pid):
    """Return {"rss", "pss", "private", "shared"} of ``pid`` in KiB, from
    /proc/<pid>/smaps_rollup (PSS: each shared page divided by the processes sharing
    it), or None when it is gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            fields = {}
            for line in f:
                parts = line.split()
                if len(parts) >= 2 and parts[1].isdigit():
                    fields[parts[0].rstrip(":")] = int(parts[1])
    except OSError:
        return None
    return {"rss": fields["Rss"], "pss": fields["Pss"],
            "private": fields["Private_Clean"] + fields["Private_Dirty"],
            "shared": fields["Shared_Clean"] + fields["Shared_Dirty"]}


class Gunicorn:
    """gunicorn in its own session: the master's pid is the process group of it and its workers."""

    def __init__(self, env, port, *, workers=2, worker_class="sync", threads=1, log_dir,
                 preload=True):
        self.env, self.port, self.preload = env, port, preload
        self.workers, self.worker_class, self.threads = workers, worker_class, threads
        self.log_dir = Path(log_dir)
        self.process = None
        self.starts = 0

    def command(self):
        # The production command (scripts/serve.py), its config (tongxin/gunicorn_conf.py)
        # included, with the benchmark's log files and worker class.
        cmd = serve.web_command(f"127.0.0.1:{self.port}", self.workers)
        cmd = cmd[:cmd.index("--access-logfile")]
        if not self.preload:  # the command before tongxin/gunicorn_conf.py (bench/memory.py)
            at = cmd.index("--config")
            del cmd[at:at + 2]
        cmd += ["--worker-class", self.worker_class,
               "--access-logfile", str(self.log_dir / "access.log"),
               "--error-logfile", str(self.log_dir / "gunicorn.log"),
               "--graceful-timeout", "5"]
        if self.worker_class == "gthread":
            cmd += ["--threads", str(self.threads)]
        return cmd

    def start(self, timeout=60):
        self.starts += 1
        # The app logs (an error's traceback) go to app.log beside gunicorn's own logs.
        with open(self.log_dir / "app.log", "ab") as out:
            self.process = subprocess.Popen(self.command(), env=self.env, cwd=str(ROOT),
                                            stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                            start_new_session=True)
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout=60):
        """Wait until /healthz answers 200 and every worker has booted."""
        import http.client

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; "
                                   f"see {self.log_dir / 'gunicorn.log'}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                ok = conn.getresponse().status == 200
                conn.close()
                if ok and len(self.worker_pids()) >= self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("gunicorn did not become ready in time")

    @property
    def pid(self):
        return self.process.pid

    def worker_pids(self):
        return sorted(pid for pid in _pids() if (_proc_stat(pid) or (0, 0))[0] == self.pid)

    def group_pids(self):
        """Every live process of the group (master and workers, also orphaned workers)."""
        return [pid for pid in _pids() if (_proc_stat(pid) or (0, 0))[1] == self.pid]

    def kill_worker(self):
        """kill -9 one worker; the master notices and boots a new one. Return the pid."""
        victim = self.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        return victim

    def kill_all(self, timeout=10):
        """kill -9 the master and its workers (the whole group); wait until none is left,
        so that no orphaned worker keeps the listening socket."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        deadline = time.monotonic() + timeout
        while self.group_pids():
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn processes left: {self.group_pids()}")
            time.sleep(0.05)

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()

    def cpu_seconds(self):
        """CPU time of the workers so far, those that exited (and were reaped) included."""
        return cpu_seconds(self.worker_pids(), parent=self.pid)

    def memory(self):
        """Return {"master": KiB, "workers": [KiB, ...]} (VmRSS)."""
        return {"master": rss_kib(self.pid),
                "workers": [rss_kib(pid) for pid in self.worker_pids()]}

    def smaps(self):
        """Return {"master": smaps(master), "workers": [smaps(worker), ...]}."""
        return {"master": smaps(self.pid),
                "workers": [smaps(pid) for pid in self.worker_pids()]}
