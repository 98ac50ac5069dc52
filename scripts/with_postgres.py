#!/usr/bin/env python3
"""Run a command against a throw-away PostgreSQL 15 server.

    scripts/with_postgres.py -- COMMAND [ARG...]

Creates a cluster in a temp dir, starts it on a free 127.0.0.1 port, creates
database "tongxin" (owner/superuser "tongxin", trust auth) and runs COMMAND with
DATABASE_URL pointing at it. The server is stopped and the directory removed
afterwards, also on failure, Ctrl-C or SIGTERM. Exits with COMMAND's status.
"""
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

FALLBACK_BIN = "/usr/lib/postgresql/15/bin"
USER = DB = "tongxin"
AS_ROOT = os.geteuid() == 0  # postgres refuses to run as root


def log(msg):
    print(f"with_postgres: {msg}", file=sys.stderr, flush=True)


def pg_bindir():
    initdb = shutil.which("initdb") or os.path.join(FALLBACK_BIN, "initdb")
    if not os.access(initdb, os.X_OK):
        sys.exit("with_postgres: initdb not found (run scripts/ensure_system_packages.sh)")
    # Take pg_ctl/createdb from the same directory so all tools share one version
    # (Debian's /usr/bin/createdb is a wrapper that wants a configured cluster).
    return os.path.dirname(os.path.realpath(initdb))


def as_postgres(cmd):
    if not AS_ROOT:
        return cmd
    if shutil.which("runuser"):
        return ["runuser", "-u", "postgres", "--", *cmd]
    return ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(cmd)]


def run(cmd, **kw):
    """Run quietly; on failure show the output and abort."""
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if res.returncode != 0:
        sys.stderr.write(res.stdout)
        raise RuntimeError(f"command failed: {shlex.join(cmd)}")
    return res


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(tmp, bindir):
    data, sock, logfile = (os.path.join(tmp, n) for n in ("data", "sock", "server.log"))
    os.mkdir(sock)
    if AS_ROOT:
        for path in (tmp, sock):
            shutil.chown(path, "postgres", "postgres")
    # cwd=tmp: the postgres user may not be able to enter the caller's cwd (e.g. /root).
    initdb = [f"{bindir}/initdb", "-D", data, "-A", "trust", "-U", USER, "--encoding=UTF8", "--no-sync"]
    try:
        run(as_postgres([*initdb, "--locale=C.UTF-8"]), cwd=tmp)
    except RuntimeError:
        log("initdb with C.UTF-8 failed, retrying with --locale=C")
        shutil.rmtree(data, ignore_errors=True)
        run(as_postgres([*initdb, "--locale=C"]), cwd=tmp)

    port = free_port()
    opts = (f"-p {port} -k {shlex.quote(sock)} -c listen_addresses=127.0.0.1"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off")
    try:
        # New session: a terminal Ctrl-C should reach the command, not the server;
        # we shut the server down ourselves in cleanup.
        run(as_postgres([f"{bindir}/pg_ctl", "start", "-w", "-t", "60", "-D", data, "-l", logfile,
                         "-o", opts]), cwd=tmp, start_new_session=True)
    except RuntimeError:
        if os.path.exists(logfile):
            with open(logfile, errors="replace") as f:
                sys.stderr.write("".join(f.readlines()[-30:]))
        raise
    run([f"{bindir}/createdb", "-h", "127.0.0.1", "-p", str(port), "-U", USER, DB], cwd=tmp)
    return port


def stop(tmp, bindir):
    data = os.path.join(tmp, "data")
    if not os.path.exists(os.path.join(data, "postmaster.pid")):
        return
    res = subprocess.run(as_postgres([f"{bindir}/pg_ctl", "stop", "-w", "-D", data, "-m", "immediate"]),
                         cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    if res.returncode != 0:
        log("pg_ctl stop failed; killing the postmaster")
        try:
            with open(os.path.join(data, "postmaster.pid")) as f:
                os.kill(int(f.readline()), signal.SIGKILL)
        except (OSError, ValueError):
            pass


class Terminated(Exception):
    pass


def on_sigterm(signum, frame):
    raise Terminated


def main():
    cmd = sys.argv[1:]
    if cmd[:1] == ["--"]:
        cmd = cmd[1:]
    if not cmd:
        sys.exit(__doc__.strip())
    bindir = pg_bindir()
    signal.signal(signal.SIGTERM, on_sigterm)
    tmp = tempfile.mkdtemp(prefix="tongxin-pg-")
    child = None
    try:
        port = start(tmp, bindir)
        version = run([f"{bindir}/pg_ctl", "--version"]).stdout.split(")", 1)[-1].strip()
        log(f"started PostgreSQL {version} on 127.0.0.1:{port} in {tmp}")
        env = dict(os.environ, DATABASE_URL=f"postgres://{USER}@127.0.0.1:{port}/{DB}")
        child = subprocess.Popen(cmd, env=env)
        return child.wait()
    except RuntimeError as exc:
        log(str(exc))
        return 1
    except (KeyboardInterrupt, Terminated) as exc:
        sig = signal.SIGINT if isinstance(exc, KeyboardInterrupt) else signal.SIGTERM
        if child is not None and child.poll() is None:
            child.send_signal(sig)  # Ctrl-C already reached it via the process group; SIGTERM didn't
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        return 128 + sig
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # don't get interrupted while cleaning up
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stop(tmp, bindir)
        shutil.rmtree(tmp, ignore_errors=True)
        log(f"stopped the server and removed {tmp}")


if __name__ == "__main__":
    sys.exit(main())
