"""The pg_net path end to end against the real pg_net: dispatch_alerts queues through
net.http_post, pg_net's background worker posts to a real receiver on 127.0.0.1 after commit,
reconcile_alert_deliveries (called by dispatch_alerts) settles from net._http_response. These
tests run in the database the worker serves (fixture net_conn, tests/pg_net_helpers.py)."""

from __future__ import annotations

import socket
import threading

import psycopg
import pytest
from alert_helpers import add_channel, fast_retries, raise_alert, set_config, signature, statuses
from alert_receiver import Receiver
from pg_net_helpers import pump, response_of, settled, wait_for
from psycopg.types.json import Jsonb

from runner.delivery import DeliveryWorker

# One xdist worker runs every test of the pg_net database: its worker serves one database.
pytestmark = pytest.mark.xdist_group("pg_net")


def request_of(conn: psycopg.Connection, delivery_id: int) -> dict:
    row = conn.execute("SELECT private.alert_request(%s)", (delivery_id,)).fetchone()
    assert row is not None
    return row[0]


def delivery(conn: psycopg.Connection, channel: str) -> tuple:
    row = conn.execute("SELECT d.id, d.status, d.attempts, d.last_status_code, d.last_error, d.via "
                       "FROM alert_deliveries AS d JOIN alert_channels AS c ON c.id = d.channel_id "
                       "WHERE c.name = %s", (channel,)).fetchone()
    assert row is not None
    return row


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_slack_sendgrid_and_webhook_arrive_exactly_as_built(net_conn: psycopg.Connection) -> None:
    conn = net_conn
    with Receiver() as rx:
        add_channel(conn, "slack", "slack", rx.url("/slack"))
        add_channel(conn, "mail", "sendgrid", rx.url("/v3/mail/send"), secret="SG.key",
                    options={"to": ["ops@example.com"], "from": "moose@example.com"})
        add_channel(conn, "hook", "webhook", rx.url("/hook"), secret="pg-net-secret")
        alert_id = raise_alert(conn, "critical", "through the real pg_net", body="disk full")
        assert conn.execute("SELECT dispatch_alerts()").fetchone() == (3,)
        pump(conn, lambda: settled(conn), "three deliveries settled")
        assert statuses(conn) == {"delivered": 3}
        for channel, path in (("slack", "/slack"), ("mail", "/v3/mail/send"), ("hook", "/hook")):
            delivery_id, _status, attempts, code, _error, via = delivery(conn, channel)
            assert (attempts, code, via) == (1, 200, "pg_net")
            (got,) = rx.on(path)
            wanted = request_of(conn, delivery_id)
            # The exact bytes: pg_net posts convert_to(body::text, 'UTF8').
            row = conn.execute("SELECT convert_to((%s::jsonb)::text, 'UTF8')",
                               (Jsonb(wanted["body"]),)).fetchone()
            assert row is not None and got.body == bytes(row[0])
            for name, value in wanted["headers"].items():
                assert got.headers[name.lower()] == value, name
        (hook,) = rx.on("/hook")
        (mail,) = rx.on("/v3/mail/send")
        (slack,) = rx.on("/slack")
    assert hook.headers["x-moose-signature"] == signature("pg-net-secret", hook.body)
    assert hook.json()["alert_id"] == alert_id
    assert mail.headers["authorization"] == "Bearer SG.key"
    assert mail.json()["personalizations"] == [{"to": [{"email": "ops@example.com"}]}]
    assert slack.json()["attachments"][0]["color"] == "danger"


def test_500_twice_then_200_is_three_attempts_and_one_delivery(net_conn: psycopg.Connection) -> None:
    conn = net_conn
    fast_retries(conn)
    with Receiver(statuses={"/hook": [500, 500]}) as rx:
        add_channel(conn, "hook", "webhook", rx.url("/hook"))
        raise_alert(conn, "error", "flaky receiver")
        pump(conn, lambda: settled(conn), "the delivery settled")
        assert [r.path for r in rx.requests] == ["/hook"] * 3
    _id, status, attempts, code, error, _via = delivery(conn, "hook")
    assert (status, attempts, code, error) == ("delivered", 3, 200, None)


def test_429_retry_after_makes_the_retry_wait(net_conn: psycopg.Connection) -> None:
    conn = net_conn
    fast_retries(conn)  # the backoff alone would retry at once
    with Receiver(statuses={"/slack": [429]}, retry_after={"/slack": "2"}) as rx:
        add_channel(conn, "slack", "slack", rx.url("/slack"))
        raise_alert(conn, "error", "rate limited")
        pump(conn, lambda: settled(conn), "the delivery settled")
        first, second = rx.on("/slack")
    assert second.at - first.at >= 2.0, "the retry waited for Retry-After"
    assert delivery(conn, "slack")[1:4] == ("delivered", 2, 200)


