"""`moose alerts` as an operator runs it, as a real process against a real database and a real
receiver on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg
from alert_helpers import add_channel, fast_retries, raise_alert, set_config
from alert_receiver import Receiver


def moose(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MOOSE_DATABASE_URL=db_url)
    return subprocess.run([sys.executable, "-m", "runner.cli", "alerts", *args], capture_output=True, text=True,
                          env=env, timeout=60, check=False)


def test_test_channel_delivers_to_that_channel_only(db_url: str, conn: psycopg.Connection) -> None:
    with Receiver() as rx:
        add_channel(conn, "target", "webhook", rx.url("/target"), min_severity="critical")
        add_channel(conn, "other", "webhook", rx.url("/other"), min_severity="info")
        result = moose(db_url, "test-channel", "target")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "delivered: target answered HTTP 200" in result.stdout
        (request,) = rx.on("/target")
        assert request.json()["kind"] == "alert.test"
        assert rx.on("/other") == []


def test_test_channel_reports_a_failing_receiver_and_unknown_names(db_url: str, conn: psycopg.Connection) -> None:
    with Receiver(statuses={"/down": [503] * 5}) as rx:
        add_channel(conn, "down", "webhook", rx.url("/down"))
        result = moose(db_url, "test-channel", "down")
        assert result.returncode == 1
        assert "not delivered (pending, 1 attempt(s)): HTTP 503" in result.stdout
        assert "will be retried" in result.stdout
    unknown = moose(db_url, "test-channel", "nope")
    assert unknown.returncode == 1
    assert "unknown alert channel 'nope'" in unknown.stderr and "hint:" in unknown.stderr
    conn.execute("SELECT disable_alert_channel('down')")
    disabled = moose(db_url, "test-channel", "down")
    assert "is disabled" in disabled.stderr and "update_alert_channel" in disabled.stderr


def test_list_retry_and_channels(db_url: str, conn: psycopg.Connection) -> None:
    fast_retries(conn)
    set_config(conn, "alert_max_attempts", 1)
    with Receiver(statuses={"/hook": [500]}) as rx:
        add_channel(conn, "hook", "webhook", rx.url("/hook"))
        raise_alert(conn, "error", "Budget at 85%")
        once = moose(db_url, "deliver", "--once", "--no-env")
        assert once.returncode == 0 and "failed=1" in once.stdout, once.stdout + once.stderr
        listing = moose(db_url, "list", "--status", "failed")
        assert listing.returncode == 0
        line = next(row for row in listing.stdout.splitlines() if "Budget at 85%" in row)
        delivery_id = line.split()[0]
        assert "failed" in line and "HTTP 500" in line
        retried = moose(db_url, "retry", delivery_id)
        assert retried.returncode == 0, retried.stderr
        again = moose(db_url, "retry", delivery_id)
        assert again.returncode == 1 and "only failed or throttled" in again.stderr
        moose(db_url, "deliver", "--once", "--no-env")
        assert len(rx.on("/hook")) == 2
    delivered = moose(db_url, "list", "--status", "delivered", "--channel", "hook")
    assert "Budget at 85%" in delivered.stdout
    channels = moose(db_url, "channels")
    assert channels.returncode == 0
    assert "hook" in channels.stdout and "127.0.0.1" not in channels.stdout
    assert moose(db_url, "retry", "999999").returncode == 1
    for command in ("list", "retry", "test-channel", "channels", "deliver"):
        assert moose(db_url, command, "--help").returncode == 0
