"""The pg_net path against the real pg_net: its worker serves one database per cluster
(pg_net.database_name), the test database `moose test` prepares, so these tests work there
(not in a per-test copy) and clean the alert tables and restore the config around each test.
Waits poll a condition up to a deadline; none decides a result by sleeping."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator

import psycopg
import pytest
from psycopg.types.json import Jsonb

from runner import preload, settings
from runner.db import with_database

ALERT_TABLES = "public.alert_deliveries, public.alert_channel_secrets, public.alert_channels, public.alerts"
DEADLINE = 60.0


def pg_net_database_url(server_url: str) -> str:
    return os.environ.get("MOOSE_TEST_DATABASE_URL") or with_database(
        server_url, os.environ.get("MOOSE_TEST_DATABASE", settings.DEFAULT_TEST_DATABASE))


def worker_idle(conn: psycopg.Connection) -> bool:
    """pg_net's queue is empty and its worker waits (no request in its hands)."""
    row = conn.execute("SELECT NOT EXISTS (SELECT 1 FROM net.http_request_queue) AND EXISTS ("
                       "SELECT 1 FROM pg_stat_activity WHERE backend_type LIKE 'pg_net%%' AND state = 'idle')"
                       ).fetchone()
    return bool(row and row[0])


def wait_for(check: Callable[[], bool], what: str, timeout: float = DEADLINE) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


def open_pg_net_database(server_url: str) -> Iterator[psycopg.Connection]:
    """A connection to the database pg_net's worker serves, alert tables empty, config restored
    afterwards. Without pg_net: skipped, except under CI=true, where it is a failure."""
    try:
        conn = psycopg.connect(pg_net_database_url(server_url), autocommit=True)
    except psycopg.OperationalError as error:
        pytest.fail(f"the test database is not there ({error}): run these tests with `moose test`")
    with conn:
        if not preload.serves_this_database(conn):
            reason = (f"pg_net is not created in {conn.info.dbname} or its worker serves another database "
                      "(moose db status shows pg_net.database_name)")
            if os.environ.get("CI") == "true":
                pytest.fail(reason)
            pytest.skip(reason)
        preload.wait_for_pg_net_worker(conn)
        wait_for(lambda: worker_idle(conn), "pg_net's worker to finish an earlier test's requests")
        config = conn.execute("SELECT key, value FROM public.system_config").fetchall()
        conn.execute(f"TRUNCATE {ALERT_TABLES} CASCADE")
        conn.execute("DELETE FROM net._http_response")
        try:
            yield conn
        finally:
            # A fresh connection: the test may have restarted the server.
            with psycopg.connect(pg_net_database_url(server_url), autocommit=True) as clean:
                for key, value in config:
                    clean.execute("SELECT update_config(%s, %s) FROM public.system_config "
                                  "WHERE key = %s AND value IS DISTINCT FROM %s",
                                  (key, Jsonb(value), key, Jsonb(value)))
                clean.execute(f"TRUNCATE {ALERT_TABLES} CASCADE")


def pump(conn: psycopg.Connection, done: Callable[[], bool], what: str, timeout: float = DEADLINE) -> None:
    """Call dispatch_alerts (it settles what pg_net answered, then sends what is due) until done."""
    def step() -> bool:
        conn.execute("SELECT dispatch_alerts()")
        return done()
    wait_for(step, what, timeout)


def settled(conn: psycopg.Connection) -> bool:
    row = conn.execute("SELECT count(*) FROM alert_deliveries WHERE status IN ('pending', 'sending')").fetchone()
    return row == (0,)


def response_of(conn: psycopg.Connection, delivery_id: int) -> bool:
    """pg_net has written the answer to this delivery's request."""
    row = conn.execute("SELECT EXISTS (SELECT 1 FROM net._http_response AS r JOIN alert_deliveries AS d "
                       "ON d.net_request_id = r.id WHERE d.id = %s)", (delivery_id,)).fetchone()
    return bool(row and row[0])
