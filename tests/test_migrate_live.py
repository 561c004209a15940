"""`moose migrate` on a live database, with real concurrent connections: a migration queued
behind a long transaction gives its lock request up after the lock timeout and retries the whole
run, so the gate queued behind it waits at most that long; it lands once the transaction ends;
it gives up after its retries with nothing kept; the lock timeout covers the behaviour files too.

Why the latency bound is deterministic enough to assert: the gate waits for the migration's
queued ACCESS EXCLUSIVE request, which PostgreSQL itself withdraws when its lock timeout fires
(a server timer), so a gate call waits at most LOCK_TIMEOUT for it, plus the gate's own few
milliseconds of work. The gate calls carry an idempotency key, so the first lock a call takes
that the migration conflicts with is on budget_reservations itself (the key is recorded before
any stripe is debited): no call waits for another call that waits for the migration. MARGIN
(twice the bound) only absorbs CPU starvation on a loaded machine. The test holds the long
transaction until the migration has timed out at least 3 times (at least 3 x LOCK_TIMEOUT =
LOCK_TIMEOUT + MARGIN), so without the lock timeout a queued gate call would wait past the bound.
The test counts nothing in a time window and never sleeps to decide: it waits for conditions
(retry lines, a gate backend seen waiting for the migration's) with a deadline, and stops the
load before it ends the long transaction (the landing run then holds its lock for its own work,
which the bound is not about).
"""

from __future__ import annotations

import shutil
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from psycopg.types.json import Jsonb

from runner import settings
from runner.cli import main
from runner.lock_retries import LockRetryPolicy
from runner.migrations import MigrationError, migrate
from runner.testing import run_squawk

LOCK_TIMEOUT = 1.0
MARGIN = 2.0
GATE_THREADS = 3
DEADLINE = 120.0
GATE_APP = "zz-gate-under-migrate"

CREATES_TABLE = """-- A new table: the run's first migration, taken back by every rolled-back try.
-- depends: 0060_ops_metrics_counts

CREATE TABLE public.zz_live (id integer PRIMARY KEY);
"""

ALTERS_RESERVATIONS = """-- A change to the gate's own table: needs ACCESS EXCLUSIVE on budget_reservations.
-- depends: 9998_zz_live_table

ALTER TABLE public.budget_reservations ADD COLUMN zz_note text;
"""


