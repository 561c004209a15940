"""pg_net on the main database: a cluster started by `moose db up` with no MOOSE_PG_NET_DATABASE
points pg_net's worker at `moose`, the database `make run` uses (`moose db status` says so), and
an alert raised there is delivered by dispatch_alerts() through the real worker to a real
receiver on 127.0.0.1. A throw-away cluster, so the worktree's own (whose worker serves the test
database while `moose test` runs) is not touched."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest
from alert_helpers import add_channel, raise_alert
from alert_receiver import Receiver
from cluster_helpers import moose
from pg_net_helpers import pump, settled

from runner import preload
from runner.embedded import PG_BIN_DIR


def test_alert_in_the_main_database_goes_out_through_pg_net(state_dir: Path) -> None:
    if not (PG_BIN_DIR.parent / "lib" / "pg_net.so").exists():
        if os.environ.get("CI") == "true":
            pytest.fail("pg_net is not installed (scripts/bootstrap.sh builds it)")
        pytest.skip("pg_net is not installed here")
    env = {"MOOSE_PG_NET_DATABASE": "", "MOOSE_TEST_DATABASE": "moose_test"}
    up = moose("db", "up", state_dir=state_dir, **env)
    assert up.returncode == 0, up.stdout + up.stderr
    migrated = moose("migrate", state_dir=state_dir, **env)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    url = f"postgresql://postgres@127.0.0.1:{int((state_dir / 'port').read_text())}/moose"
    with psycopg.connect(url, autocommit=True) as conn:
        assert preload.serves_this_database(conn)
        preload.wait_for_pg_net_worker(conn)
        assert "pg_net: database moose, worker connected to moose" in moose("db", "status", state_dir=state_dir).stdout
        with Receiver() as rx:
            conn.execute("DELETE FROM alert_channels")
            add_channel(conn, "hook", "webhook", rx.url("/hook"), secret="main-secret")
            raise_alert(conn, "error", "raised in the main database")
            pump(conn, lambda: settled(conn), "the delivery to settle")
            (got,) = rx.wait_for(1, "/hook")
            assert b"raised in the main database" in got.body
            assert got.headers.get("x-moose-signature", "").startswith("sha256=")
            row = conn.execute("SELECT status, via FROM alert_deliveries").fetchone()
            assert row == ("delivered", "pg_net")
