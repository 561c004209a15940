"""The scheduler driven in-process against a real database: runs are recorded, failures back off
and alert without stopping other jobs, timeouts fire, retention drains in batches and vacuums."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from service_helpers import Gate, install_tick_job, only_test_jobs, scalar

from runner.scheduler import Scheduler, SimulatedClock

T0 = datetime(2030, 6, 1, tzinfo=UTC)


def test_due_jobs_run_once_each_and_are_recorded(db_url: str, conn: psycopg.Connection) -> None:
    only_test_jobs(conn)
    install_tick_job(conn, "a", "1 minute", next_run_at=T0.isoformat())
    install_tick_job(conn, "b", "5 minutes", next_run_at=T0.isoformat())
    clock = SimulatedClock(T0)
    scheduler = Scheduler(db_url, holder="test-runner", clock=clock)
    try:
        first = scheduler.run_due()
        assert sorted(o["job"] for o in first) == ["a", "b"]
        assert scheduler.run_due() == [], "nothing is due twice at the same instant"
        clock.advance(timedelta(minutes=1))
        assert [o["job"] for o in scheduler.run_due()] == ["a"]
    finally:
        scheduler.close()
    rows = conn.execute("SELECT job_name, holder, outcome, rows_affected, started_at FROM job_runs "
                        "ORDER BY id").fetchall()
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        ("a", "test-runner", "succeeded", 1),
        ("b", "test-runner", "succeeded", 1),
        ("a", "test-runner", "succeeded", 1)]
    assert rows[2][4] == T0 + timedelta(minutes=1)
    assert scalar(conn, "SELECT count(*) FROM t_ticks") == 3
    assert scalar(conn, "SELECT count(*) FROM job_leases") == 0


def test_a_failing_job_backs_off_alerts_and_does_not_stop_the_others(db_url: str, conn: psycopg.Connection) -> None:
    only_test_jobs(conn)
    conn.execute("CREATE FUNCTION public.t_broken() RETURNS integer LANGUAGE sql AS $$ SELECT 1 / 0 $$")
    conn.execute("INSERT INTO jobs (name, function_name, run_interval, next_run_at) "
                 "VALUES ('broken', 'public.t_broken', '1 minute', %s)", (T0,))
    install_tick_job(conn, "healthy", "1 minute", next_run_at=T0.isoformat())
    clock = SimulatedClock(T0)
    scheduler = Scheduler(db_url, clock=clock)
    outcomes = []
    try:
        for _ in range(10):
            outcomes += scheduler.run_due()
            clock.advance(timedelta(minutes=1))
    finally:
        scheduler.close()
    broken = [o for o in outcomes if o["job"] == "broken"]
    healthy = [o for o in outcomes if o["job"] == "healthy"]
    assert len(healthy) == 10 and all(o["outcome"] == "succeeded" for o in healthy)
    # failures at 0, 1, 3, 7 minutes (1, 2, 4 minute backoff) within 10 minutes
    assert [o["outcome"] for o in broken] == ["failed"] * 4
    assert all(o["sqlstate"] == "22012" for o in broken)
    alert = conn.execute("SELECT severity, occurrences, title FROM alerts WHERE kind = 'job.failed'").fetchall()
    assert alert == [("error", 4, "Job broken failed")]


def test_statement_timeout_stops_a_hung_job(db_url: str, conn: psycopg.Connection) -> None:
    only_test_jobs(conn)
    install_tick_job(conn, "hangs", "1 minute", sleep=600, timeout="300 milliseconds")
    scheduler = Scheduler(db_url)
    try:
        (outcome,) = scheduler.run_due()
    finally:
        scheduler.close()
    assert outcome["outcome"] == "timed_out"
    assert outcome["sqlstate"] == "57014"
    assert outcome["elapsed_ms"] < 300_000, "stopped by its timeout, long before the 600 s sleep"
    assert scalar(conn, "SELECT count(*) FROM t_ticks") == 0


def test_retention_drains_in_batches_then_vacuums(db_url: str, conn: psycopg.Connection,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    only_test_jobs(conn)
    conn.execute("UPDATE jobs SET enabled = true, next_run_at = %s WHERE name = 'retention'", (T0,))
    conn.execute("UPDATE system_config SET value = '100' WHERE key = 'retention_batch_size'")
    conn.execute("INSERT INTO work_orders (id, title) VALUES ('00000000-0000-0000-0000-0000000000aa', 'w')")
    # Only outcome vectors age out here (the work order's creation, stamped now, would be
    # older than work_order_history_retention at T0).
    conn.execute("DELETE FROM work_order_history")
    conn.execute("""INSERT INTO outcome_vectors (work_order_id, model_used, success, created_at)
                    SELECT '00000000-0000-0000-0000-0000000000aa', 'm', true, %s - interval '100 days'
                    FROM generate_series(1, 250)""", (T0,))
    conn.execute("""INSERT INTO outcome_vectors (work_order_id, model_used, success, created_at)
                    SELECT '00000000-0000-0000-0000-0000000000aa', 'm', true, %s - interval '10 days'
                    FROM generate_series(1, 7)""", (T0,))
    scheduler = Scheduler(db_url, clock=SimulatedClock(T0))
    with caplog.at_level(logging.INFO, logger="moose.scheduler"):
        try:
            outcomes = scheduler.run_due()
        finally:
            scheduler.close()
    assert [o["rows_affected"] for o in outcomes] == [100, 100, 50]
    assert [o["result"]["more"] for o in outcomes] == [True, True, False]
    assert scalar(conn, "SELECT count(*) FROM outcome_vectors") == 7
    assert scalar(conn, "SELECT next_run_at FROM jobs WHERE name = 'retention'") == T0 + timedelta(days=1)
    vacuums = [r.getMessage() for r in caplog.records if r.getMessage().startswith("vacuum (analyze)")]
    assert len(vacuums) == 1 and vacuums[0].startswith("vacuum (analyze) outcome_vectors")
    assert scalar(conn, "SELECT vacuum_count + autovacuum_count FROM pg_stat_user_tables "
                        "WHERE relname = 'outcome_vectors'") is not None


def test_only_tables_that_exist_are_vacuumed(db_url: str, conn: psycopg.Connection,
                                             caplog: pytest.LogCaptureFixture) -> None:
    only_test_jobs(conn)
    conn.execute("""CREATE FUNCTION public.t_shrinks(p_now timestamptz) RETURNS jsonb LANGUAGE sql
                    AS $$ SELECT '{"rows_affected": 0, "more": false,
                                   "vacuum": ["outcome_vectors", "work_order_events"]}'::jsonb $$""")
    conn.execute("INSERT INTO jobs (name, function_name, run_interval, next_run_at) "
                 "VALUES ('shrinks', 'public.t_shrinks', '1 hour', %s)", (T0,))
    scheduler = Scheduler(db_url, clock=SimulatedClock(T0))
    with caplog.at_level(logging.INFO, logger="moose.scheduler"):
        try:
            (outcome,) = scheduler.run_due()
        finally:
            scheduler.close()
    assert outcome["outcome"] == "succeeded", outcome
    messages = [r.getMessage() for r in caplog.records]
    assert [m.split(" in ")[0] for m in messages if m.startswith("vacuum (analyze)")] == \
        ["vacuum (analyze) outcome_vectors"]
    assert "not vacuumed: work_order_events is no table in schema public" in messages


