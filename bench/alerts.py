"""Alert delivery benchmark: alerts delivered per second to a local receiver, and the time from
raise_alert's commit to the receiver seeing the request (median, p95), each against a baseline
measured in the same run: the same POSTs sent straight to the same receiver without the database.
Where pg_net is preloaded, the same figures through dispatch_alerts and pg_net's worker follow
(bench/pg_net_path.py), same run, same receiver, same channel.

Run: `.venv/bin/python -m bench.alerts` (needs `moose db up`, or MOOSE_DATABASE_URL pointing at a
server where it may create and drop a scratch database).
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import psycopg
from psycopg import sql

from bench import pg_net_path
from bench._server import server_url
from runner import preload, settings
from runner.db import connect, with_database
from runner.delivery import DeliveryWorker
from runner.http_post import post_json
from runner.migrations import migrate
from runner.testing import recreate_database

THROUGHPUT_ALERTS = 400
LATENCY_SAMPLES = 150
THREADS = 4
PG_NET_NARROW_ALERTS = 100
PG_NET_LATENCY_SAMPLES = 50


class _Server(ThreadingHTTPServer):
    # pg_net opens up to a whole batch of connections at once: with the default listen backlog
    # (5) the kernel drops connections and the requests time out.
    request_queue_size = 1024
    daemon_threads = True


class _Receiver:
    """Records the arrival time of each request by its X-Moose-Alert-Id header (or a counter)."""

    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        self.count = 0
        self.lock = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                now = time.time()
                key = self.headers.get("X-Moose-Alert-Id") or self.headers.get("X-Bench-Id") or ""
                with receiver.lock:
                    receiver.arrivals[key] = now
                    receiver.count += 1
                    receiver.lock.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        self.server = _Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/bench"

    def wait_count(self, count: int, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        with self.lock:
            while self.count < count:
                if not self.lock.wait(max(deadline - time.monotonic(), 0.01)) and time.monotonic() > deadline:
                    raise RuntimeError(f"receiver got {self.count} of {count} requests")

    def reset(self) -> None:
        with self.lock:
            self.arrivals.clear()
            self.count = 0

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _baseline(rx: _Receiver, body: bytes) -> tuple[float, list[float]]:
    """Raw POSTs to the same receiver with the same client code and thread count: rate, and
    per-request latency from send to the receiver's arrival."""
    rx.reset()
    headers = {"Content-Type": "application/json"}
    started = time.monotonic()
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(lambda i: post_json(rx.url, {**headers, "X-Bench-Id": f"t{i}"}, body, 10.0),
                      range(THROUGHPUT_ALERTS)))
    rate = THROUGHPUT_ALERTS / (time.monotonic() - started)
    latencies = []
    for i in range(LATENCY_SAMPLES):
        sent = time.time()
        post_json(rx.url, {**headers, "X-Bench-Id": f"l{i}"}, body, 10.0)
        latencies.append(rx.arrivals[f"l{i}"] - sent)
    return rate, latencies


def _raise(conn: psycopg.Connection, title: str) -> int:
    row = conn.execute("SELECT raise_alert('error', 'bench.alert', %s, 'benchmark body', %s)",
                       (title, title)).fetchone()
    assert row is not None
    return int(row[0])


def _through_database(db_url: str, rx: _Receiver) -> tuple[float, list[float]]:
    with connect(db_url, autocommit=True) as conn:
        for key, value in (("alert_throttle_limit", 100000), ("alert_channel_max_in_flight", THREADS),
                           ("alert_poll_interval", "2 seconds")):
            conn.execute("SELECT update_config(%s, %s)", (key, json.dumps(value)))
        conn.execute("SELECT add_alert_channel('bench', 'webhook', %s, 'bench-secret', 'info')", (rx.url,))

        # Throughput: a backlog of distinct alerts, drained by one runner with THREADS senders.
        rx.reset()
        for i in range(THROUGHPUT_ALERTS):
            _raise(conn, f"backlog {i}")
        stop = threading.Event()
        worker = DeliveryWorker(db_url, max_workers=THREADS, worker_id="bench")
        started = time.monotonic()
        thread = threading.Thread(target=worker.run_forever, args=(stop,))
        thread.start()
        rx.wait_count(THROUGHPUT_ALERTS)
        rate = THROUGHPUT_ALERTS / (time.monotonic() - started)

        # Latency: one alert at a time, from the commit of raise_alert to the receiver.
        rx.reset()
        latencies = []
        for i in range(LATENCY_SAMPLES):
            alert_id = _raise(conn, f"latency {i}")  # autocommit: returns after the commit
            committed = time.time()
            rx.wait_count(i + 1, timeout=10)
            latencies.append(rx.arrivals[str(alert_id)] - committed)
            time.sleep(0.01)
        stop.set()
        thread.join(15)
        worker.close()
        delivered = conn.execute("SELECT count(*) FROM alert_deliveries WHERE status = 'delivered'").fetchone()
        assert delivered == (THROUGHPUT_ALERTS + LATENCY_SAMPLES,), delivered
    return rate, latencies


