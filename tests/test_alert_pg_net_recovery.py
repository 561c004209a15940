"""The pg_net path when pg_net loses things, and without pg_net. pg_net's queue, its responses and
its request-id sequence are unlogged: a crash restart empties them (and ids start again at 1).
A request in flight then must end as a retry, never as a delivery stuck in `sending`."""

from __future__ import annotations

import psycopg
import pytest
from alert_helpers import add_channel, drain, fast_retries, raise_alert, set_config, statuses
from alert_receiver import Receiver
from pg_net_helpers import pg_net_database_url, pump, settled

from runner import preload
from runner.delivery import DeliveryWorker
from runner.embedded import PG_BIN_DIR, EmbeddedCluster

# One xdist worker runs every test of the pg_net database: its worker serves one database.
pytestmark = pytest.mark.xdist_group("pg_net")


def crash_restart(cluster: EmbeddedCluster) -> None:
    """An immediate stop (a crash: unlogged tables are reset at recovery), then a start."""
    cluster._run([str(PG_BIN_DIR / "pg_ctl"), "restart", "-D", str(cluster.data_dir), "-m", "immediate",
                  "-w", "-t", "60", "-l", str(cluster.log_file), "-o", f"-p {cluster.port}"])


# It crash-restarts the cluster every test shares: `moose test` runs it after the others, alone.
@pytest.mark.serial
def test_a_crash_restart_with_a_request_in_flight_ends_as_a_retry(net_conn: psycopg.Connection,
                                                                   server_url: str) -> None:
    cluster = EmbeddedCluster()
    if not cluster.running or cluster.port != net_conn.info.port:
        pytest.skip("restarts the server: runs against the embedded cluster only")
    conn = net_conn
    fast_retries(conn)
    set_config(conn, "alert_delivery_timeout", "30 seconds")  # the request stays in flight
    with Receiver(hang={"/hook"}) as rx:
        add_channel(conn, "hook", "webhook", rx.url("/hook"))
        raise_alert(conn, "error", "in flight at the crash")
        assert conn.execute("SELECT dispatch_alerts()").fetchone() == (1,)
        rx.wait_for(1, "/hook")  # pg_net's worker holds the request, waiting for the answer
        conn.close()
        crash_restart(cluster)
        rx.hang.discard("/hook")
        with psycopg.connect(pg_net_database_url(server_url), autocommit=True) as conn:
            preload.wait_for_pg_net_worker(conn)
            assert conn.execute("SELECT (SELECT count(*) FROM net.http_request_queue), "
                                "(SELECT count(*) FROM net._http_response)").fetchone() == (0, 0)
            assert statuses(conn) == {"sending": 1}
            # Its request id is beyond what the reset sequence has issued: lost now, not after the lease.
            counts = conn.execute("SELECT reconcile_alert_deliveries()").fetchone()
            assert counts is not None and counts[0]["retry"] == 1
            error = conn.execute("SELECT last_error FROM alert_deliveries").fetchone()
            assert error is not None and "pg_net lost request" in error[0]
            pump(conn, lambda: settled(conn), "the retry delivered")
            row = conn.execute("SELECT status, attempts, last_status_code FROM alert_deliveries").fetchone()
            assert row == ("delivered", 2, 200)
        assert len(rx.on("/hook")) == 2


def test_without_pg_net_the_functions_say_so_and_the_runner_delivers(conn: psycopg.Connection,
                                                                    db_url: str) -> None:
    conn.execute("DROP EXTENSION IF EXISTS pg_net")
    for call in ("SELECT dispatch_alerts()", "SELECT reconcile_alert_deliveries()"):
        with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState) as error:
            conn.execute(call)
        assert "pg_net is not installed" in str(error.value)
        assert "moose run" in (error.value.diag.message_hint or "")
    assert conn.execute("SELECT alert_delivery_settings()->'pg_net_installed'").fetchone() == (False,)
    set_config(conn, "alert_retry_base", "0 seconds")
    with Receiver() as rx, DeliveryWorker(db_url) as worker:
        add_channel(conn, "hook", "webhook", rx.url("/hook"))
        raise_alert(conn, "error", "no pg_net here")
        drain(worker, conn)
        assert len(rx.on("/hook")) == 1
    assert statuses(conn) == {"delivered": 1}
