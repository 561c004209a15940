"""The runner's delivery guarantees against a real receiver on 127.0.0.1: retries with backoff,
timeouts that do not block other alerts, giving up loudly, LISTEN/NOTIFY wake-up, two runners
at once, a runner killed mid-batch, and the runner's own database role."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter

import psycopg
import pytest
from alert_helpers import add_channel, drain, fast_retries, raise_alert, running, set_config, statuses, wait_until
from alert_receiver import Receiver

from runner.delivery import DeliveryWorker
from runner.delivery_sql import sync_env_channels
from runner.http_post import post_json


def test_500_twice_then_200_is_delivered_once_after_three_attempts(db_url: str, conn: psycopg.Connection) -> None:
    fast_retries(conn)
    with Receiver(statuses={"/flaky": [500, 500]}) as rx:
        add_channel(conn, "flaky", "webhook", rx.url("/flaky"))
        alert_id = raise_alert(conn, "error", "retry me")
        with DeliveryWorker(db_url) as worker:
            drain(worker, conn)
            assert worker.stats == Counter({"retry": 2, "delivered": 1})
        got = rx.on("/flaky")
    assert len(got) == 3
    assert {r.json()["alert_id"] for r in got} == {alert_id}
    row = conn.execute("SELECT status, attempts, last_status_code, last_error FROM alert_deliveries").fetchone()
    assert row == ("delivered", 3, 200, None)


def test_backoff_is_exponential_with_jitter_and_capped(conn: psycopg.Connection) -> None:
    set_config(conn, "alert_retry_base", "10 seconds")
    set_config(conn, "alert_retry_cap", "60 seconds")
    set_config(conn, "alert_max_attempts", 20)
    add_channel(conn, "slow", "webhook", "http://127.0.0.1:9/never")
    raise_alert(conn, "error", "backoff")
    delays = []
    for attempt in range(1, 6):
        (delivery_id, got_attempt) = conn.execute(
            "SELECT delivery_id, attempt FROM claim_alert_deliveries('t', 10)").fetchone()
        assert got_attempt == attempt
        outcome = conn.execute("SELECT record_alert_delivery_result(%s, %s, 503)", (delivery_id, attempt)).fetchone()
        assert outcome == ("retry",)
        # From the instant the result was recorded (its transaction's now()), not from a later read.
        (delay,) = conn.execute("SELECT extract(epoch FROM next_attempt_at - updated_at) FROM alert_deliveries"
                                ).fetchone()
        delays.append(float(delay))
        conn.execute("UPDATE alert_deliveries SET next_attempt_at = now() - interval '1 second'")
    nominal = [10, 20, 40, 60, 60]
    for delay, d in zip(delays, nominal, strict=True):
        assert d / 2 <= delay <= d, (delays, nominal)


def test_hanging_receiver_times_out_and_others_keep_flowing(db_url: str, conn: psycopg.Connection) -> None:
    """A receiver that does not answer holds one sender while the other alerts flow past it, and
    a request that gets no answer ends at the channel timeout. The timeout is read per claim: the
    first hanging request gets one far longer than the test (so it is still out when the others
    are done, however slow the machine) and is answered when the test releases it; the second,
    to a receiver that never answers, gets 1 s, to see the timeout fire."""
    set_config(conn, "alert_delivery_timeout", "120 seconds")
    set_config(conn, "alert_poll_interval", "0.1 seconds")
    state = ("SELECT d.status, d.attempts, d.last_error FROM alert_deliveries d "
             "JOIN alert_channels c ON c.id = d.channel_id WHERE c.name = %s")
    with Receiver(held={"/held": 0}, hang={"/hang"}) as rx:
        add_channel(conn, "holds", "webhook", rx.url("/held"), min_severity="critical")
        add_channel(conn, "works", "webhook", rx.url("/ok"))
        with running(DeliveryWorker(db_url, max_workers=4)):
            raise_alert(conn, "critical", "goes to both")
            rx.wait_for(1, "/held")
            for i in range(6):
                raise_alert(conn, "warning", f"only to the working channel {i}")
            rx.wait_for(7, "/ok")
            wait_until(lambda: conn.execute(
                "SELECT count(*) FROM alert_deliveries d JOIN alert_channels c ON c.id = d.channel_id "
                "WHERE c.name = 'works' AND d.status = 'delivered'").fetchone() == (7,), what="7 delivered")
            # All seven went out while the held request was still waiting for its answer.
            assert conn.execute(state, ("holds",)).fetchone() == ("sending", 1, None)
            set_config(conn, "alert_delivery_timeout", "1 second")
            add_channel(conn, "hangs", "webhook", rx.url("/hang"), min_severity="error")
            raise_alert(conn, "error", "to the receiver that never answers")
            wait_until(lambda: conn.execute(state, ("hangs",)).fetchone()[2] is not None, what="the timeout")
            rx.release()
            wait_until(lambda: conn.execute(state, ("holds",)).fetchone()[0] == "delivered", what="the held one")
    status, attempts, error = conn.execute(state, ("hangs",)).fetchone()
    assert status in ("pending", "sending") and attempts >= 1
    assert error == "timeout after 1 s"


def test_post_json_reports_refused_connections_and_redirects() -> None:
    refused = post_json("http://127.0.0.1:9/nothing-listens", {}, b"{}", 1.0)
    assert refused.status_code is None and refused.error and "connection error" in refused.error
    with Receiver(statuses={"/moved": [307]}) as rx:
        moved = post_json(rx.url("/moved"), {"Content-Type": "application/json"}, b"{}", 1.0)
    assert moved.status_code == 307 and moved.error is None


@pytest.mark.parametrize("where", ["headers", "body"])
def test_a_receiver_that_trickles_bytes_is_cut_off_at_the_channel_timeout(where: str) -> None:
    # Each byte arrives 0.05 s after the last, far inside a 1 s per-read timeout; the answer
    # would take about 100 s. The whole request is bounded by the 1 s timeout.
    with Receiver(trickle={"/slow": where}) as rx:
        result = post_json(rx.url("/slow"), {"Content-Type": "application/json"}, b"{}", 1.0)
        assert len(rx.on("/slow")) == 1
    assert (result.status_code, result.error) == (None, "timeout after 1 s")
    assert 1.0 <= result.elapsed < 50.0, "cut off long before the trickle's 100 s"


def test_after_max_attempts_failed_and_one_alert_about_the_channel(db_url: str, conn: psycopg.Connection) -> None:
    fast_retries(conn)
    set_config(conn, "alert_max_attempts", 2)
    with Receiver(statuses={"/broken": [500] * 10}) as rx:
        add_channel(conn, "broken", "webhook", rx.url("/broken"))
        add_channel(conn, "pager", "webhook", rx.url("/pager"), min_severity="error")
        raise_alert(conn, "error", "first")
        raise_alert(conn, "error", "second")
        with DeliveryWorker(db_url) as worker:
            drain(worker, conn)
        pager = [r.json() for r in rx.on("/pager")]
        assert len(rx.on("/broken")) == 4
    failed = conn.execute("SELECT count(*) FROM alert_deliveries d JOIN alert_channels c ON c.id = d.channel_id "
                          "WHERE c.name = 'broken' AND d.status = 'failed' AND d.attempts = 2").fetchone()
    assert failed == (2,)
    channel_alerts = conn.execute("SELECT id, severity, occurrences, context->>'channel' FROM alerts "
                                  "WHERE kind = 'alert.channel_failed'").fetchall()
    assert [(sev, n, ch) for _, sev, n, ch in channel_alerts] == [("error", 2, "broken")]
    about = [p for p in pager if p["kind"] == "alert.channel_failed"]
    assert len(about) == 1 and about[0]["alert_id"] == channel_alerts[0][0]
    assert "moose alerts retry" in about[0]["body"]


# The runner's claim connection, idle after its claim (the listener LISTENs before the first claim).
CLAIMED = ("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
           "AND application_name = 'moose-alerts' AND state = 'idle' AND query LIKE '%%claim_alert_deliveries%%'")


def test_notify_wakes_the_runner_without_waiting_for_the_poll(db_url: str, conn: psycopg.Connection) -> None:
    """Polls an hour apart: once the first poll has passed, an alert that arrives within the
    minute the test waits can only have been woken by NOTIFY."""
    set_config(conn, "alert_poll_interval", "1 hour")
    with Receiver() as rx:
        add_channel(conn, "fast", "webhook", rx.url("/fast"))
        with running(DeliveryWorker(db_url)):
            wait_until(lambda: conn.execute(CLAIMED).fetchone()[0] == 1, what="the runner's first poll")
            raise_alert(conn, "error", "wake up")
            rx.wait_for(1, "/fast")


def test_two_runners_at_once_send_no_row_twice(db_url: str, conn: psycopg.Connection) -> None:
    """Two runners of 4 senders each, two channels of at most 4 requests in flight: the receiver
    holds every request until 8 are out at once, which takes both runners' senders; then it
    answers them all. Every delivery is sent exactly once (counted once both runners stopped)."""
    set_config(conn, "alert_throttle_limit", 1000)
    set_config(conn, "alert_channel_max_in_flight", 4)
    set_config(conn, "alert_poll_interval", "0.1 seconds")
    set_config(conn, "alert_delivery_timeout", "120 seconds")  # the held requests wait for the test, not a clock
    with Receiver(held={"/a": 0, "/b": 0}) as rx:
        add_channel(conn, "a", "webhook", rx.url("/a"))
        add_channel(conn, "b", "webhook", rx.url("/b"))
        workers = [DeliveryWorker(db_url, max_workers=4, worker_id=f"runner-{i}") for i in range(2)]
        with running(*workers):
            ids = [raise_alert(conn, "warning", f"alert {i}") for i in range(60)]
            rx.wait_for(8)
            rx.release()
            rx.wait_for(120)
            wait_until(lambda: statuses(conn) == {"delivered": 120}, what="all delivered")
    sent = Counter((r.path, r.json()["alert_id"]) for r in rx.requests)
    assert len(rx.requests) == 120
    assert set(sent.values()) == {1}
    assert {alert for _, alert in sent} == set(ids)
    claimed_by = dict(conn.execute("SELECT claimed_by, count(*) FROM alert_deliveries GROUP BY 1").fetchall())
    assert set(claimed_by) == {"runner-0", "runner-1"}, claimed_by


def _start_sender(db_url: str) -> subprocess.Popen[str]:
    env = dict(os.environ, MOOSE_DATABASE_URL=db_url)
    return subprocess.Popen([sys.executable, "-m", "runner.cli", "alerts", "deliver", "--threads", "1", "--no-env"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)


def test_runner_killed_mid_batch_loses_nothing(db_url: str, conn: psycopg.Connection) -> None:
    """A sender (one request at a time) is killed while the receiver holds its third request;
    a second sender, once the dead one's lease has run out, delivers the rest, and the one in
    flight at the kill again."""
    set_config(conn, "alert_delivery_timeout", "120 seconds")  # the held request waits for the kill, not a clock
    set_config(conn, "alert_poll_interval", "0.1 seconds")
    set_config(conn, "alert_channel_max_in_flight", 1)
    with Receiver(held={"/slow": 2}) as rx:
        add_channel(conn, "slow", "webhook", rx.url("/slow"))
        ids = [raise_alert(conn, "warning", f"alert {i}") for i in range(8)]
        first = _start_sender(db_url)
        try:
            rx.wait_for(3, "/slow")
            first.send_signal(signal.SIGKILL)
            first.wait(60)
        finally:
            if first.poll() is None:
                first.kill()
        assert statuses(conn) == {"delivered": 2, "sending": 1, "pending": 5}
        rx.release()  # the held request's sender is gone: its answer goes nowhere
        # The dead sender's lease (the timeout plus a second) runs out: backdated, not waited for.
        conn.execute("UPDATE alert_deliveries SET next_attempt_at = now() WHERE status = 'sending'")
        second = _start_sender(db_url)
        try:
            wait_until(lambda: statuses(conn) == {"delivered": 8}, what="all 8 delivered")
            second.send_signal(signal.SIGTERM)
            output, _ = second.communicate(timeout=60)
        finally:
            if second.poll() is None:
                second.kill()
    assert second.returncode == 0, output
    received = Counter(r.json()["alert_id"] for r in rx.on("/slow"))
    assert set(received) == set(ids)
    assert sum(received.values()) - len(ids) == 1  # the one in flight at the kill was sent twice


def test_runner_role_can_deliver_with_its_own_grants(db_url: str, conn: psycopg.Connection) -> None:
    runner_url = db_url.replace(f"//{conn.info.user}@", "//moose_runner@", 1)
    assert "moose_runner@" in runner_url
    with Receiver() as rx:
        add_channel(conn, "hook", "webhook", rx.url("/hook"), secret="k")
        raise_alert(conn, "error", "as the runner")
        with DeliveryWorker(runner_url) as worker:
            assert worker.deliver_due(10) == 1
            assert worker.stats == Counter({"delivered": 1})
        rx.wait_for(1, "/hook")
    with psycopg.connect(runner_url, autocommit=True) as runner:
        assert runner.execute("SELECT secret FROM alert_channel_secrets").fetchone() == ("k",)
    with psycopg.connect(db_url) as dashboard:
        dashboard.execute("SET ROLE authenticated")
        assert dashboard.execute("SELECT name, kind FROM alert_channels").fetchone() == ("hook", "webhook")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            dashboard.execute("SELECT secret FROM alert_channel_secrets")
        dashboard.rollback()
        dashboard.execute("SET ROLE authenticated")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            dashboard.execute("SELECT url FROM alert_channels")


def test_environment_channels_are_upserted_and_disabled(conn: psycopg.Connection) -> None:
    env = {"SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T0/B0/X", "SENDGRID_API_KEY": "SG.k",
           "ALERT_EMAIL_TO": "a@example.com, b@example.com", "ALERT_EMAIL_FROM": "alerts@example.com",
           "ALERT_WEBHOOK_URL": "https://example.com/hook", "ALERT_WEBHOOK_SECRET": "shh"}
    assert sync_env_channels(conn, env) == {"env_slack": "configured", "env_email": "configured",
                                            "env_webhook": "configured"}
    assert sync_env_channels(conn, env) == {"env_slack": "configured", "env_email": "configured",
                                            "env_webhook": "configured"}
    rows = conn.execute("SELECT c.name, c.kind, c.enabled, c.options, s.secret FROM alert_channels c "
                        "LEFT JOIN alert_channel_secrets s ON s.channel_id = c.id ORDER BY c.name").fetchall()
    assert rows == [
        ("env_email", "sendgrid", True,
         {"to": ["a@example.com", "b@example.com"], "from": "alerts@example.com"}, "SG.k"),
        ("env_slack", "slack", True, {}, None),
        ("env_webhook", "webhook", True, {}, "shh"),
    ]
    assert sync_env_channels(conn, {"SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T0/B0/Y"}) == {
        "env_slack": "configured", "env_email": "disabled", "env_webhook": "disabled"}
    assert conn.execute("SELECT count(*) FROM alert_channel_secrets").fetchone() == (2,)
    with pytest.raises(psycopg.errors.InvalidParameterValue) as bad:
        sync_env_channels(conn, {"SENDGRID_API_KEY": "SG.k"})
    assert "ALERT_EMAIL_TO" in str(bad.value)
    with pytest.raises(psycopg.errors.InvalidParameterValue) as malformed:
        sync_env_channels(conn, {"SLACK_WEBHOOK_URL": "hooks.slack.com/no-scheme"})
    assert "malformed alert channel URL" in str(malformed.value)
    assert malformed.value.diag.message_hint


def test_runner_survives_its_connections_being_killed(db_url: str, conn: psycopg.Connection) -> None:
    set_config(conn, "alert_poll_interval", "0.2 seconds")
    with Receiver() as rx:
        add_channel(conn, "hook", "webhook", rx.url("/hook"))
        worker = DeliveryWorker(db_url)
        with running(worker) as (thread,):
            raise_alert(conn, "error", "before")
            rx.wait_for(1, "/hook")
            killed = conn.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                  "WHERE application_name = 'moose-alerts' AND datname = current_database()").fetchone()
            assert killed[0] >= 2  # the listener and at least one working connection
            raise_alert(conn, "error", "after")
            rx.wait_for(2, "/hook")
    assert not thread.is_alive()
    assert statuses(conn) == {"delivered": 2}
    assert worker.stats["unrecorded"] == 0


def test_retry_after_of_a_429_is_honoured_up_to_the_cap(db_url: str, conn: psycopg.Connection) -> None:
    set_config(conn, "alert_retry_base", "1 second")
    set_config(conn, "alert_retry_cap", "10 minutes")
    with Receiver(statuses={"/slack": [429], "/busy": [503]}, retry_after={"/slack": "120", "/busy": "86400"}) as rx:
        add_channel(conn, "slackish", "webhook", rx.url("/slack"))
        raise_alert(conn, "error", "rate limited")
        with DeliveryWorker(db_url) as worker:
            assert worker.deliver_due() == 1
        # Measured from the instant the result was recorded (updated_at, the same transaction's now()).
        (status, code, wait) = conn.execute(
            "SELECT status, last_status_code, extract(epoch FROM next_attempt_at - updated_at) FROM alert_deliveries"
        ).fetchone()
        assert (status, code) == ("pending", 429)
        assert float(wait) == 120, "not retried before the receiver's Retry-After (the backoff alone is ~1 s)"

        conn.execute("DELETE FROM alert_deliveries")
        conn.execute("DELETE FROM alert_channels")
        add_channel(conn, "busy", "webhook", rx.url("/busy"))
        raise_alert(conn, "error", "asks for a day")
        with DeliveryWorker(db_url) as worker:
            assert worker.deliver_due() == 1
        (wait,) = conn.execute("SELECT extract(epoch FROM next_attempt_at - updated_at) FROM alert_deliveries"
                               ).fetchone()
        assert float(wait) == 600, "a day-long Retry-After is capped at alert_retry_cap"

