"""The scheduler: claims due jobs from the database and runs each in its own transaction under
its statement timeout. Every rule (what is due, who holds the lease, backoff, alerts) is in SQL
(claim_job, execute_job, fail_job); this module only drives them, so it is safe to run any
number of schedulers at once, directly or through PgBouncer in transaction mode (no session
state: no advisory locks, no LISTEN, no prepared statements)."""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import psycopg
from psycopg import sql

from runner.db import connect

log = logging.getLogger("moose.scheduler")

# A job's result may name tables it shrank ({"vacuum": [...]}, as run_retention does); the
# scheduler VACUUM (ANALYZE)s those of them that are tables in schema public, as the catalog says.
EXISTING_TABLES = """
SELECT c.relname FROM pg_catalog.pg_class AS c JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname = ANY(%s::text[])
ORDER BY c.relname
"""


class Clock:
    """The scheduler's notion of now. The real clock returns None: the SQL functions then use the
    database's now(). A test passes a SimulatedClock and moves it forward."""

    def now(self) -> datetime | None:
        return None


@dataclass
class SimulatedClock(Clock):
    """A test's clock. The SQL side accepts a clock outside scheduler_clock_window only from a
    superuser session that set moose.simulated_clock (see private.scheduler_now), so the
    scheduler sets it on its connection when it is given this clock."""

    current: datetime

    def now(self) -> datetime | None:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


def default_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def pool_safe_connect(url: str, *, autocommit: bool = False) -> psycopg.Connection:
    """A connection that works through PgBouncer in transaction mode: no server-side prepared
    statements (each transaction may land on another server connection)."""
    conn = connect(url, autocommit=autocommit)
    conn.prepare_threshold = None
    return conn


@dataclass
class Scheduler:
    url: str
    holder: str = field(default_factory=default_holder)
    clock: Clock = field(default_factory=Clock)
    vacuum: bool = True
    on_run: Callable[[dict], None] | None = None
    conn: psycopg.Connection | None = None
    current_deadline: float | None = None
    _pending_vacuum: dict[str, set[str]] = field(default_factory=dict)

    # -- connection --------------------------------------------------------------------------

    def connection(self) -> psycopg.Connection:
        if self.conn is None or self.conn.closed:
            self.conn = pool_safe_connect(self.url)
            if isinstance(self.clock, SimulatedClock):
                self.conn.execute("SELECT set_config('moose.simulated_clock', 'on', false)")
                if not self.conn.autocommit:
                    self.conn.commit()
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    # -- one job -----------------------------------------------------------------------------

    def claim(self, name: str | None = None) -> dict | None:
        conn = self.connection()
        with conn.transaction():
            row = conn.execute("SELECT public.claim_job(p_holder => %s, p_now => %s, p_name => %s)",
                               (self.holder, self.clock.now(), name)).fetchone()
        return row[0] if row else None

    def execute(self, claim: dict) -> dict:
        """Run a claimed job in its own transaction with its statement timeout; if that
        transaction itself fails, record the failure in a new one."""
        conn = self.connection()
        run_id = claim["run_id"]
        timeout_ms = int(claim["statement_timeout_ms"])
        self.current_deadline = time.monotonic() + timeout_ms / 1000 + 30
        started = time.monotonic()
        try:
            with conn.transaction():
                conn.execute("SELECT set_config('statement_timeout', %s, true)", (f"{timeout_ms}ms",))
                row = conn.execute("SELECT public.execute_job(p_run_id => %s, p_holder => %s, p_now => %s)",
                                   (run_id, self.holder, self.clock.now())).fetchone()
            outcome: dict = row[0] if row else {}
        except psycopg.errors.ObjectNotInPrerequisiteState as error:  # 55000: our lease was handed on
            log.warning("job %s run %s: %s", claim["job"], run_id, error.diag.message_primary)
            return {"run_id": run_id, "job": claim["job"], "outcome": "lost_lease"}
        except psycopg.Error as error:
            message = (error.diag.message_primary or str(error)).strip()
            sqlstate = error.diag.sqlstate
            log.error("job %s run %s: transaction failed: %s", claim["job"], run_id, message)
            outcome = self._record_failure(run_id, message, sqlstate)
        finally:
            self.current_deadline = None
        outcome["elapsed_ms"] = round((time.monotonic() - started) * 1000)
        self._after(outcome)
        return outcome

    def _record_failure(self, run_id: int, message: str, sqlstate: str | None) -> dict:
        if self.conn is not None and self.conn.closed:
            self.conn = None
        try:
            conn = self.connection()
            with conn.transaction():
                row = conn.execute("SELECT public.fail_job(%s, %s, %s, %s, %s)",
                                   (run_id, self.holder, message, sqlstate, self.clock.now())).fetchone()
            return row[0] if row else {"run_id": run_id, "outcome": "failed"}
        except psycopg.Error as error:
            log.error("could not record the failure of run %s (the lease will expire and the job be retried): %s",
                      run_id, str(error).strip())
            self.close()
            return {"run_id": run_id, "outcome": "failed", "error": message}

    def _after(self, outcome: dict) -> None:
        level = logging.INFO if outcome.get("outcome") == "succeeded" else logging.WARNING
        log.log(level, "job %s %s rows=%s in %s ms%s", outcome.get("job"), outcome.get("outcome"),
                outcome.get("rows_affected"), outcome.get("elapsed_ms"),
                f": {outcome['error']}" if outcome.get("error") else "")
        if self.on_run is not None:
            self.on_run(outcome)
        result = outcome.get("result")
        if isinstance(result, dict) and isinstance(result.get("vacuum"), list):
            pending = self._pending_vacuum.setdefault(str(outcome.get("job")), set())
            pending.update(str(t) for t in result["vacuum"])
            if not result.get("more") and pending:
                self._vacuum(sorted(pending))
                pending.clear()

    def _vacuum(self, tables: list[str]) -> None:
        if not self.vacuum:
            return
        conn = self.connection()
        conn.autocommit = True
        try:
            existing = [row[0] for row in conn.execute(EXISTING_TABLES, (tables,)).fetchall()]
            for table in sorted(set(tables) - set(existing)):
                log.warning("not vacuumed: %s is no table in schema public", table)
            for table in existing:
                started = time.monotonic()
                conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier("public", table)))
                log.info("vacuum (analyze) %s in %s ms", table, round((time.monotonic() - started) * 1000))
        except psycopg.Error as error:
            log.warning("vacuum failed (autovacuum will catch up): %s", str(error).strip())
        finally:
            if not conn.closed:
                conn.autocommit = False

    # -- loops -------------------------------------------------------------------------------

    def run_due(self, should_stop: Callable[[], bool] = lambda: False, limit: int | None = None) -> list[dict]:
        """Run jobs while any is due (each its own claim and transaction); stop early when asked
        (the running job finishes first)."""
        outcomes: list[dict] = []
        while not should_stop() and (limit is None or len(outcomes) < limit):
            claim = self.claim()
            if claim is None:
                break
            outcomes.append(self.execute(claim))
        return outcomes

    def run_named(self, name: str) -> dict:
        """An operator's manual run of one job, whether due or not."""
        claim = self.claim(name)
        assert claim is not None
        return self.execute(claim)

    def heartbeat(self, details: dict, *, stopping: bool = False) -> None:
        conn = self.connection()
        with conn.transaction():
            conn.execute("SELECT public.runner_heartbeat(%s, %s::jsonb, %s, %s)",
                         (self.holder, psycopg.types.json.Jsonb(details), stopping, self.clock.now()))
