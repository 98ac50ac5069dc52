"""A real HTTP receiver on the loopback interface, and an address where nothing listens."""

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest


class Receiver:
    """Record every request; answer with ``status`` (settable while it runs)."""

    def __init__(self, port=0):
        self.requests = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append(SimpleNamespace(
                    path=self.path, headers=dict(self.headers.items()), body=body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/tongxin"
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def free_port():
    """Return a loopback port with nothing listening on it (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(autouse=True)
def receivers_on_this_machine(settings):
    """The test receivers listen on 127.0.0.1, an internal address: allow it by name, as a
    deployment allows a receiver on its own machine (network.py)."""
    settings.TONGXIN_WEBHOOK_ALLOWED_INTERNAL_HOSTS = ["127.0.0.1"]


@pytest.fixture
def start_receiver():
    """Start receivers on 127.0.0.1 (any port, or a given one); stop them all afterwards."""
    started = []

    def start(port=0):
        receiver = Receiver(port)
        started.append(receiver)
        return receiver

    try:
        yield start
    finally:
        for receiver in started:
            receiver.stop()


@pytest.fixture
def receiver(start_receiver):
    return start_receiver()


@pytest.fixture
def down_url():
    """Return an address on 127.0.0.1 where no receiver listens (connection refused)."""
    return f"http://127.0.0.1:{free_port()}/hooks/tongxin"


@pytest.fixture
def queue_down(monkeypatch):
    """Queue no delivery task when deliveries commit, as when the task queue is down: the
    deliveries wait, pending, for the retry scan (or for a test to send them)."""
    monkeypatch.setattr("tongxin.webhooks.services._send_on_commit", lambda delivery_ids: None)
