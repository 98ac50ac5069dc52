"""Web workers started as production starts them (scripts/serve.py's gunicorn command):
the triage model is loaded once, in the gunicorn master before it forks the workers, so
the workers share its pages; a worker suggests with it without loading it again; and a
model activated later by another process is still picked up (bench/README.md, memory)."""

import http.client
import importlib.util
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

# Run in a separate process on the test's own SQLite file (the embedded production
# default): the demo district, a resident's session, and a small model trained on the
# district's category names, stored and activated as training.train() does.
SETUP = r"""
import sys, django
django.setup()
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from tongxin.demo.builder import DISTRICT_CODE, build_demo_district
from tongxin.people.models import Person
from tongxin.places.models import Place
from tongxin.triage import training
from tongxin.triage.models import TriageModel
from tongxin.triage.suggester import Suggester

def activate(district, C):
    tree = training.Tree(district)
    docs = tree.name_documents()
    suggester = Suggester(calibration_folds=0, min_df=1, C=C).fit(
        [text for text, _kind in docs], [str(kind) for _text, kind in docs])
    blob = training.serialise(training.Bundle(
        suggester, training.leaf_profiles(suggester, tree, [])))
    import hashlib
    digest = hashlib.sha256(blob).hexdigest()
    with transaction.atomic():
        previous = TriageModel.objects.filter(district=district, is_active=True).first()
        record = TriageModel(district=district, version=TriageModel.objects.filter(
            district=district).count() + 1, sha256=digest, size=len(blob))
        record.file.name = default_storage.save(f"triage/models/{digest}.joblib",
                                                ContentFile(blob))
        record.save()
        training._activate(record, by=None, previous=previous)
    print(record.pk)

if sys.argv[1] == "world":
    build_demo_district()
    district = Place.objects.get(code=DISTRICT_CODE)
    resident = Person.objects.filter(household__code__startswith=district.code,
                                     is_active=True).order_by("pk").first()
    session = SessionStore()
    session[SESSION_KEY] = str(resident.pk)
    session[BACKEND_SESSION_KEY] = "tongxin.people.auth.LockoutBackend"
    session[HASH_SESSION_KEY] = resident.get_session_auth_hash()
    session.create()
    print(session.session_key)
activate(Place.objects.get(code=DISTRICT_CODE), float(sys.argv[2]))
"""


def serve_module():
    spec = importlib.util.spec_from_file_location("serve", ROOT / "scripts" / "serve.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def environment(var_dir):
    dropped = {"DEBUG", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(TONGXIN_VAR_DIR=str(var_dir), TONGXIN_HTTPS="0", LOG_LEVEL="INFO",
               DJANGO_SETTINGS_MODULE="tongxin.settings", PYTHONUNBUFFERED="1",
               PYTHONPATH=str(ROOT))
    return env


def run(env, *args):
    return subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=True).stdout.split()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hint(port, session):
    deadline = time.monotonic() + 60
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/triage/suggest/?title=%E7%94%B5%E6%A2%AF%E5%9D%8F%E4%BA%86"
                         "&description=%E7%94%B5%E6%A2%AF%E7%BB%8F%E5%B8%B8%E5%9D%8F%EF%BC%8C"
                         "%E7%89%A9%E4%B8%9A%E4%B8%8D%E7%AE%A1%E7%94%B5%E6%A2%AF%E7%BB%B4%E4%BF%AE",
                         headers={"Cookie": f"sessionid={session}", "Connection": "close"})
            response = conn.getresponse()
            return response.status, response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def loads(log):
    """Return {pid: [TriageModel pks]} of the 'loaded in process' lines of the app log."""
    found = {}
    for pk, pid in re.findall(r"triage model (\d+) \(\w+\) loaded in process (\d+)", log):
        found.setdefault(int(pid), []).append(int(pk))
    return found


def test_workers_share_the_model_the_master_loaded_and_pick_up_a_new_one(tmp_path):
    env = environment(tmp_path)
    run(env, "-m", "tongxin", "migrate", "--noinput", "-v", "0")
    session, first = run(env, "-c", SETUP, "world", "1")
    port = free_port()
    command = serve_module().web_command(f"127.0.0.1:{port}", 2)
    assert "python:tongxin.gunicorn_conf" in command
    log = tmp_path / "web.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=out,
                                  start_new_session=True)
    try:
        status, before = hint(port, session)
        assert status == 200 and "data-suggest-category" in before, before
        statuses = [hint(port, session)[0] for _ in range(6)]  # both workers answer
        assert statuses == [200] * 6
        # Loaded once, by the master, before it forked; no worker read the file again.
        assert loads(log.read_text()) == {server.pid: [int(first)]}

        # Another process activates a new model (another file, another checksum): the
        # worker that answers next sees the checksum change, loads it and suggests with it.
        (second,) = run(env, "-c", SETUP, "model", "0.5")
        status, after = hint(port, session)
        assert status == 200 and "data-suggest-category" in after
        loaded = loads(log.read_text())
        assert loaded.pop(server.pid) == [int(first)]
        assert list(loaded.values()) == [[int(second)]]  # one worker, the one that answered
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
