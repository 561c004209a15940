"""The pg_net path (dispatch_alerts / reconcile_alert_deliveries) against a stand-in `net` schema
with pg_net's exact signatures and tables (tests/sql/pg_net_standin.sql). The test plays pg_net's
background worker: it sends each queued request to a real receiver on 127.0.0.1 and writes the
answer to net._http_response, as pg_net does after commit."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import psycopg
import pytest
from alert_helpers import add_channel, fast_retries, raise_alert, set_config, signature, statuses
from alert_receiver import Receiver
from psycopg.types.json import Jsonb

STANDIN = Path(__file__).parent / "sql" / "pg_net_standin.sql"


def install_standin(conn: psycopg.Connection) -> None:
    conn.execute(STANDIN.read_bytes())


def play_pg_net_worker(conn: psycopg.Connection, *, timed_out: bool = False) -> int:
    """Send every queued request as pg_net would (method, url, headers, body bytes) and record
    the response; clears the queue like pg_net's worker. Returns the number handled."""
    rows = conn.execute("DELETE FROM net.http_request_queue RETURNING id, method, url, headers, body, "
                        "timeout_milliseconds").fetchall()
    for request_id, method, url, headers, body, timeout_ms in rows:
        assert method == "POST"
        if timed_out:
            conn.execute("INSERT INTO net._http_response (id, timed_out, error_msg) VALUES (%s, true, %s)",
                         (request_id, f"Timeout of {timeout_ms} ms reached"))
            continue
        request = urllib.request.Request(url, data=bytes(body), headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=timeout_ms / 1000) as response:
                status, content = response.status, response.read().decode()
                answered = dict(response.headers.items())
        except urllib.error.HTTPError as error:
            status, content = error.code, error.read().decode()
            answered = dict(error.headers.items())
        # pg_net keeps the response headers as a jsonb object, names as the server sent them.
        conn.execute("INSERT INTO net._http_response (id, status_code, content_type, headers, content, timed_out) "
                     "VALUES (%s, %s, 'application/json', %s, %s, false)",
                     (request_id, status, Jsonb(answered), content))
    return len(rows)


def test_dispatch_posts_through_net_http_post_and_reconcile_marks_delivered(conn: psycopg.Connection) -> None:
    install_standin(conn)
    with Receiver() as rx:
        add_channel(conn, "hook", "webhook", rx.url("/hook"), secret="pg-net-secret")
        add_channel(conn, "slack", "slack", rx.url("/slack"))
        alert_id = raise_alert(conn, "error", "via pg_net")
        assert conn.execute("SELECT dispatch_alerts(10)").fetchone() == (2,)
        queued = conn.execute("SELECT q.id, q.url, q.headers, q.timeout_milliseconds, d.net_request_id "
                              "FROM net.http_request_queue q JOIN alert_deliveries d ON d.net_request_id = q.id "
                              "ORDER BY q.id").fetchall()
        assert len(queued) == 2
        assert all(row[3] == 10000 and row[2]["Content-Type"] == "application/json" for row in queued)
        assert statuses(conn) == {"sending": 2}
        assert play_pg_net_worker(conn) == 2
        assert conn.execute("SELECT reconcile_alert_deliveries()").fetchone()[0] == {
            "delivered": 2, "retry": 0, "failed": 0, "waiting": 0}
        (hook,) = rx.on("/hook")
        (slack,) = rx.on("/slack")
    assert statuses(conn) == {"delivered": 2}
    assert hook.json()["alert_id"] == alert_id
    assert hook.headers["x-moose-signature"] == signature("pg-net-secret", hook.body)
    assert slack.json()["attachments"][0]["footer"] == "Moose Mission Control"
    via = conn.execute("SELECT DISTINCT via, claimed_by FROM alert_deliveries").fetchall()
    assert via == [("pg_net", "pg_net")]


def test_pg_net_errors_and_timeouts_are_retried_then_delivered(conn: psycopg.Connection) -> None:
    install_standin(conn)
    fast_retries(conn)
    with Receiver(statuses={"/hook": [502]}) as rx:
        add_channel(conn, "hook", "webhook", rx.url("/hook"))
        raise_alert(conn, "error", "flaky over pg_net")
        conn.execute("SELECT dispatch_alerts()")
        play_pg_net_worker(conn)  # 502
        conn.execute("SELECT dispatch_alerts()")  # reconciles (retry), then re-sends at once
        play_pg_net_worker(conn, timed_out=True)
        assert conn.execute("SELECT reconcile_alert_deliveries()").fetchone()[0]["retry"] == 1
        row = conn.execute("SELECT status, attempts, last_error FROM alert_deliveries").fetchone()
        assert row[0] == "pending" and row[1] == 2 and row[2] == "Timeout of 10000 ms reached (pg_net timeout)"
        conn.execute("SELECT dispatch_alerts()")
        play_pg_net_worker(conn)
        conn.execute("SELECT reconcile_alert_deliveries()")
        assert len(rx.on("/hook")) == 2
    row = conn.execute("SELECT status, attempts, last_status_code FROM alert_deliveries").fetchone()
    assert row == ("delivered", 3, 200)