def _database(server_url: str) -> tuple[str, bool]:
    """Where to run: on the embedded cluster with pg_net preloaded, the test database (which
    `moose test` recreates anyway; main() points pg_net's worker at it for the run, never at the
    main database), else a scratch database and no pg_net half."""
    if pg_net_path.worker_database(server_url) is not None and not os.environ.get("MOOSE_DATABASE_URL"):
        return os.environ.get("MOOSE_TEST_DATABASE", settings.DEFAULT_TEST_DATABASE), True
    return f"moose_bench_alerts_{os.getpid()}", False


def _pg_net_half(db_url: str, rx: _Receiver) -> tuple[float, float, list[float]]:
    with connect(db_url, autocommit=True) as conn:
        conn.execute("TRUNCATE alert_deliveries, alerts CASCADE")

        def raise_one(title: str) -> int:
            return _raise(conn, title)
        # pg_net's worker sends one batch about every second: fewer alerts where that is slow.
        same = pg_net_path.throughput(conn, rx, raise_one, PG_NET_NARROW_ALERTS, THREADS)
        wide = pg_net_path.throughput(conn, rx, raise_one, THROUGHPUT_ALERTS, 200)
        latencies = pg_net_path.latency(conn, rx, raise_one, PG_NET_LATENCY_SAMPLES)
    return same, wide, latencies


def main() -> None:
    """Both halves; the pg_net half with pg_net's worker on the test database meanwhile."""
    server = server_url()
    dbname, with_pg_net = _database(server)
    with preload.serving(server, dbname) if with_pg_net else contextlib.nullcontext(False):
        _run(server, dbname, with_pg_net)


def _run(server: str, dbname: str, with_pg_net: bool) -> None:
    db_url = recreate_database(server, dbname)
    rx = _Receiver()
    try:
        migrate(db_url, echo=lambda _line: None)
        body = json.dumps({"type": "alert", "alert_id": 1, "title": "x" * 200, "body": "y" * 300}).encode()
        base_rate, base_lat = _baseline(rx, body)
        db_rate, db_lat = _through_database(db_url, rx)
        if with_pg_net:
            with connect(db_url, autocommit=True) as conn:
                preload.wait_for_pg_net_worker(conn)
            net_same, net_wide, net_lat = _pg_net_half(db_url, rx)
    finally:
        rx.close()
        if with_pg_net:
            recreate_database(server, dbname)  # left empty, as after a drop; `moose test` migrates it
        else:
            with connect(with_database(server, "postgres"), autocommit=True) as admin:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))

    ms = 1000.0
    print(f"alert delivery benchmark ({THROUGHPUT_ALERTS} alerts backlog, {LATENCY_SAMPLES} latency samples, "
          f"{THREADS} sender threads, receiver on 127.0.0.1)")
    print(f"  throughput  baseline raw POST: {base_rate:8.0f} req/s   via database: {db_rate:8.0f} alerts/s   "
          f"ratio {db_rate / base_rate:.2f}")
    print(f"  latency     baseline raw POST: median {statistics.median(base_lat) * ms:6.2f} ms  "
          f"p95 {_pct(base_lat, 0.95) * ms:6.2f} ms")
    print(f"              raise_alert commit -> receiver: median {statistics.median(db_lat) * ms:6.2f} ms  "
          f"p95 {_pct(db_lat, 0.95) * ms:6.2f} ms  max {max(db_lat) * ms:6.2f} ms")
    print(f"              ratio (median) {statistics.median(db_lat) / statistics.median(base_lat):.1f}x")
    if not with_pg_net:
        print("  pg_net      not preloaded on this server (or not the embedded cluster): pg_net half skipped")
        return
    print(f"  pg_net      ({PG_NET_NARROW_ALERTS} and {THROUGHPUT_ALERTS} alerts backlog, "
          f"{PG_NET_LATENCY_SAMPLES} latency samples)")
    print(f"              throughput, {THREADS} in flight per channel: {net_same:8.0f} alerts/s   "
          f"ratio to the runner {net_same / db_rate:.2f}   to raw POST {net_same / base_rate:.2f}")
    print(f"              throughput, 200 in flight (pg_net's batch): {net_wide:8.0f} alerts/s   "
          f"ratio to the runner {net_wide / db_rate:.2f}")
    print(f"              commit -> dispatch_alerts -> receiver: median {statistics.median(net_lat) * ms:6.2f} ms  "
          f"p95 {_pct(net_lat, 0.95) * ms:6.2f} ms  max {max(net_lat) * ms:6.2f} ms   "
          f"ratio to the runner (median) {statistics.median(net_lat) / statistics.median(db_lat):.1f}x")


if __name__ == "__main__":
    main()