def test_a_receiver_that_never_answers_is_a_pg_net_timeout_then_a_retry(net_conn: psycopg.Connection) -> None:
    conn = net_conn
    fast_retries(conn)
    set_config(conn, "alert_delivery_timeout", "1 second")
    with Receiver(hang={"/hook"}) as rx:
        add_channel(conn, "hook", "webhook", rx.url("/hook"))
        raise_alert(conn, "error", "silent receiver")
        assert conn.execute("SELECT dispatch_alerts()").fetchone() == (1,)
        rx.wait_for(1, "/hook")

        def timed_out() -> bool:
            conn.execute("SELECT reconcile_alert_deliveries()")
            return delivery(conn, "hook")[1] == "pending"
        wait_for(timed_out, "pg_net's timeout")
        _id, _status, attempts, code, error, _via = delivery(conn, "hook")
        assert (attempts, code) == (1, None)
        assert error.endswith("(pg_net timeout)"), error
        rx.hang.discard("/hook")
        pump(conn, lambda: settled(conn), "the retry delivered")
        assert len(rx.on("/hook")) == 2
    assert delivery(conn, "hook")[1:4] == ("delivered", 2, 200)


def test_connection_refused_is_retried_then_failed(net_conn: psycopg.Connection) -> None:
    conn = net_conn
    fast_retries(conn)
    set_config(conn, "alert_max_attempts", 2)
    add_channel(conn, "down", "webhook", f"http://127.0.0.1:{closed_port()}/hook")
    raise_alert(conn, "error", "nobody listens")
    pump(conn, lambda: delivery(conn, "down")[1] == "failed", "the delivery failed")
    _id, _status, attempts, code, error, _via = delivery(conn, "down")
    assert (attempts, code) == (2, None)
    assert "connect" in error.lower(), error
    row = conn.execute("SELECT count(*) FROM alerts WHERE kind = 'alert.channel_failed'").fetchone()
    assert row == (1,)


def test_the_runner_and_dispatch_alerts_at_once_send_each_delivery_once(net_conn: psycopg.Connection) -> None:
    conn = net_conn
    set_config(conn, "alert_channel_max_in_flight", 1000)
    set_config(conn, "alert_throttle_limit", 1000)
    with Receiver() as rx:
        for name in ("a", "b", "c"):
            add_channel(conn, name, "webhook", rx.url(f"/{name}"))
        for i in range(40):
            raise_alert(conn, "error", f"race {i}")
        stop = threading.Event()
        url = f"postgresql://{conn.info.user}@{conn.info.host}:{conn.info.port}/{conn.info.dbname}"

        def run_runner() -> None:
            with DeliveryWorker(url, max_workers=4) as worker:
                while not stop.is_set():
                    worker.deliver_due(10)

        def run_dispatch() -> None:
            with psycopg.connect(url, autocommit=True) as other:
                while not stop.is_set():
                    other.execute("SELECT dispatch_alerts(10)")

        threads = [threading.Thread(target=run_runner), threading.Thread(target=run_dispatch)]
        for thread in threads:
            thread.start()
        try:
            wait_for(lambda: settled(conn), "120 deliveries settled", timeout=120)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
        ids = [r.headers["x-moose-delivery-id"] for r in rx.requests]
    assert statuses(conn) == {"delivered": 120}
    retried = conn.execute("SELECT id, via, last_error FROM alert_deliveries WHERE attempts <> 1").fetchall()
    assert retried == [], "no attempt failed (a lost answer is sent again: at least once)"
    assert len(ids) == 120 and len(set(ids)) == 120, "each delivery posted once"
    via = dict(conn.execute("SELECT via, count(*) FROM alert_deliveries GROUP BY via").fetchall())
    assert sum(via.values()) == 120 and set(via) <= {"runner", "pg_net"}


def test_a_deleted_response_ends_as_a_retry_not_stuck_in_sending(net_conn: psycopg.Connection) -> None:
    conn = net_conn
    fast_retries(conn)
    set_config(conn, "alert_delivery_timeout", "1 second")
    set_config(conn, "alert_delivery_lease", "1 second")  # lease = timeout + 1 s
    with Receiver() as rx:
        add_channel(conn, "hook", "webhook", rx.url("/hook"))
        raise_alert(conn, "error", "answer lost")
        assert conn.execute("SELECT dispatch_alerts()").fetchone() == (1,)
        delivery_id = delivery(conn, "hook")[0]
        wait_for(lambda: response_of(conn, delivery_id), "pg_net's response")
        conn.execute("DELETE FROM net._http_response")  # as pg_net.ttl would, before reconcile read it

        def retried() -> bool:
            conn.execute("SELECT reconcile_alert_deliveries()")
            return delivery(conn, "hook")[1] == "pending"
        wait_for(retried, "the lease to end and the delivery to be retried")
        assert "no pg_net response" in delivery(conn, "hook")[4]
        pump(conn, lambda: settled(conn), "the retry delivered")
        assert len(rx.on("/hook")) == 2, "at least once: the first POST did arrive"
    assert delivery(conn, "hook")[1:3] == ("delivered", 2)


def test_pg_net_alone_serves_the_test_database(net_conn: psycopg.Connection) -> None:
    row = net_conn.execute("SELECT current_setting('pg_net.database_name') = current_database(), "
                           "current_setting('shared_preload_libraries')").fetchone()
    assert row is not None and row[0] is True and "pg_net" in row[1]
