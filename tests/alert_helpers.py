"""Small helpers shared by the alert delivery tests: channels, config, waiting on rows."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from runner.delivery import DeliveryWorker


def add_channel(conn: psycopg.Connection, name: str, kind: str, url: str, *, secret: str | None = None,
                min_severity: str = "info", options: dict[str, Any] | None = None) -> int:
    row = conn.execute("SELECT add_alert_channel(%s, %s, %s, %s, %s, %s)",
                       (name, kind, url, secret, min_severity, json.dumps(options or {}))).fetchone()
    assert row is not None
    return int(row[0])


def set_config(conn: psycopg.Connection, key: str, value: Any) -> None:
    conn.execute("SELECT update_config(%s, %s)", (key, json.dumps(value)))


def fast_retries(conn: psycopg.Connection) -> None:
    """Backoff without waiting, so retry tests take milliseconds."""
    set_config(conn, "alert_retry_base", "0 seconds")
    set_config(conn, "alert_poll_interval", "0.1 seconds")


def raise_alert(conn: psycopg.Connection, severity: str, title: str, key: str | None = None,
                kind: str = "test.alert", body: str = "", context: dict[str, Any] | None = None) -> int:
    row = conn.execute("SELECT raise_alert(%s, %s, %s, %s, %s, %s)",
                       (severity, kind, title, body, key or title, json.dumps(context or {}))).fetchone()
    assert row is not None
    return int(row[0])


def statuses(conn: psycopg.Connection) -> dict[str, int]:
    return dict(conn.execute("SELECT status, count(*) FROM alert_deliveries GROUP BY status").fetchall())


def wait_until(check: Callable[[], bool], timeout: float = 60.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


def drain(worker: DeliveryWorker, conn: psycopg.Connection, timeout: float = 60.0) -> None:
    """deliver_due until no delivery is pending or sending."""
    def done() -> bool:
        worker.deliver_due(100)
        return statuses(conn).get("pending", 0) + statuses(conn).get("sending", 0) == 0
    wait_until(done, timeout, "every delivery settled")


@contextmanager
def running(*workers: DeliveryWorker, join: float = 60) -> Iterator[list[threading.Thread]]:
    """Each worker's run_forever in a thread of its own while the block runs; then stop and join
    them: once the block is left, no worker sends anything more."""
    stop = threading.Event()
    threads = [threading.Thread(target=worker.run_forever, args=(stop,)) for worker in workers]
    for thread in threads:
        thread.start()
    try:
        yield threads
    finally:
        stop.set()
        for thread in threads:
            thread.join(join)
    alive = [thread.name for thread in threads if thread.is_alive()]
    assert not alive, f"delivery workers still running {join:.0f} s after the stop: {alive}"


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
