"""Shared pieces of the service tests: test job functions, runner processes, waiting."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

PROJECT_ROOT = Path(__file__).resolve().parent.parent

TICK_SQL = """
CREATE TABLE IF NOT EXISTS public.t_ticks (id bigserial PRIMARY KEY, job text NOT NULL, at timestamptz NOT NULL,
                                           backend integer NOT NULL DEFAULT pg_backend_pid());
ALTER TABLE public.t_ticks ENABLE ROW LEVEL SECURITY;
CREATE OR REPLACE FUNCTION public.t_tick(p_job text, p_now timestamptz, p_sleep float8,
                                         p_gate boolean DEFAULT false) RETURNS integer
LANGUAGE plpgsql AS $$
BEGIN
    IF p_gate THEN  -- wait while the test holds the gate (tests/service_helpers.py, Gate)
        PERFORM pg_advisory_lock_shared(%(gate)s);
        PERFORM pg_advisory_unlock_shared(%(gate)s);
    END IF;
    PERFORM pg_sleep(p_sleep);
    INSERT INTO public.t_ticks (job, at) VALUES (p_job, p_now);
    RETURN 1;
END $$;
"""
GATE_KEY = 4242


def install_tick_job(conn: psycopg.Connection, name: str, interval: str, *, sleep: float = 0.0,
                     timeout: str = "10 seconds", next_run_at: str | None = None, gated: bool = False) -> None:
    """A job whose function sleeps (or, gated, waits while the test holds a Gate), then writes
    one t_ticks row: committed rows = finished runs."""
    conn.execute(TICK_SQL % {"gate": GATE_KEY})
    conn.execute(f"""
        CREATE OR REPLACE FUNCTION public.{name}(p_now timestamptz) RETURNS integer LANGUAGE sql
        AS $$ SELECT public.t_tick('{name}', p_now, {sleep}, {gated}) $$""")
    conn.execute(
        "INSERT INTO public.jobs (name, function_name, run_interval, statement_timeout, next_run_at) "
        "VALUES (%s, %s, %s::interval, %s::interval, coalesce(%s::timestamptz, now()))",
        (name, f"public.{name}", interval, timeout, next_run_at))


def only_test_jobs(conn: psycopg.Connection) -> None:
    conn.execute("UPDATE public.jobs SET enabled = false")


def start_runner(url: str, *args: str, env: dict[str, str] | None = None,
                 stdout: int | None = subprocess.PIPE) -> subprocess.Popen[str]:
    # No HTTP endpoint unless a test asks for one (MOOSE_LISTEN in env): runners side by side
    # would compete for the default port.
    environment = {**os.environ, "MOOSE_DATABASE_URL": url, "MOOSE_LISTEN": "off", **(env or {})}
    return subprocess.Popen([sys.executable, "-m", "runner.cli", *args], stdout=stdout, stderr=subprocess.STDOUT,
                            text=True, env=environment, cwd=PROJECT_ROOT)


def stop(proc: subprocess.Popen[str], timeout: float = 60) -> str:
    if proc.poll() is None:
        proc.terminate()
    try:
        output, _ = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
    return output or ""


def wait_for(condition: Callable[[], object], timeout: float = 60, every: float = 0.1,
             what: str = "condition") -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)


def scalar(conn: psycopg.Connection, query: str, params: tuple | None = None) -> object:
    row = conn.execute(query, params).fetchone()
    return row[0] if row else None


def assert_no_job_ran_twice(conn: psycopg.Connection) -> None:
    overlapping = conn.execute("""
        SELECT a.id, b.id FROM job_runs a JOIN job_runs b
          ON a.job_name = b.job_name AND a.id < b.id
         AND tstzrange(a.started_at, a.finished_at) && tstzrange(b.started_at, b.finished_at)
        WHERE a.outcome = 'succeeded' AND b.outcome = 'succeeded'""").fetchall()
    assert overlapping == [], "two runs of one job overlapped"
    doubled = conn.execute("""SELECT job_name, scheduled_for FROM job_runs WHERE outcome = 'succeeded'
                              GROUP BY 1, 2 HAVING count(*) > 1""").fetchall()
    assert doubled == [], "one scheduled slot ran twice"
    per_job = conn.execute("""SELECT r.job_name, count(*), (SELECT count(*) FROM t_ticks t WHERE t.job = r.job_name)
                              FROM job_runs r WHERE r.outcome = 'succeeded' GROUP BY 1 ORDER BY 1""").fetchall()
    for job, runs, ticks in per_job:
        assert runs == ticks, f"{job}: {runs} recorded runs but {ticks} committed effects"


def run_side_by_side(url: str, conn: psycopg.Connection, count: int, *, poll: str, runs: int,
                     timeout: float = 120) -> None:
    """`count` runners on the installed jobs until each has run one and `runs` runs succeeded in
    all (counted, never a time spent running); all stop cleanly and no job ran twice."""
    runners = [start_runner(url, "run", "--poll", poll, "--interval", "60") for _ in range(count)]
    try:
        wait_for(lambda: scalar(conn, "SELECT count(DISTINCT holder) FROM job_runs WHERE outcome = 'succeeded'")
                 == count, timeout=timeout, what=f"all {count} runners to run jobs")
        wait_for(lambda: scalar(conn, "SELECT count(*) FROM job_runs WHERE outcome = 'succeeded'") >= runs,
                 timeout=timeout, what=f"{runs} runs")
    finally:
        outputs = [stop(proc) for proc in runners]
    assert all(proc.returncode == 0 for proc in runners), outputs
    assert_no_job_ran_twice(conn)


class Gate:
    """An advisory lock the test holds on a connection of its own: a gated tick job waits on it,
    so a test catches a job mid-run for as long as it needs (a kill, a signal), instead of
    racing a job that sleeps."""

    def __init__(self, db_url: str) -> None:
        self.conn = psycopg.connect(db_url, autocommit=True)
        self.conn.execute("SELECT pg_advisory_lock(%s)", (GATE_KEY,))

    def waiting(self) -> int:
        """Backends of this database waiting for the gate."""
        return int(scalar(self.conn, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                                     " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                                     " AND classid = 0 AND objid = %s", (GATE_KEY,)))  # type: ignore[arg-type]

    def wait_for_job(self) -> None:
        wait_for(lambda: self.waiting() == 1, what="a gated job to wait at the gate")

    def release(self) -> None:
        if not self.conn.closed:
            self.conn.execute("SELECT pg_advisory_unlock(%s)", (GATE_KEY,))
            self.conn.close()

    def __enter__(self) -> Gate:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()


class Lines:
    """A process's output, read line by line in a thread, to wait on."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._changed = threading.Condition()
        assert proc.stdout is not None
        self._thread = threading.Thread(target=self._read, args=(proc.stdout,), daemon=True)
        self._thread.start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()

    def matching(self, pattern: str) -> list[str]:
        with self._changed:
            return [line for line in self.lines if re.search(pattern, line)]

    def wait(self, pattern: str, count: int = 1, timeout: float = 60.0) -> list[str]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(found := [line for line in self.lines if re.search(pattern, line)]) < count:
                if not self._changed.wait(max(deadline - time.monotonic(), 0)) and time.monotonic() > deadline:
                    raise AssertionError(f"no {count} line(s) matching {pattern!r} in:\n" + "\n".join(self.lines))
            return found

    def text(self) -> str:
        with self._changed:
            return "\n".join(self.lines)
