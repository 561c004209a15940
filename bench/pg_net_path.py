"""The pg_net half of the alert benchmark (bench/alerts.py): the same alerts, channel and receiver,
delivered by dispatch_alerts and pg_net's background worker instead of the runner. pg_net's
worker serves one database (pg_net.database_name), so both halves run in the test database, and
bench/alerts.py points the worker at it for the run (runner/preload.py's `serving`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

import psycopg

from runner import preload
from runner.db import connect, with_database


class Receiver(Protocol):
    arrivals: dict[str, float]
    count: int

    def reset(self) -> None: ...
    def wait_count(self, count: int, timeout: float = 120.0) -> None: ...


def worker_database(server_url: str) -> str | None:
    """The database pg_net's worker serves, when pg_net is preloaded; None otherwise."""
    with connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        status = preload.server_status(conn)
    return status.database


def _pump(conn: psycopg.Connection, until: Callable[[], bool], timeout: float = 120.0) -> None:
    """dispatch_alerts in a loop (as pg_cron or the scheduler would, only back to back)."""
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            raise RuntimeError("pg_net did not deliver the benchmark's alerts in time")
        conn.execute("SELECT dispatch_alerts(1000)")
        time.sleep(0.002)


def _settled(conn: psycopg.Connection) -> bool:
    return conn.execute("SELECT count(*) FROM alert_deliveries WHERE status IN ('pending', 'sending')"
                        ).fetchone() == (0,)


def throughput(conn: psycopg.Connection, rx: Receiver, raise_alert: Callable[[str], int], count: int,
               in_flight: int) -> float:
    """Deliveries per second for a backlog of `count` alerts, at most `in_flight` per channel."""
    conn.execute("SELECT update_config('alert_channel_max_in_flight', %s::text::jsonb)", (str(in_flight),))
    rx.reset()
    for i in range(count):
        raise_alert(f"pg_net backlog {in_flight} {i}")
    started = time.monotonic()
    _pump(conn, lambda: rx.count >= count)
    rate = count / (time.monotonic() - started)
    _pump(conn, lambda: _settled(conn))
    return rate


def latency(conn: psycopg.Connection, rx: Receiver, raise_alert: Callable[[str], int], samples: int) -> list[float]:
    """raise_alert's commit to the receiver, dispatch_alerts called right after the commit (in
    operation the dispatch interval comes on top: pg_cron runs it at most once a minute)."""
    rx.reset()
    latencies = []
    for i in range(samples):
        alert_id = raise_alert(f"pg_net latency {i}")  # autocommit: returns after the commit
        committed = time.time()
        conn.execute("SELECT dispatch_alerts(1000)")
        rx.wait_count(i + 1, timeout=10)
        latencies.append(rx.arrivals[str(alert_id)] - committed)
        time.sleep(0.01)
    _pump(conn, lambda: _settled(conn))
    return latencies
