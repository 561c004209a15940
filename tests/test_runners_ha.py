"""Runner processes as operators run them: two side by side share the work and never run one
job twice; a runner killed with SIGKILL mid-job loses and duplicates nothing once another (or
itself, restarted) takes over after the lease expires; SIGTERM finishes the running job. A job
is caught mid-run by a gate (an advisory lock the test holds), never by racing a job that sleeps."""

from __future__ import annotations

import signal

import psycopg
from service_helpers import (
    Gate,
    Lines,
    assert_no_job_ran_twice,
    install_tick_job,
    only_test_jobs,
    run_side_by_side,
    scalar,
    start_runner,
    stop,
    wait_for,
)


def test_two_runners_share_the_work_without_running_a_job_twice(db_url: str, conn: psycopg.Connection) -> None:
    only_test_jobs(conn)
    for name in ("ha_a", "ha_b", "ha_c", "ha_d"):
        install_tick_job(conn, name, "1 second", sleep=0.15)
    run_side_by_side(db_url, conn, 2, poll="0.05", runs=8)
    assert scalar(conn, "SELECT count(*) FROM job_runs WHERE outcome = 'succeeded'") >= 8
    assert scalar(conn, "SELECT count(*) FROM job_runs WHERE outcome <> 'succeeded'") == 0
    assert scalar(conn, "SELECT count(*) FROM job_leases") == 0, "a clean stop leaves no lease behind"
    assert scalar(conn, "SELECT count(*) FROM runners WHERE stopped_at IS NOT NULL") == 2


def test_sigkill_mid_job_loses_and_duplicates_nothing(db_url: str, conn: psycopg.Connection) -> None:
    only_test_jobs(conn)
    conn.execute("UPDATE system_config SET value = '\"1 second\"' WHERE key = 'job_lease_grace'")
    install_tick_job(conn, "slow", "1 hour", timeout="3 seconds", gated=True)
    with Gate(db_url) as gate:
        first = start_runner(db_url, "run", "--poll", "0.05")
        try:
            wait_for(lambda: scalar(conn, "SELECT count(*) FROM job_runs WHERE outcome = 'running'") == 1,
                     what="the job to start")
            gate.wait_for_job()  # mid-job, for as long as the test needs
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=60)
        finally:
            stop(first)
        assert scalar(conn, "SELECT count(*) FROM job_leases") == 1, "the dead runner's lease stays until it expires"
    # The gate opens: the dead runner's statement ends (or its timeout did) and rolls back, its
    # client gone. The job's lease (its 3 s timeout and 1 s of grace) expires on its own.
    second = start_runner(db_url, "run", "--poll", "0.1")
    try:
        wait_for(lambda: scalar(conn, "SELECT count(*) FROM job_runs WHERE outcome = 'succeeded'") == 1,
                 what="the job to be taken over")
    finally:
        output = stop(second)
    outcomes = [r[0] for r in conn.execute("SELECT outcome FROM job_runs ORDER BY id").fetchall()]
    assert outcomes == ["abandoned", "succeeded"], output
    assert scalar(conn, "SELECT count(*) FROM t_ticks") == 1, "the killed run's work was rolled back, the retry's kept"
    assert_no_job_ran_twice(conn)


def test_sigterm_lets_the_running_job_finish(db_url: str, conn: psycopg.Connection) -> None:
    only_test_jobs(conn)
    install_tick_job(conn, "finishing", "1 hour", gated=True)
    with Gate(db_url) as gate:
        runner = start_runner(db_url, "run", "--poll", "0.05")
        lines = Lines(runner)
        try:
            wait_for(lambda: scalar(conn, "SELECT count(*) FROM job_runs WHERE outcome = 'running'") == 1,
                     what="the job to start")
            gate.wait_for_job()
            runner.send_signal(signal.SIGTERM)
            lines.wait("received SIGTERM")  # while the job still waits at the gate
            assert scalar(conn, "SELECT outcome FROM job_runs") == "running"
            gate.release()
            runner.wait(timeout=60)
            lines.wait("moose run: stopped")
        finally:
            stop(runner)
    output = lines.text()
    assert runner.returncode == 0, output
    assert scalar(conn, "SELECT outcome FROM job_runs") == "succeeded", output
    assert scalar(conn, "SELECT count(*) FROM t_ticks") == 1
    logged = output.splitlines()
    assert any("received SIGTERM" in line for line in logged)
    assert logged[-1].endswith("moose run: stopped")
