"""Operator commands over the workflow part: `moose status` draws the morning health check and
exits by status; `moose escalations list | show | decide` act through the workflow functions."""

from __future__ import annotations

import json

import psycopg
from service_helpers import scalar
from test_operator_cli import moose

WO = "00000000-0000-0000-0000-0000000005a1"


def test_status_draws_the_morning_health_check(db_url: str, conn: psycopg.Connection) -> None:
    healthy = moose(db_url, "status")
    assert healthy.exit_code == 0, healthy.output
    assert "System status:     HEALTHY" in healthy.output
    assert "Budget:" in healthy.output and "tier normal" in healthy.output

    conn.execute("INSERT INTO work_orders (id, title, status, updated_at) "
                 "VALUES (%s, 'stuck', 'pending', now() - interval '3 hours')", (WO,))
    conn.execute("SELECT create_escalation(%s, 'aider_failure', '{}')", (WO,))
    conn.execute("SELECT runner_heartbeat('host:42')")
    conn.execute("INSERT INTO cost_tracking (service_name, cost) VALUES ('openai', 85)")
    result = moose(db_url, "status")
    assert result.exit_code == 2, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("System status:     ERROR") for line in lines)
    assert any(line.startswith("Stuck work orders: 1") for line in lines)
    assert any("aider_failure" in line and "due in 1h" in line for line in lines), result.output
    assert any("85.0% of $100" in line and "tier critical" in line for line in lines)
    assert any(line.startswith("Runner:            host:42 seen") for line in lines)
    as_json = json.loads(moose(db_url, "status", "--json").output)
    assert as_json["health"]["status"] == "error"
    assert as_json["scheduler"]["runners"][0]["holder"] == "host:42"


def test_escalations_list_show_decide(db_url: str, conn: psycopg.Connection) -> None:
    conn.execute("INSERT INTO work_orders (id, title, status) VALUES (%s, 'w', 'in_progress')", (WO,))
    escalation = str(scalar(conn, "SELECT create_escalation(%s, 'aider_failure', '{}')", (WO,)))
    listing = moose(db_url, "escalations", "list")
    assert listing.exit_code == 0 and escalation in listing.output and "aider_failure" in listing.output
    shown = moose(db_url, "escalations", "show", escalation)
    assert shown.exit_code == 0 and "retry_clean_state: Retry with clean state" in shown.output
    assert "recommendation: " in shown.output
    acknowledged = moose(db_url, "escalations", "decide", escalation, "--acknowledge", "--notes", "on it")
    assert acknowledged.exit_code == 0, acknowledged.output
    assert scalar(conn, "SELECT status FROM escalations WHERE id = %s", (escalation,)) == "acknowledged"
    decided = moose(db_url, "escalations", "decide", escalation, "--option", "retry_clean_state",
                    "--notes", "transient git lock")
    assert decided.exit_code == 0, decided.output
    assert scalar(conn, "SELECT status FROM escalations WHERE id = %s", (escalation,)) == "resolved"
    twice = moose(db_url, "escalations", "decide", escalation, "--option", "retry_clean_state", "--notes", "x")
    assert twice.exit_code == 1 and "55000" in twice.output
    both = moose(db_url, "escalations", "decide", escalation, "--acknowledge", "--dismiss")
    assert both.exit_code == 2
    assert "no open escalations" in moose(db_url, "escalations", "list").output


def test_escalations_decide_passes_params_to_the_option(db_url: str, conn: psycopg.Connection) -> None:
    conn.execute("INSERT INTO work_orders (id, title, status) VALUES (%s, 'big', 'in_progress')", (WO,))
    escalation = str(scalar(conn, "SELECT create_escalation(%s, 'retry_exhausted', '{}')", (WO,)))
    not_object = moose(db_url, "escalations", "decide", escalation, "--option", "split_work_order",
                       "--notes", "too big", "--params", "[1, 2]")
    assert not_object.exit_code == 2 and "must be a JSON object" in not_object.output
    not_json = moose(db_url, "escalations", "decide", escalation, "--option", "split_work_order",
                     "--notes", "too big", "--params", "{parts")
    assert not_json.exit_code == 2 and "not JSON" in not_json.output
    parts = '{"parts": [{"title": "schema half"}, {"title": "api half"}]}'
    split = moose(db_url, "escalations", "decide", escalation, "--option", "split_work_order",
                  "--notes", "too big for one pass", "--params", parts)
    assert split.exit_code == 0, split.output
    titles = conn.execute("SELECT title FROM work_orders WHERE id <> %s ORDER BY title", (WO,)).fetchall()
    assert [t[0] for t in titles] == ["api half", "schema half"]
    assert scalar(conn, "SELECT status FROM escalations WHERE id = %s", (escalation,)) == "resolved"