def test_pg_net_path_honours_retry_after(conn: psycopg.Connection) -> None:
    install_standin(conn)
    fast_retries(conn)
    with Receiver(statuses={"/slack": [429]}, retry_after={"/slack": "120"}) as rx:
        add_channel(conn, "slack", "slack", rx.url("/slack"))
        raise_alert(conn, "error", "rate limited over pg_net")
        conn.execute("SELECT dispatch_alerts()")
        play_pg_net_worker(conn)
        assert conn.execute("SELECT reconcile_alert_deliveries()").fetchone()[0]["retry"] == 1
    (status, code, wait) = conn.execute(
        "SELECT status, last_status_code, extract(epoch FROM next_attempt_at - now()) FROM alert_deliveries").fetchone()
    assert (status, code) == ("pending", 429)
    assert 110 <= float(wait) <= 121, "the Retry-After pg_net recorded is honoured (the backoff alone is 0 s)"


def test_a_request_pg_net_lost_is_retried_after_the_lease(conn: psycopg.Connection) -> None:
    install_standin(conn)
    fast_retries(conn)
    add_channel(conn, "hook", "webhook", "http://127.0.0.1:9/hook")
    raise_alert(conn, "error", "lost in an unlogged queue")
    conn.execute("SELECT dispatch_alerts()")
    conn.execute("TRUNCATE net.http_request_queue")  # pg_net restarted: its unlogged queue is gone
    assert conn.execute("SELECT reconcile_alert_deliveries()").fetchone()[0]["waiting"] == 1
    conn.execute("UPDATE alert_deliveries SET next_attempt_at = now() - interval '1 second'")
    assert conn.execute("SELECT reconcile_alert_deliveries()").fetchone()[0]["retry"] == 1
    row = conn.execute("SELECT status, last_error FROM alert_deliveries").fetchone()
    assert row[0] == "pending" and "no pg_net response" in row[1]
    assert conn.execute("SELECT dispatch_alerts()").fetchone() == (1,)
    assert conn.execute("SELECT count(*) FROM net.http_request_queue").fetchone() == (1,)


def test_without_pg_net_both_functions_say_so(conn: psycopg.Connection) -> None:
    for call in ("SELECT dispatch_alerts()", "SELECT reconcile_alert_deliveries()"):
        with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState) as error:
            conn.execute(call)
        assert "pg_net is not installed" in str(error.value)
        assert "moose run" in (error.value.diag.message_hint or "")
    assert conn.execute("SELECT alert_delivery_settings()->'pg_net_installed'").fetchone() == (False,)


def test_standin_matches_pg_net_signatures(conn: psycopg.Connection) -> None:
    install_standin(conn)
    (args,) = conn.execute("SELECT pg_get_function_arguments('net.http_post(text,jsonb,jsonb,jsonb,integer)'"
                           "::regprocedure)").fetchone()
    assert args == ("url text, body jsonb DEFAULT '{}'::jsonb, params jsonb DEFAULT '{}'::jsonb, "
                    "headers jsonb DEFAULT '{\"Content-Type\": \"application/json\"}'::jsonb, "
                    "timeout_milliseconds integer DEFAULT 5000")
    columns = conn.execute("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                           "WHERE attrelid = 'net._http_response'::regclass AND attnum > 0 ORDER BY attnum").fetchall()
    assert columns == [("id", "bigint"), ("status_code", "integer"), ("content_type", "text"), ("headers", "jsonb"),
                       ("content", "text"), ("timed_out", "boolean"), ("error_msg", "text"),
                       ("created", "timestamp with time zone")]
    assert conn.execute("SELECT alert_delivery_settings()->'pg_net_installed'").fetchone() == (True,)
    set_config(conn, "alert_delivery_timeout", "2.5 seconds")
    add_channel(conn, "hook", "webhook", "http://127.0.0.1:9/x")
    raise_alert(conn, "error", "timeout passes through")
    conn.execute("SELECT dispatch_alerts()")
    assert conn.execute("SELECT timeout_milliseconds, convert_from(body, 'UTF8')::jsonb->>'title' "
                        "FROM net.http_request_queue").fetchone() == (2500, "timeout passes through")
