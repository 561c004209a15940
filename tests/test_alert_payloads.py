"""Each channel's request as its receiver parses it (Slack, SendGrid, generic webhook with an
HMAC signature), sent by the runner to a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import hmac

import psycopg
from alert_helpers import add_channel, drain, raise_alert, set_config, signature, statuses
from alert_receiver import Receiver

from runner.delivery import DeliveryWorker


def test_slack_attachment_has_the_runbook_shape_and_colour_by_severity(db_url: str, conn: psycopg.Connection) -> None:
    with Receiver() as rx:
        add_channel(conn, "ops-slack", "slack", rx.url("/slack"), min_severity="info")
        ids = {sev: raise_alert(conn, sev, f"{sev} happened", body=f"details of {sev}")
               for sev in ("info", "warning", "error", "critical")}
        with DeliveryWorker(db_url) as worker:
            drain(worker, conn)
        got = rx.wait_for(4, "/slack")
    colours = {}
    for request in got:
        assert request.headers["content-type"] == "application/json"
        payload = request.json()
        assert list(payload) == ["attachments"]
        (attachment,) = payload["attachments"]
        assert attachment["footer"] == "Moose Mission Control"
        alert_id = int(request.headers["x-moose-alert-id"])
        # The alert's own instant, as the database recorded it (not the clock when the test reads it).
        assert attachment["ts"] == conn.execute("SELECT floor(extract(epoch FROM created_at))::bigint FROM alerts"
                                                " WHERE id = %s", (alert_id,)).fetchone()[0]
        fields = {f["title"]: f["value"] for f in attachment["fields"]}
        assert fields["alert_id"] == str(alert_id)
        assert f"alert #{alert_id}" in attachment["text"]
        severity = next(sev for sev, i in ids.items() if i == alert_id)
        assert f"[{severity.upper()}] {severity} happened" in attachment["text"]
        assert f"details of {severity}" in attachment["text"]
        colours[severity] = attachment["color"]
    assert colours == {"info": "good", "warning": "warning", "error": "danger", "critical": "danger"}


def test_sendgrid_mail_send_json_with_bearer_key(db_url: str, conn: psycopg.Connection) -> None:
    with Receiver() as rx:
        add_channel(conn, "oncall-mail", "sendgrid", rx.url("/v3/mail/send"), secret="SG.test-key",
                    min_severity="warning",
                    options={"to": ["a@example.com", "b@example.com"], "from": "alerts@moose.ai",
                             "subject_prefix": "[Moose prod]"})
        raise_alert(conn, "info", "below the channel's minimum")
        alert_id = raise_alert(conn, "error", "Work order stuck >24h", body="WO 42 has been stuck")
        with DeliveryWorker(db_url) as worker:
            drain(worker, conn)
        (request,) = rx.wait_for(1, "/v3/mail/send")
    assert request.headers["authorization"] == "Bearer SG.test-key"
    mail = request.json()
    assert mail["personalizations"] == [{"to": [{"email": "a@example.com"}, {"email": "b@example.com"}]}]
    assert mail["from"] == {"email": "alerts@moose.ai"}
    assert mail["subject"] == "[Moose prod] ERROR: Work order stuck >24h"
    (content,) = mail["content"]
    assert content["type"] == "text/plain"
    assert content["value"].startswith("WO 42 has been stuck")
    assert f"alert #{alert_id}" in content["value"]
    assert mail["custom_args"]["moose_alert_id"] == str(alert_id)
    assert len(rx.requests) == 1  # the info alert was below min_severity


def test_webhook_body_carries_the_ids_and_the_hmac_verifies(db_url: str, conn: psycopg.Connection) -> None:
    with Receiver() as rx:
        add_channel(conn, "signed", "webhook", rx.url("/signed"), secret="s3cret-ü")
        add_channel(conn, "plain", "webhook", rx.url("/plain"))
        alert_id = raise_alert(conn, "critical", "Budget 100% — kill switch", body="spent $100.02 of $100",
                               context={"spend": "100.02", "emoji": "🫎"})
        with DeliveryWorker(db_url) as worker:
            drain(worker, conn)
        (signed,) = rx.wait_for(1, "/signed")
        (plain,) = rx.wait_for(1, "/plain")
    payload = signed.json()
    assert payload["type"] == "alert"
    assert payload["alert_id"] == alert_id
    assert payload["delivery_id"] == int(signed.headers["x-moose-delivery-id"])
    assert payload["severity"] == "critical" and payload["title"] == "Budget 100% — kill switch"
    assert payload["context"] == {"spend": "100.02", "emoji": "🫎"}
    expected = signature("s3cret-ü", signed.body)
    assert hmac.compare_digest(signed.headers["x-moose-signature"], expected)
    assert signed.headers["x-moose-signature"] != signature("wrong", signed.body)
    assert signed.headers["x-moose-signature"] != signature("s3cret-ü", signed.body + b" ")
    assert "x-moose-signature" not in plain.headers
    assert plain.json()["alert_id"] == alert_id


def test_sql_hmac_matches_python_for_long_keys_and_empty_bodies(conn: psycopg.Connection) -> None:
    import hashlib

    for key, message in ((b"k" * 200, b""), (b"", b"x"), (bytes(range(64)), bytes(range(256)) * 9)):
        row = conn.execute("SELECT private.hmac_sha256(%s, %s)", (key, message)).fetchone()
        assert row is not None
        assert row[0] == hmac.new(key, message, hashlib.sha256).hexdigest()


def test_storm_is_capped_and_summarised_never_dropped(db_url: str, conn: psycopg.Connection) -> None:
    set_config(conn, "alert_throttle_limit", 3)
    set_config(conn, "alert_throttle_window", "1 hour")  # the summary falls due when the test says so
    set_config(conn, "alert_channel_max_in_flight", 10)
    with Receiver() as rx:
        add_channel(conn, "storm", "webhook", rx.url("/storm"))
        ids = [raise_alert(conn, "warning", f"distinct alert {i}") for i in range(9)]
        critical = raise_alert(conn, "critical", "the one that matters")
        with DeliveryWorker(db_url) as worker:
            worker.deliver_due(100)
            first = rx.wait_for(3, "/storm")
            assert statuses(conn) == {"delivered": 3, "throttled": 7, "pending": 1}
            assert worker.deliver_due(100) == 0  # held back, summary not yet due
            assert len(rx.on("/storm")) == 3
            # The window passes: the summary's due time backdated, not waited for.
            conn.execute("UPDATE alert_deliveries SET next_attempt_at = now() WHERE is_summary")
            assert worker.deliver_due(100) == 1
        got = rx.wait_for(4, "/storm")
    individual = [r.json() for r in first]
    assert critical in [p["alert_id"] for p in individual]  # most severe first
    summary = got[3].json()
    assert summary["type"] == "alert_summary"
    assert summary["held_count"] == 7
    sent = {p["alert_id"] for p in individual}
    assert sent | set(summary["alert_ids"]) == set(ids) | {critical}
    assert not sent & set(summary["alert_ids"])
    assert "7 alert(s) held back on channel storm" in summary["title"]
    assert summary["body"].count("\n") == 6
    held = conn.execute("SELECT count(*) FROM alert_deliveries WHERE status = 'throttled' AND summary_id = %s",
                        (summary["delivery_id"],)).fetchone()
    assert held == (7,)
