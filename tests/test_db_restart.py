"""An upgraded server package under a running embedded cluster: `moose db status` and `moose db up`
say the running server is not the installed version and how to restart; `moose db restart`
restarts on the same port with the data kept. Run for real in a throw-away state folder; the
"upgraded" binaries are a bin folder whose `postgres --version` reports another version (every
other program in it is the real one)."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from cluster_helpers import moose

from runner.embedded import PG_BIN_DIR


@pytest.fixture
def running_cluster(state_dir: Path) -> Path:
    up = moose("db", "up", state_dir=state_dir)
    assert up.returncode == 0, up.stderr
    return state_dir


def installed_binaries_reporting(version: str, folder: Path) -> Path:
    """A bin folder like the real one, whose `postgres --version` says `version`."""
    folder.mkdir(mode=0o755)
    for program in PG_BIN_DIR.iterdir():
        if program.name != "postgres":
            (folder / program.name).symlink_to(program)
    script = folder / "postgres"
    script.write_text(f"#!/bin/sh\necho 'postgres (PostgreSQL) {version} (Debian {version}-0+deb12u1)'\n")
    script.chmod(0o755)
    return folder


def postmaster_start(url: str) -> object:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT pg_postmaster_start_time()").fetchone()
    assert row is not None
    return row[0]


def test_status_and_up_say_when_the_installed_server_is_newer_and_restart_fixes_it(running_cluster: Path) -> None:
    url = moose("db", "url", state_dir=running_cluster).stdout.strip()
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT current_setting('server_version_num')::integer").fetchone()
        conn.execute("CREATE TABLE kept (x integer)")
        conn.execute("INSERT INTO kept VALUES (7)")
        conn.commit()
    assert row is not None
    running = f"{row[0] // 10000}.{row[0] % 10000}"

    status = moose("db", "status", state_dir=running_cluster)
    assert status.returncode == 0, status.stderr
    assert f"server: {running} running, {running} installed" in status.stdout
    assert "restart needed" not in status.stdout

    newer = installed_binaries_reporting("15.99", running_cluster.parent / "bin")
    status = moose("db", "status", state_dir=running_cluster, MOOSE_PG_BIN=str(newer))
    assert status.returncode == 0, status.stderr
    assert f"server: {running} running, 15.99 installed" in status.stdout
    assert (f"restart needed: the installed PostgreSQL server binaries (15.99) are newer than the running "
            f"embedded server ({running})") in status.stdout
    assert "Run `moose db restart`" in status.stdout

    up = moose("db", "up", state_dir=running_cluster, MOOSE_PG_BIN=str(newer))
    assert up.returncode == 0, up.stderr
    assert "embedded PostgreSQL running" in up.stdout
    assert "warning: the installed PostgreSQL server binaries (15.99) are newer" in up.stderr
    assert "`moose db restart`" in up.stderr

    port = (running_cluster / "port").read_text().strip()
    started = postmaster_start(url)
    restart = moose("db", "restart", state_dir=running_cluster)
    assert restart.returncode == 0, restart.stderr
    assert f"embedded PostgreSQL restarted on 127.0.0.1:{port} (server {running})" in restart.stdout
    assert postmaster_start(url) != started, "a new postmaster"
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT x FROM kept").fetchone() == (7,)
    status = moose("db", "status", state_dir=running_cluster)
    assert "restart needed" not in status.stdout


def test_restart_starts_a_stopped_cluster(running_cluster: Path) -> None:
    assert moose("db", "down", state_dir=running_cluster).returncode == 0
    restart = moose("db", "restart", state_dir=running_cluster)
    assert restart.returncode == 0, restart.stderr
    assert "embedded PostgreSQL restarted on 127.0.0.1:" in restart.stdout
    assert "state: running" in moose("db", "status", state_dir=running_cluster).stdout
