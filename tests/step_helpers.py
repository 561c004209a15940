"""Interleavings stepped with locks: each statement on its own connection and thread, the test
waiting (with a deadline, never a sleep that decides) until it blocks on a given backend
(pg_blocking_pids) or finishes. Shared by the race tests of the budgets and the rate limits."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg

DEADLINE = 60.0


def connect(db_url: str, *, autocommit: bool = True, role: str | None = "service_role") -> psycopg.Connection:
    conn = psycopg.connect(db_url, autocommit=autocommit)
    if role:
        conn.execute(f"SET ROLE {role}")
        if not autocommit:
            conn.commit()
    return conn


def pid_of(conn: psycopg.Connection) -> int:
    pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    if not conn.autocommit:
        conn.commit()
    return int(pid)


def connect_where(db_url: str, wanted: Callable[[int], bool], **kwargs: Any) -> psycopg.Connection:
    """A connection whose backend pid satisfies `wanted` (the stripe a caller tries first is
    pg_backend_pid() mod K); at most 200 tries, one connection open at a time."""
    for _ in range(200):
        conn = connect(db_url, **kwargs)
        if wanted(pid_of(conn)):
            return conn
        conn.close()
    raise AssertionError("no backend pid with the wanted stripe in 200 connections")


class Step:
    """One statement on its own connection and thread; the test waits for it to block on a
    given backend (pg_blocking_pids) or to finish."""

    def __init__(self, conn: psycopg.Connection, sql: str, params: Any = ()) -> None:
        self.conn = conn
        self.pid = pid_of(conn)
        self.result: list[Any] = []
        self.thread = threading.Thread(target=self._run, args=(sql, params))
        self.thread.start()

    def _run(self, sql: str, params: Any) -> None:
        try:
            cursor = self.conn.execute(sql, params)
            row = cursor.fetchone() if cursor.description else None
            self.result.append(row[0] if row else None)
        except BaseException as error:  # handed to the test by value()
            self.result.append(error)

    def blocked_by(self, watch: psycopg.Connection, holder_pid: int) -> bool:
        row = watch.execute("SELECT %s = ANY (pg_blocking_pids(%s))", (holder_pid, self.pid)).fetchone()
        return bool(row and row[0])

    def wait_blocked_by(self, watch: psycopg.Connection, holder_pid: int) -> None:
        deadline = time.monotonic() + DEADLINE
        while not self.blocked_by(watch, holder_pid):
            assert self.thread.is_alive(), f"finished without waiting for {holder_pid}: {self.result}"
            assert time.monotonic() < deadline, f"backend {self.pid} never waited for {holder_pid}"
            time.sleep(0.01)

    def blocked_or_done(self, watch: psycopg.Connection, *holder_pids: int) -> bool:
        """True when it waits for one of holder_pids, False when it finished without waiting."""
        deadline = time.monotonic() + DEADLINE
        while True:
            if not self.thread.is_alive():
                return False
            if any(self.blocked_by(watch, pid) for pid in holder_pids):
                return True
            assert time.monotonic() < deadline, f"backend {self.pid} neither finished nor waited for {holder_pids}"
            time.sleep(0.01)

    def value(self) -> Any:
        self.thread.join(timeout=DEADLINE)
        assert not self.thread.is_alive(), f"backend {self.pid} still running"
        result = self.result[0]
        if isinstance(result, BaseException):
            raise result
        return result
