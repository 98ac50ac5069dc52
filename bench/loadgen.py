"""A small closed-loop HTTP load generator and the arithmetic of its results.

Each client is its own process (forked, so no client shares a GIL with another) with one
``http.client`` connection: it sends a request, reads the whole answer, sends the next.
A connection the server closes (gunicorn's sync workers answer ``Connection: close``)
is reopened for the next request, and the connect counts in that request's time.
Loopback only; every run is bounded in time and in requests.
"""

import http.client
import multiprocessing
import random
import time
from dataclasses import dataclass, field

HOST = "127.0.0.1"


def percentile(values, q):
    """Return the ``q``-th percentile (0-100) of ``values``, interpolating linearly between
    the two nearest ranks (numpy's default), so p50 of an even count is the mean of the
    middle two."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError("q must lie between 0 and 100")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


@dataclass
class Result:
    """What one scenario measured: latencies (s) of the requests started inside the window."""

    name: str
    seconds: float
    latencies: list = field(default_factory=list)
    queries: list = field(default_factory=list)  # X-Bench-Queries of each answer that had it
    statuses: dict = field(default_factory=dict)  # status (or error name) -> count
    errors: int = 0  # answers that are not the expected status, and connection errors
    app_cpu: float = float("nan")  # CPU seconds of the gunicorn workers in the window
    db_cpu: float = float("nan")  # CPU seconds of the PostgreSQL processes in the window

    @property
    def requests(self):
        return len(self.latencies)

    @property
    def throughput(self):
        return self.requests / self.seconds if self.seconds else 0.0

    def p(self, q):
        return percentile(self.latencies, q) * 1000 if self.latencies else float("nan")

    @property
    def queries_per_request(self):
        return sum(self.queries) / len(self.queries) if self.queries else float("nan")

    def cpu_ms(self, seconds):
        """CPU milliseconds per request (``seconds`` spent over the window's requests)."""
        return seconds * 1000 / self.requests if self.requests else float("nan")


def ratio(value, floor):
    return value / floor if floor else float("nan")


def _table(rows):
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def format_table(results, floor_name):
    """Return two tables: per scenario requests, req/s, p50/p95/p99, SQL statements and
    the CPU per request of the app and of the database; then each of those divided by
    the floor's (throughput: the scenario's over the floor's; the rest: the scenario's
    cost over the floor's)."""
    floor = next(r for r in results if r.name == floor_name)
    head = ("scenario", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "queries",
            "app CPU ms", "db CPU ms", "errors")
    rows = [head]
    for r in results:
        rows.append((
            r.name, f"{r.requests:,}", f"{r.throughput:.1f}", f"{r.p(50):.1f}",
            f"{r.p(95):.1f}", f"{r.p(99):.1f}", f"{r.queries_per_request:.1f}",
            f"{r.cpu_ms(r.app_cpu):.1f}", f"{r.cpu_ms(r.db_cpu):.1f}", str(r.errors),
        ))
    head = ("÷ floor", "req/s", "p50", "p95", "p99", "queries", "app CPU", "db CPU")
    ratios = [head]
    for r in results:
        ratios.append((
            r.name, f"{ratio(r.throughput, floor.throughput):.2f}",
            *(f"{ratio(r.p(q), floor.p(q)):.1f}" for q in (50, 95, 99)),
            f"{ratio(r.queries_per_request, floor.queries_per_request):.1f}",
            f"{ratio(r.cpu_ms(r.app_cpu), floor.cpu_ms(floor.app_cpu)):.1f}",
            f"{ratio(r.cpu_ms(r.db_cpu), floor.cpu_ms(floor.db_cpu)):.1f}",
        ))
    return _table(rows) + "\n\n" + _table(ratios)


def multipart(fields, files):
    """Encode ``fields`` {name: str} and ``files`` [(name, filename, bytes, type)] as
    multipart/form-data; return (body, content type)."""
    boundary = "tongxin-bench-%016x" % random.getrandbits(64)
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     .encode() + str(value).encode() + b"\r\n")
    for name, filename, data, content_type in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                     f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
                     + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# --- the closed loop -------------------------------------------------------------------------


def _client(port, make_request, index, start_at, measure_from, stop_at, max_requests, queue):
    """One client: request after request until ``stop_at`` or ``max_requests``; put
    [(started, latency, status, SQL statements or None)] of the requests started after
    ``measure_from``."""
    rng = random.Random(index * 7919 + 1)
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    records = []
    while time.time() < start_at:
        time.sleep(0.001)
    sent = 0
    while sent < max_requests:
        began = time.time()
        if began >= stop_at:
            break
        method, path, body, headers = make_request(rng, index, sent)
        t0 = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
            queries = response.getheader("X-Bench-Queries")
            if response.will_close:
                conn.close()
        except (OSError, http.client.HTTPException) as error:
            status, queries = type(error).__name__, None
            conn.close()
        latency = time.perf_counter() - t0
        sent += 1
        if began >= measure_from:
            records.append((began, latency, status, queries))
    conn.close()
    queue.put(records)


def run(name, port, make_request, *, concurrency, seconds, warmup, max_requests, expect,
        cpu=None):
    """Drive ``make_request(rng, client, n) -> (method, path, body, headers)`` from
    ``concurrency`` forked clients for ``warmup`` + ``seconds``; return a Result over the
    requests started after the warm-up (at most ``max_requests`` in all). ``cpu()``, if
    given, returns (app, database) CPU seconds so far; it is read when the measured
    window opens and when it closes."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    start_at = time.time() + 0.3  # let every client fork before the clock starts
    measure_from = start_at + warmup
    stop_at = measure_from + seconds
    per_client = max(1, max_requests // concurrency)
    clients = [context.Process(target=_client, args=(
        port, make_request, i, start_at, measure_from, stop_at, per_client, queue), daemon=True)
        for i in range(concurrency)]
    for client in clients:
        client.start()
    before = after = None
    if cpu is not None:
        time.sleep(max(0.0, measure_from - time.time()))
        before = cpu()
        time.sleep(max(0.0, stop_at - time.time()))
        after = cpu()
    records = [r for _client_records in (queue.get() for _c in clients) for r in _client_records]
    for client in clients:
        client.join()
    result = Result(name, seconds)
    if before is not None:
        result.app_cpu, result.db_cpu = after[0] - before[0], after[1] - before[1]
    if records:
        # The window ends when the last request counted ends (a run cut short by
        # max_requests is shorter than ``seconds``).
        result.seconds = min(seconds, max(r[0] + r[1] for r in records) - measure_from)
    for _began, latency, status, queries in records:
        result.latencies.append(latency)
        if queries is not None:
            result.queries.append(int(queries))
        result.statuses[status] = result.statuses.get(status, 0) + 1
        if status != expect:
            result.errors += 1
    return result
