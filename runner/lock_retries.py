"""`moose migrate` on a live database: lock timeouts and retries (GitLab's `with_lock_retries`).

A migration that needs an ACCESS EXCLUSIVE lock waits behind any transaction that touched the
table (a report, a `pg_dump`, a forgotten `BEGIN`), and every later query of that table, the
gate's included, queues behind the migration. So each try of the run's one transaction waits at
most `lock_timeout` for any one lock (SQLSTATE 55P03 past it); then the whole transaction is
rolled back, which frees the queue, and tried again after a backoff, up to a bounded number of
times. While a try runs, a watcher on a second connection notes what it waits for and which
backends hold it, so each retry line names them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

import psycopg
from psycopg import errors

T = TypeVar("T")

DEFAULT_LOCK_TIMEOUT = 2.0
DEFAULT_LOCK_RETRIES = 8

WAITED_FOR_SQL = """
SELECT coalesce(l.relation::regclass::text, l.locktype) || ' (' || l.mode || ')'
FROM pg_catalog.pg_locks AS l WHERE l.pid = %s AND NOT l.granted LIMIT 1"""

HOLDERS_SQL = """
SELECT 'pid ' || a.pid || ' (user ' || coalesce(a.usename, '?') || ', application '
       || coalesce(nullif(a.application_name, ''), '?') || ', ' || coalesce(a.state, '?') || ', transaction open '
       || coalesce(extract(epoch FROM pg_catalog.now() - a.xact_start)::bigint || 's', '?') || ': '
       || coalesce(left(regexp_replace(a.query, '\\s+', ' ', 'g'), 80), '?') || ')'
FROM pg_catalog.pg_stat_activity AS a
WHERE a.pid = ANY (pg_catalog.pg_blocking_pids(%s)) ORDER BY a.xact_start NULLS LAST, a.pid"""


@dataclass(frozen=True)
class LockRetryPolicy:
    """Each try waits at most `lock_timeout` seconds for any one lock (0: forever, no retry);
    after a timeout the run is tried again up to `retries` times, waiting `first_wait`
    seconds before the first retry, twice as long before each next one, at most `max_wait`."""

    lock_timeout: float = DEFAULT_LOCK_TIMEOUT
    retries: int = DEFAULT_LOCK_RETRIES
    first_wait: float = 1.0
    max_wait: float = 30.0

    def wait_before(self, retry: int) -> float:
        return min(self.max_wait, self.first_wait * 2 ** (retry - 1))

    def setting(self) -> str:
        """The value for PostgreSQL's lock_timeout: whole milliseconds, at least 1 unless the
        timeout is 0 (which PostgreSQL takes as no timeout)."""
        millis = round(self.lock_timeout * 1000)
        return f"{max(millis, 1) if self.lock_timeout > 0 else 0}ms"


class LockRetriesExhausted(RuntimeError):
    """Every try timed out waiting for a lock; the message says what it waited for."""


class LockWatcher:
    """While a try runs, polls (on `conn`, autocommit, used by nothing else meanwhile) what the
    try's backend waits for and who holds it; keeps the last answer seen."""

    def __init__(self, conn: psycopg.Connection, interval: float) -> None:
        self._conn = conn
        self._interval = interval
        self._pid: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_seen: str | None = None

    def _poll(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                waited = self._conn.execute(WAITED_FOR_SQL, (self._pid,)).fetchone()
                holders = [row[0] for row in self._conn.execute(HOLDERS_SQL, (self._pid,))]
            except psycopg.Error:
                return  # the watcher only informs: never let it break the run
            if waited and holders:
                self.last_seen = f"a lock on {waited[0]} held by {', '.join(holders)}"

    @contextmanager
    def watching(self, pid: int) -> Iterator[None]:
        self._pid, self.last_seen = pid, None
        self._stop.clear()
        self._thread = threading.Thread(target=self._poll, name="moose-migrate-lock-watcher", daemon=True)
        self._thread.start()
        try:
            yield
        finally:
            self._stop.set()
            self._thread.join()

    def describe(self) -> str:
        return self.last_seen or "a lock (the holder ended before it could be named)"


def with_lock_retries(attempt: Callable[[LockWatcher], T], watcher: LockWatcher, policy: LockRetryPolicy,
                      echo: Callable[[str], None], sleep: Callable[[float], None] = time.sleep) -> T:
    """attempt(watcher) until it does not time out on a lock; `attempt` runs one whole
    transaction and rolls it back on any error (so a retry starts from scratch)."""
    tries = policy.retries + 1
    for number in range(1, tries + 1):
        try:
            return attempt(watcher)
        except errors.LockNotAvailable as error:
            waited = watcher.describe()
            if number == tries or policy.lock_timeout <= 0:
                raise LockRetriesExhausted(
                    f"could not get a lock within the lock timeout ({policy.lock_timeout:g}s) in {number} "
                    f"tr{'y' if number == 1 else 'ies'}: waited for {waited} ({error.diag.message_primary}, "
                    f"SQLSTATE {error.sqlstate})\n  hint: end or wait for the transaction that holds it, then "
                    "run `moose migrate` again; or give it more time (--lock-timeout, --lock-retries)") from error
            pause = policy.wait_before(number)
            echo(f"  lock timeout ({policy.lock_timeout:g}s) waiting for {waited}; rolled back the whole run, "
                 f"try {number + 1} of {tries} in {pause:g}s")
            sleep(pause)
    raise AssertionError("unreachable")  # pragma: no cover
