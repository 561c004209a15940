"""The escalation workflow end to end on a real database: a work order stuck by backdated
timestamps is detected once, escalated, decided by an `authenticated` dashboard user (SET ROLE +
request.jwt.claims), and the effect is visible; the runbook's own investigation queries return
the rows the workflow wrote; concurrent deciders and detectors do not double anything."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row
from runbook_sql import (
    Q_1_4_ERROR_PATTERNS,
    Q_3_1_AIDER,
    Q_3_1_CONTRACT_VALIDATION,
    Q_3_1_ERROR_DETAILS,
    Q_3_1_REFINEMENT_HISTORY,
    Q_3_1_TOP_CONTRIBUTORS,
    with_id,
)
from thread_helpers import in_threads, together


@contextmanager
def as_dashboard_user(db_url: str, sub: str) -> Iterator[psycopg.Connection]:
    """A transaction as PostgREST runs a request: role authenticated, the JWT claims set locally."""
    with psycopg.connect(db_url, row_factory=dict_row) as connection, connection.transaction():
        connection.execute("SET LOCAL ROLE authenticated")
        connection.execute("SELECT set_config('request.jwt.claims', %s, true)",
                           (f'{{"sub": "{sub}", "role": "authenticated"}}',))
        yield connection


def scalar(conn: psycopg.Connection, query: str, params: tuple[Any, ...] = ()) -> Any:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return row[0] if not isinstance(row, dict) else next(iter(row.values()))


def new_work_order(conn: psycopg.Connection, title: str, status: str, hours_ago: float) -> str:
    wo_id = scalar(conn, "INSERT INTO work_orders (title, status) VALUES (%s, %s) RETURNING id::text", (title, status))
    conn.execute("UPDATE work_orders SET updated_at = now() - make_interval(secs => %s) WHERE id = %s",
                 (hours_ago * 3600, wo_id))
    return wo_id


def test_stuck_work_order_is_detected_once_escalated_and_decided(conn: psycopg.Connection, db_url: str) -> None:
    wo_id = new_work_order(conn, "refactor billing", "in_progress", 30)
    fresh_id = new_work_order(conn, "fresh work", "in_progress", 1)

    # The runbook's own stuck query (1.4) sees it too.
    runbook_stuck = conn.execute("""
        SELECT id, title, status, created_at, updated_at,
               EXTRACT(EPOCH FROM (NOW() - updated_at))/3600 as hours_stuck
        FROM work_orders
        WHERE status IN ('pending', 'in_progress')
          AND updated_at < NOW() - INTERVAL '24 hours'
        ORDER BY hours_stuck DESC""").fetchall()
    assert [str(row[0]) for row in runbook_stuck] == [wo_id]

    assert scalar(conn, "SELECT escalate_stuck_work_orders()") == 1
    assert scalar(conn, "SELECT escalate_stuck_work_orders()") == 0, "a second run must open nothing"
    escalations = conn.execute(
        "SELECT id::text, trigger_type, status, work_order_id::text FROM escalations").fetchall()
    assert [(e[1], e[2], e[3]) for e in escalations] == [("stuck_work_order", "pending", wo_id)]
    escalation_id = escalations[0][0]
    assert scalar(conn, "SELECT count(*) FROM alerts WHERE kind = 'work_order.stuck'") == 1
    assert scalar(conn, "SELECT count(*) FROM alerts WHERE kind = 'escalation.opened'") == 1
    assert scalar(conn, "SELECT system_health() ->> 'status'") == "error"

    # The runbook's 4.4 query finds it.
    pending = conn.execute("""
        SELECT id, work_order_id, trigger_type, status, created_at
        FROM escalations
        WHERE status = 'pending'
        ORDER BY created_at DESC""").fetchall()
    assert [str(row[0]) for row in pending] == [escalation_id]

    # The dashboard user reads it and decides, as PostgREST would run the request.
    with as_dashboard_user(db_url, "dba-jane") as dashboard:
        row = dashboard.execute(
            "SELECT id::text, recommended_option, confidence, minutes_left FROM open_escalations").fetchone()
        assert row is not None
        assert row["id"] == escalation_id
        assert row["recommended_option"] == "requeue"
        assert float(row["confidence"]) == 0.25  # no history yet: low confidence
        assert 110 < float(row["minutes_left"]) <= 120
        stuck_rows = dashboard.execute("SELECT work_order_id::text, hours_stuck FROM stuck_work_orders").fetchall()
        assert [(r["work_order_id"], round(float(r["hours_stuck"]))) for r in stuck_rows] == [(wo_id, 30)]
        result = scalar(dashboard, """
            SELECT resolve_escalation(%s, 'requeue', 'orchestrator restarted, pick it up again',
                                      'picked up within one poll', 'pause it and page the owner', 'check in 1 h')""",
                        (escalation_id,))
        assert result["decided_by"] == "dba-jane"
        assert result["effect"] == {"action": "requeue", "work_order_id": wo_id,
                                    "from_status": "in_progress", "to_status": "pending"}

    # The effect is visible to everyone, and logged.
    wo = conn.execute("SELECT status, updated_at > now() - interval '1 minute', "
                      "metadata -> 'requeued' ->> 'escalation_id' "
                      "FROM work_orders WHERE id = %s", (wo_id,)).fetchone()
    assert wo == ("pending", True, escalation_id)
    history = conn.execute("SELECT from_status, to_status, actor FROM work_order_history "
                           "WHERE work_order_id = %s ORDER BY id DESC LIMIT 1", (wo_id,)).fetchone()
    assert history == ("in_progress", "pending", "dba-jane")
    decided = conn.execute("SELECT status, resolved_by, decision_option, expected_outcome, followed_recommendation "
                           "FROM escalations WHERE id = %s", (escalation_id,)).fetchone()
    assert decided == ("resolved", "dba-jane", "requeue", "picked up within one poll", True)
    assert scalar(conn, "SELECT count(*) FROM audit_log "
                        "WHERE action = 'escalation.resolved' AND actor = 'dba-jane'") == 1
    assert scalar(conn, "SELECT count(*) FROM stuck_work_orders") == 0
    assert scalar(conn, "SELECT system_health() ->> 'status'") == "healthy"
    assert scalar(conn, "SELECT escalate_stuck_work_orders()") == 0
    assert scalar(conn, "SELECT status FROM work_orders WHERE id = %s", (fresh_id,)) == "in_progress"

    # Deciding again is refused and executes nothing.
    with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState), as_dashboard_user(db_url, "dba-joe") as dashboard:
        dashboard.execute("SELECT resolve_escalation(%s, 'cancel_work_order', 'changed my mind')", (escalation_id,))
    assert scalar(conn, "SELECT status FROM work_orders WHERE id = %s", (wo_id,)) == "pending"

    # Stalling again later is a new episode and a new escalation.
    conn.execute("UPDATE work_orders SET updated_at = now() - interval '3 hours' WHERE id = %s", (wo_id,))
    assert scalar(conn, "SELECT escalate_stuck_work_orders()") == 1
    assert scalar(conn, "SELECT count(*) FROM escalations WHERE work_order_id = %s", (wo_id,)) == 2


def test_anon_sees_and_decides_nothing(conn: psycopg.Connection, db_url: str) -> None:
    new_work_order(conn, "stuck", "pending", 5)
    conn.execute("SELECT escalate_stuck_work_orders()")
    escalation_id = scalar(conn, "SELECT id::text FROM escalations")
    for query in ("SELECT * FROM escalations", "SELECT * FROM open_escalations", "SELECT system_health()",
                  f"SELECT resolve_escalation('{escalation_id}', 'requeue')"):
        with psycopg.connect(db_url) as anon, anon.transaction():
            anon.execute("SET LOCAL ROLE anon")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                anon.execute(query)
    assert scalar(conn, "SELECT status FROM escalations") == "pending"


def test_runbook_investigation_queries_read_what_the_workflow_wrote(conn: psycopg.Connection, db_url: str) -> None:
    wo_id = new_work_order(conn, "add invoices endpoint", "in_progress", 0)
    contract_id = scalar(conn, "INSERT INTO contracts (name, version) "
                               "VALUES ('billing-api', '2.0.0') RETURNING id::text")
    with psycopg.connect(db_url) as service, service.transaction():
        service.execute("SET LOCAL ROLE service_role")
        for cycle in range(1, 5):
            service.execute(
                "SELECT record_outcome(%s, 'gpt-4o-mini', 0.40, false, 900, 'complexity 0.6', jsonb_build_object("
                "'error_message', 'TypeError: total is undefined', "
                "'error_details', jsonb_build_object('file', 'src/invoices.ts', 'line', 42), "
                "'refinement_metadata', jsonb_build_object('cycle', %s::int, 'strategy', 'fix types')))",
                (wo_id, cycle))
        service.execute("SELECT report_contract_violation(%s, %s, %s)",
                        (wo_id, contract_id, '{"errors": [{"path": "/invoices", "change": "total removed"}]}'))
        service.execute("SELECT report_aider_failure(%s, %s)",
                        (wo_id, "CONFLICT (content): Merge conflict in src/invoices.ts"))

    # Runbook 3.1 type 1: failure history and error patterns.
    refinement = conn.execute(with_id(Q_3_1_REFINEMENT_HISTORY, "[work-order-id]", wo_id)).fetchall()
    assert sorted(row[0]["cycle"] for row in refinement) == [1, 2, 3, 4]
    errors = conn.execute(with_id(Q_3_1_ERROR_DETAILS, "[work-order-id]", wo_id)).fetchall()
    assert [row[0] for row in errors] == [{"file": "src/invoices.ts", "line": 42}] * 4
    # Runbook 1.4: error patterns of the day.
    patterns = conn.execute(Q_1_4_ERROR_PATTERNS).fetchall()
    assert patterns == [("TypeError: total is undefined", 4)]
    # Runbook 3.1 type 2: top cost contributors.
    top = conn.execute(Q_3_1_TOP_CONTRIBUTORS).fetchall()
    assert [(str(r[0]), r[1], float(r[2]), r[3]) for r in top] == [(wo_id, "gpt-4o-mini", 1.6, 4)]
    # Runbook 3.1 type 4: contract details and validation errors.
    contract = conn.execute("SELECT name, version FROM contracts WHERE id = %s", (contract_id,)).fetchone()
    assert contract == ("billing-api", "2.0.0")
    validation = conn.execute(with_id(Q_3_1_CONTRACT_VALIDATION, "[work-order-id]", wo_id)).fetchall()
    reported = [row[0] for row in validation if row[0] is not None]
    assert len(reported) == 1
    assert reported[0]["violation"]["errors"][0]["change"] == "total removed"
    assert reported[0]["contract_id"] == contract_id
    # Runbook 3.1 type 5: Aider's output.
    aider = scalar(conn, with_id(Q_3_1_AIDER, "[work-order-id]", wo_id))
    assert aider["output"] == "CONFLICT (content): Merge conflict in src/invoices.ts"

    # Each source opened its escalation, once.
    kinds = conn.execute("SELECT trigger_type FROM escalations WHERE work_order_id = %s ORDER BY trigger_type",
                         (wo_id,)).fetchall()
    assert [k[0] for k in kinds] == ["aider_failure", "contract_violation", "retry_exhausted"]
    retry = conn.execute("SELECT recommendation ->> 'option', context ->> 'attempts' FROM escalations "
                         "WHERE trigger_type = 'retry_exhausted'").fetchone()
    assert retry == ("retry_stronger_model", "4")

    # The dashboard user takes the recommendation: retry with the stronger model.
    with as_dashboard_user(db_url, "lead-ann") as dashboard:
        dashboard.execute("""SELECT resolve_escalation(id, 'retry_stronger_model', 'cheap model keeps failing on types')
                             FROM escalations WHERE trigger_type = 'retry_exhausted'""")
    wo = conn.execute("SELECT status, refinement_attempts, metadata ->> 'model_override' "
                      "FROM work_orders WHERE id = %s",
                      (wo_id,)).fetchone()
    assert wo == ("pending", 0, "claude-sonnet-4.5")


def test_concurrent_deciders_execute_a_decision_once(conn: psycopg.Connection, db_url: str) -> None:
    wo_id = new_work_order(conn, "split target", "in_progress", 0)
    escalation_id = scalar(conn, "SELECT create_escalation(%s, 'retry_exhausted', '{}')::text", (wo_id,))
    outcomes: list[str] = []
    lock = threading.Lock()

    def decide(index: int) -> None:
        try:
            with as_dashboard_user(db_url, f"user-{index}") as dashboard:
                dashboard.execute(
                    "SELECT resolve_escalation(%s, 'split_work_order', 'too big', p_params => %s)",
                    (escalation_id, '{"parts": [{"title": "part A"}, {"title": "part B"}]}'))
            result = "resolved"
        except psycopg.errors.ObjectNotInPrerequisiteState:
            result = "refused"
        with lock:
            outcomes.append(result)

    assert together(4, decide) == []
    assert sorted(outcomes) == ["refused", "refused", "refused", "resolved"]
    assert scalar(conn, "SELECT count(*) FROM work_orders WHERE metadata ->> 'parent_work_order_id' = %s",
                  (wo_id,)) == 2


def test_concurrent_detectors_open_one_episode(conn: psycopg.Connection, db_url: str) -> None:
    for i in range(5):
        new_work_order(conn, f"stuck {i}", "pending", 0)
    # One statement: every work order stalled at the same instant (ties in the detectors' order).
    conn.execute("UPDATE work_orders SET updated_at = now() - interval '3 hours'")
    barrier = threading.Barrier(3)
    opened: list[int] = []
    lock = threading.Lock()

    def detect(_index: int) -> None:
        with psycopg.connect(db_url, autocommit=True) as detector:
            barrier.wait()
            count = scalar(detector, "SELECT escalate_stuck_work_orders()")
        with lock:
            opened.append(count)

    assert in_threads(3, detect) == []
    assert sum(opened) == 5
    assert scalar(conn, "SELECT count(*) FROM escalations WHERE trigger_type = 'stuck_work_order'") == 5
    assert scalar(conn, "SELECT count(*) FROM alerts WHERE kind = 'work_order.stuck'") == 5


def test_the_runbooks_stuck_trigger_never_fires_and_detection_does(conn: psycopg.Connection) -> None:
    """Runbook 2.2's stuck_work_order_alert, installed as written (with a log table standing in for
    net.http_post): time passing fires nothing, an ordinary update fires nothing; the scheduled
    detection finds the work order."""
    conn.execute("CREATE TABLE runbook_trigger_log (work_order_id uuid, at timestamptz DEFAULT now())")
    conn.execute("""
        CREATE FUNCTION notify_stuck_work_orders() RETURNS trigger AS $$
        BEGIN
          INSERT INTO runbook_trigger_log (work_order_id) VALUES (NEW.id);
          RETURN NEW;
        END;
        $$ LANGUAGE plpgsql""")
    conn.execute("""
        CREATE TRIGGER stuck_work_order_alert
        AFTER UPDATE ON work_orders
        FOR EACH ROW
        WHEN (NEW.updated_at < NOW() - INTERVAL '24 hours')
        EXECUTE FUNCTION notify_stuck_work_orders()""")
    wo_id = scalar(conn, "INSERT INTO work_orders (title, status) VALUES ('silent', 'in_progress') RETURNING id::text")
    # Thirty hours pass without anyone writing the row (simulated without firing triggers).
    with conn.transaction():
        conn.execute("SET LOCAL session_replication_role = replica")
        conn.execute("UPDATE work_orders SET updated_at = now() - interval '30 hours' WHERE id = %s", (wo_id,))
    assert scalar(conn, "SELECT count(*) FROM runbook_trigger_log") == 0, "no write, no trigger"
    assert scalar(conn, "SELECT count(*) FROM stuck_work_orders") == 1
    assert scalar(conn, "SELECT escalate_stuck_work_orders()") == 1
    # An ordinary write stamps updated_at = now(), so the WHEN is false exactly when it runs.
    conn.execute("UPDATE work_orders SET description = 'still working' WHERE id = %s", (wo_id,))
    assert scalar(conn, "SELECT count(*) FROM runbook_trigger_log") == 0