def test_run_named_runs_a_job_that_is_not_due(db_url: str, conn: psycopg.Connection) -> None:
    only_test_jobs(conn)
    install_tick_job(conn, "later", "1 hour", next_run_at="2099-01-01")
    scheduler = Scheduler(db_url)
    try:
        assert scheduler.run_due() == []
        assert scheduler.run_named("later")["outcome"] == "succeeded"
        with pytest.raises(psycopg.errors.NoDataFound):
            scheduler.run_named("missing")
    finally:
        scheduler.close()
    assert str(scalar(conn, "SELECT next_run_at FROM jobs WHERE name = 'later'")).startswith("2099-01-01")


def test_a_killed_connection_is_recorded_and_the_scheduler_goes_on(db_url: str, conn: psycopg.Connection) -> None:
    only_test_jobs(conn)
    install_tick_job(conn, "victim", "1 minute", gated=True)
    gate = Gate(db_url)

    def kill_backend() -> None:
        """Once the job waits at the gate (mid-run, however slow the machine), its backend is killed."""
        gate.wait_for_job()
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE query LIKE 'SELECT public.execute_job%' AND pid <> pg_backend_pid() "
                     "AND datname = current_database()")

    killer = threading.Thread(target=kill_backend)
    killer.start()
    scheduler = Scheduler(db_url)
    try:
        (outcome,) = scheduler.run_due()
        killer.join()
        gate.release()
        assert outcome["outcome"] == "failed"
        assert outcome["sqlstate"] == "57P01"
        # The scheduler reconnected to record it and keeps working.
        install_tick_job(conn, "survivor", "1 minute")
        assert [o["job"] for o in scheduler.run_due()] == ["survivor"]
    finally:
        gate.release()
        scheduler.close()
    assert scalar(conn, "SELECT count(*) FROM t_ticks WHERE job = 'victim'") == 0
    assert scalar(conn, "SELECT count(*) FROM job_leases") == 0
    assert scalar(conn, "SELECT consecutive_failures FROM jobs WHERE name = 'victim'") == 1
