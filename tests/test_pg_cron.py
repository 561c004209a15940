"""`moose schedule --pg-cron` against a real pg_cron (Debian's postgresql-15-cron). pg_cron only
installs in the database named by cron.database_name (a server setting), so this test starts a
throwaway embedded cluster of its own exactly as `moose db up` does (which preloads pg_cron and
creates the extension in the main database, `moose`), migrates it, registers the jobs, and
waits for pg_cron itself to run one (pg_cron 1.4 fires on minute boundaries: up to a minute)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from service_helpers import PROJECT_ROOT, install_tick_job, scalar, wait_for

from runner import preload
from runner.embedded import EmbeddedCluster
from runner.migrations import migrate


@pytest.fixture(scope="module")
def cron_url() -> Iterator[str]:
    root = Path(tempfile.mkdtemp(prefix="moose-cron-", dir="/tmp"))
    root.chmod(0o755)
    cluster = EmbeddedCluster(root)
    try:
        cluster.up()  # what `moose db up` does, nothing added by hand
        url = cluster.url("moose")
        with psycopg.connect(url, autocommit=True) as conn:
            assert "pg_cron" in scalar(conn, "SHOW shared_preload_libraries").split(",")
            assert scalar(conn, "SELECT extversion FROM pg_extension WHERE extname = 'pg_cron'"), \
                "moose db up creates pg_cron in cron.database_name"
        assert not preload.create_pg_cron(cluster.url("postgres")), "a second moose db up creates nothing"
        migrate(url, echo=lambda _line: None)
        yield url
    finally:
        cluster.destroy()


def moose(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "runner.cli", *args], capture_output=True, text=True,
                          env=dict(os.environ, MOOSE_DATABASE_URL=url), cwd=PROJECT_ROOT, check=False)


def test_schedule_pg_cron_registers_and_pg_cron_runs_the_jobs(cron_url: str) -> None:
    with psycopg.connect(cron_url, autocommit=True) as conn:
        conn.execute("UPDATE jobs SET enabled = false")  # only the test's job, so its timing is known
        install_tick_job(conn, "cron_tick", "1 minute")

        result = moose(cron_url, "schedule", "--pg-cron")
        assert result.returncode == 0, result.stderr
        assert "scheduled moose:cron_tick" in result.stdout
        jobs = conn.execute("SELECT jobname, schedule, command FROM cron.job ORDER BY jobname").fetchall()
        assert jobs == [("moose:cron_tick", "* * * * *",
                         "SET statement_timeout = '10000ms'; SELECT public.run_job('cron_tick', true)")]

        # pg_cron itself runs it (at the next minute boundary, up to a minute away; the deadline
        # leaves a loaded machine two more), recorded like any run. pg_cron writes its own
        # record of the run after the command: waited for too.
        wait_for(lambda: scalar(conn, "SELECT count(*) FROM job_runs WHERE job_name = 'cron_tick' "
                                      "AND outcome = 'succeeded'"), timeout=180, every=1, what="pg_cron to run the job")
        assert scalar(conn, "SELECT count(*) FROM t_ticks") >= 1
        wait_for(lambda: scalar(conn, "SELECT status FROM cron.job_run_details ORDER BY runid LIMIT 1") == "succeeded",
                 what="pg_cron's record of the run")

        # Registering again is idempotent; a disabled job is unscheduled; --remove clears all.
        assert moose(cron_url, "schedule", "--pg-cron").returncode == 0
        assert scalar(conn, "SELECT count(*) FROM cron.job") == 1
        conn.execute("SELECT set_job_enabled('cron_tick', false)")
        assert "unscheduled moose:cron_tick" in moose(cron_url, "schedule", "--pg-cron").stdout
        assert scalar(conn, "SELECT count(*) FROM cron.job") == 0
        conn.execute("SELECT set_job_enabled('cron_tick', true)")
        moose(cron_url, "schedule", "--pg-cron")
        assert "unscheduled moose:cron_tick" in moose(cron_url, "schedule", "--pg-cron", "--remove").stdout
        assert scalar(conn, "SELECT count(*) FROM cron.job") == 0