@pytest.fixture
def pending(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """db/migrations plus two pending ones: a new table, then an ALTER of budget_reservations
    (after db_url, whose template database is migrated from the real folder)."""
    folder = tmp_path / "migrations"
    shutil.copytree(settings.MIGRATIONS_DIR, folder)
    (folder / "9998_zz_live_table.sql").write_text(CREATES_TABLE)
    (folder / "9999_zz_alter_reservations.sql").write_text(ALTERS_RESERVATIONS)
    monkeypatch.setattr(settings, "MIGRATIONS_DIR", folder)
    return ["9998_zz_live_table", "9999_zz_alter_reservations"]


def open_long_transaction(db_url: str, relation: str) -> tuple[psycopg.Connection, int]:
    """A report left open: REPEATABLE READ, having read `relation` (ACCESS SHARE, held to the end)."""
    conn = psycopg.connect(db_url, autocommit=True, application_name="zz-long-report")
    conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
    conn.execute(f"SELECT count(*) FROM {relation}")
    return conn, conn.info.backend_pid


def wait_for(condition: Callable[[], bool], what: Callable[[], str], deadline: float = DEADLINE) -> None:
    end = time.monotonic() + deadline
    while not condition():
        assert time.monotonic() < end, f"gave up after {deadline:g}s waiting for {what()}"
        time.sleep(0.02)


def retry_lines(lines: list[str]) -> list[str]:
    return [line for line in list(lines) if "lock timeout" in line and "rolled back the whole run" in line]


class GateLoad:
    """GATE_THREADS connections calling check_and_reserve_budget (with an idempotency key) and
    release_reservation in a loop until stopped; the latency of every call is kept."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self.stop = threading.Event()
        self.latencies: list[float] = []
        self.errors: list[BaseException] = []
        self.threads = [threading.Thread(target=self._run, args=(i,)) for i in range(GATE_THREADS)]
        for thread in self.threads:
            thread.start()

    def _timed(self, conn: psycopg.Connection, query: str, params: tuple[object, ...]) -> object:
        started = time.monotonic()
        value = conn.execute(query, params).fetchone()[0]
        self.latencies.append(time.monotonic() - started)
        return value

    def _run(self, index: int) -> None:
        try:
            with psycopg.connect(self.db_url, autocommit=True, application_name=GATE_APP) as conn:
                conn.execute("SET ROLE service_role")
                while not self.stop.is_set():
                    answer = self._timed(conn, "SELECT public.check_and_reserve_budget(0.01, %s, %s)",
                                         (f"zz-load-{index}", Jsonb({"idempotency_key": str(uuid.uuid4())})))
                    assert isinstance(answer, dict) and answer["canProceed"], answer
                    self._timed(conn, "SELECT public.release_reservation(%s)", (answer["reservationId"],))
        except BaseException as error:  # handed to the test by finish()
            self.errors.append(error)

    def finish(self) -> list[float]:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=DEADLINE)
        assert not any(thread.is_alive() for thread in self.threads), "a gate thread is still running"
        assert self.errors == []
        return list(self.latencies)


def gate_waits_for_migrate(watch: psycopg.Connection) -> bool:
    """A gate backend is waiting for the migrating backend (the runner's application name)."""
    row = watch.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_stat_activity AS g JOIN pg_stat_activity AS m"
        " ON m.pid = ANY (pg_blocking_pids(g.pid))"
        " WHERE g.application_name = %s AND m.application_name = 'moose' AND g.datname = current_database())",
        (GATE_APP,)).fetchone()
    return bool(row and row[0])


def test_a_migration_behind_a_long_transaction_retries_and_the_gate_never_waits_past_the_lock_timeout(
        pending: list[str], db_url: str, conn: psycopg.Connection) -> None:
    load = GateLoad(db_url)
    wait_for(lambda: len(load.latencies) >= 20, lambda: f"20 gate calls (had {len(load.latencies)})")
    report, report_pid = open_long_transaction(db_url, "public.budget_reservations")

    lines: list[str] = []
    outcome: dict[str, object] = {}
    policy = LockRetryPolicy(lock_timeout=LOCK_TIMEOUT, retries=200, first_wait=0.2, max_wait=0.5)

    def run_migrate() -> None:
        try:
            outcome["applied"] = migrate(db_url, echo=lines.append, policy=policy)
        except BaseException as error:  # asserted below
            outcome["error"] = error

    migrating = threading.Thread(target=run_migrate)
    migrating.start()
    try:
        seen_gate_waiting: list[bool] = []

        def queued_long_enough() -> bool:
            if not seen_gate_waiting and gate_waits_for_migrate(conn):
                seen_gate_waiting.append(True)
            retries = retry_lines(lines)
            named = any(f"held by pid {report_pid} " in line for line in retries)
            return bool(seen_gate_waiting) and named and len(retries) >= 3 and "error" not in outcome

        wait_for(queued_long_enough, lambda: f"a gate call waiting for the migration ({bool(seen_gate_waiting)}), "
                 f"3 retries naming pid {report_pid}; outcome {outcome}, output {lines}")
        latencies = load.finish()
    finally:
        load.stop.set()
        report.execute("COMMIT")  # the report ends: the next try gets its lock
        report.close()
    migrating.join(timeout=DEADLINE)
    assert not migrating.is_alive(), f"migrate still running: {lines}"

    assert outcome.get("applied") == pending, outcome
    retry = retry_lines(lines)[0]
    assert "waiting for a lock on budget_reservations (AccessExclusiveLock) held by pid" in retry, retry
    assert f"try 2 of {policy.retries + 1} in 0.2s" in retry, retry
    worst = max(latencies)
    print(f"gate calls while the migration was queued: {len(latencies)}, slowest {worst:.3f}s; "
          f"migrate output: {lines}")
    assert worst < LOCK_TIMEOUT + MARGIN, (
        f"a gate call waited {worst:.3f}s, past the lock timeout {LOCK_TIMEOUT}s + {MARGIN}s "
        f"({len(latencies)} calls, slowest 5: {sorted(latencies)[-5:]})")
    # Landed once, as a whole: the table of the first migration, the column, one record each.
    assert conn.execute("SELECT to_regclass('public.zz_live') IS NOT NULL").fetchone()[0] is True
    assert conn.execute("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public'"
                        " AND table_name = 'budget_reservations' AND column_name = 'zz_note'").fetchone()[0] == 1
    assert conn.execute("SELECT migration_id, count(*) FROM _yoyo_migration WHERE migration_id LIKE '999%%'"
                        " GROUP BY 1 ORDER BY 1").fetchall() == [(pending[0], 1), (pending[1], 1)]


def test_migrate_gives_up_after_its_retries_with_a_clear_error_and_nothing_kept(
        pending: list[str], db_url: str, conn: psycopg.Connection) -> None:
    report, report_pid = open_long_transaction(db_url, "public.budget_reservations")
    try:
        result = CliRunner().invoke(main, ["--database-url", db_url, "migrate", "--lock-timeout", "0.3",
                                           "--lock-retries", "1"])
        assert conn.execute("SELECT count(*) FROM pg_locks WHERE pid = %s AND relation = "
                            "'public.budget_reservations'::regclass", (report_pid,)).fetchone()[0] == 1
    finally:
        report.execute("ROLLBACK")
        report.close()
    assert result.exit_code == 1, result.output
    assert "lock timeout (0.3s) waiting for " in result.output
    assert "rolled back the whole run, try 2 of 2 in 1s" in result.output
    assert "migration failed, nothing of this run was kept (the database is as it was):" in result.output
    assert "could not get a lock within the lock timeout (0.3s) in 2 tries: waited for " in result.output
    assert "(canceling statement due to lock timeout, SQLSTATE 55P03)" in result.output
    assert "hint: end or wait for the transaction that holds it" in result.output
    assert conn.execute("SELECT to_regclass('public.zz_live')").fetchone()[0] is None
    assert conn.execute("SELECT count(*) FROM _yoyo_migration WHERE migration_id LIKE '999%'").fetchone()[0] == 0
    # The same run lands once nothing holds the lock.
    assert migrate(db_url, echo=lambda _line: None) == pending


def test_the_lock_timeout_covers_the_behaviour_files_too(db_url: str, conn: psycopg.Connection) -> None:
    """Nothing pending: re-applying a view needs ACCESS EXCLUSIVE on it, which a report reading
    it holds off; the run times out, rolls back and gives up (no retry asked)."""
    report, _pid = open_long_transaction(db_url, "public.cost_today")
    lines: list[str] = []
    try:
        with pytest.raises(MigrationError) as raised:
            migrate(db_url, echo=lines.append, policy=LockRetryPolicy(lock_timeout=0.5, retries=0))
    finally:
        report.execute("ROLLBACK")
        report.close()
    assert "could not get a lock within the lock timeout (0.5s) in 1 try: waited for " in str(raised.value)
    assert retry_lines(lines) == []
    assert migrate(db_url, echo=lambda _line: None) == []


# -- the lint: squawk over db/migrations, with the rules for a live database ----------------------

def test_squawk_passes_on_db_migrations_and_refuses_a_migration_that_would_stall_the_gate(
        tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    assert run_squawk() == 0, capfd.readouterr().out
    capfd.readouterr()
    (tmp_path / "9999_zz_stalls.sql").write_text(
        "-- Would block the gate.\n-- depends: 0060_ops_metrics_counts\n\n"
        "ALTER TABLE public.budget_reservations ADD COLUMN zz_required text NOT NULL;\n"
        "CREATE INDEX zz_reservations_service_idx ON public.budget_reservations (service_name);\n"
        "ALTER TABLE public.budget_reservations ALTER COLUMN priced_input_tokens TYPE bigint;\n")
    assert run_squawk(tmp_path) == 1
    out = capfd.readouterr().out
    for rule in ("adding-required-field", "require-concurrent-index-creation", "changing-column-type"):
        assert rule in out, out
    # Reviewed: the same file with a reason and an ignore comment per rule passes.
    reviewed = tmp_path / "9999_zz_stalls.sql"
    reviewed.write_text(reviewed.read_text().replace(
        "-- depends: 0060_ops_metrics_counts\n",
        "-- depends: 0060_ops_metrics_counts\n-- Reviewed: a test of the ignore comment.\n"
        "-- squawk-ignore-file adding-required-field, require-concurrent-index-creation, changing-column-type\n"))
    assert run_squawk(tmp_path) == 0, capfd.readouterr().out
