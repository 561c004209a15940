"""`moose db up` preloads pg_net (and pg_cron) when installed, points pg_net's worker at its
database, restarts the cluster when that setting changes and not otherwise; `moose db status`
shows it. Run for real in a throw-away state folder."""

from __future__ import annotations

import os
import time
from pathlib import Path

import psycopg
import pytest
from cluster_helpers import moose

from runner.embedded import PG_BIN_DIR


def started_at(url: str) -> tuple[object, str, str]:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT pg_postmaster_start_time(), current_setting('shared_preload_libraries'), "
                           "current_setting('pg_net.database_name', true)").fetchone()
    assert row is not None
    return row[0], row[1], row[2]


def up_with_pg_net(state_dir: Path, env: dict[str, str]) -> str:
    """`moose db up` in the throw-away state folder; the URL of its postgres database. Without
    pg_net installed: skipped, except under CI=true, where it is a failure."""
    if not (PG_BIN_DIR.parent / "lib" / "pg_net.so").exists():
        if os.environ.get("CI") == "true":
            pytest.fail("pg_net is not installed (scripts/bootstrap.sh builds it)")
        pytest.skip("pg_net is not installed here")
    assert moose("db", "up", state_dir=state_dir, **env).returncode == 0
    return f"postgresql://postgres@127.0.0.1:{int((state_dir / 'port').read_text())}/postgres"


def test_db_up_preloads_pg_net_and_restarts_only_when_that_changes(state_dir: Path) -> None:
    env = {"MOOSE_PG_NET_DATABASE": "net_here"}
    url = up_with_pg_net(state_dir, env)
    first, preloaded, database = started_at(url)
    assert "pg_net" in preloaded.split(",") and database == "net_here"

    deadline = time.monotonic() + 60
    while "worker connected to net_here" not in (status := moose("db", "status", state_dir=state_dir).stdout):
        assert time.monotonic() < deadline, status
        time.sleep(0.2)
    assert "pg_net: database net_here, worker connected to net_here" in status
    assert "preload: " in status and "pg_net" in status.split("preload: ")[1].splitlines()[0]

    assert moose("db", "up", state_dir=state_dir, **env).returncode == 0
    assert started_at(url)[0] == first, "nothing changed: no restart"

    # A cluster from before pg_net was installed: its preload file lacks it.
    (state_dir / "pgdata" / "moose_preload.conf").write_text("shared_preload_libraries = 'pg_cron'\n")
    assert moose("db", "up", state_dir=state_dir, **env).returncode == 0
    second, preloaded, database = started_at(url)
    assert second != first, "restarted to load pg_net"
    assert "pg_net" in preloaded.split(",") and database == "net_here"


def test_db_up_points_pg_net_back_after_an_interrupted_test_run(state_dir: Path) -> None:
    """`moose test` points pg_net's worker at the test database with ALTER SYSTEM and back when it
    ends; a run killed in between leaves it there. The next `moose db up` puts it back and says so."""
    env = {"MOOSE_PG_NET_DATABASE": "net_main"}
    url = up_with_pg_net(state_dir, env)
    with psycopg.connect(url, autocommit=True) as conn:  # what an interrupted `moose test` leaves
        conn.execute("CREATE DATABASE net_tests")
        conn.execute("ALTER SYSTEM SET pg_net.database_name = 'net_tests'")
        conn.execute("SELECT pg_reload_conf()")

    up = moose("db", "up", state_dir=state_dir, **env)
    assert up.returncode == 0, up.stderr
    assert ("pg_net's worker was left serving net_tests by an interrupted `moose test`: it serves net_main again"
            in up.stdout)
    deadline = time.monotonic() + 60
    while "worker connected to net_main" not in (status := moose("db", "status", state_dir=state_dir, **env).stdout):
        assert time.monotonic() < deadline, status
        time.sleep(0.2)
    again = moose("db", "up", state_dir=state_dir, **env)
    assert again.returncode == 0 and "interrupted" not in again.stdout
