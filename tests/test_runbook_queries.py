"""Every SQL query of the runbook's sections 1.3, 1.4, 2.2, 3.1, 4.1, 4.2, 4.3, 4.4, 5.1 and 6.2,
copied as written, run against the schema with seeded rows. The ones that are wrong as written
are shown failing (or doing nothing) as docs/RUNBOOK-SQL-NOTES.md explains, next to the
corrected statement that the notes recommend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import psycopg
import pytest
from runbook_sql import (
    FIX_5_1_ESCALATE,
    FIX_5_1_PAUSE,
    Q_1_3_TOP_COST,
    Q_1_4_ERROR_PATTERNS,
    Q_1_4_STUCK,
    Q_2_2_STUCK_TRIGGER,
    Q_3_1_AIDER,
    Q_3_1_CONTRACT,
    Q_3_1_CONTRACT_VALIDATION,
    Q_3_1_ERROR_DETAILS,
    Q_3_1_REFINEMENT_HISTORY,
    Q_3_1_TOP_CONTRIBUTORS,
    Q_4_1_EXPLAIN,
    Q_4_1_TABLE_SIZES,
    Q_4_2_DAILY,
    Q_4_2_DELETE_DUPLICATES,
    Q_4_2_DUPLICATES,
    Q_4_3_LAST_POLL,
    Q_4_3_ORCHESTRATOR,
    Q_4_4_PENDING_ESCALATIONS,
    Q_5_1_COST_SPIKE,
    Q_5_1_ESCALATE,
    Q_5_1_PAUSE,
    Q_5_1_RETRY_STORMS,
    Q_5_1_STOP_LLM,
    Q_6_2_RETENTION,
    Q_6_2_VACUUM,
    with_id,
)

# -- seeded rows -------------------------------------------------------------------------------------

@dataclass
class Seed:
    stuck_pending: str
    stuck_in_progress: str
    fresh_pending: str
    approved: str
    completed: str
    stormy: str
    contract: str


def ids(conn: psycopg.Connection, sql: str, *params: object) -> list[str]:
    return [str(row[0]) for row in conn.execute(sql, params).fetchall()]


@pytest.fixture
def seed(conn: psycopg.Connection) -> Seed:
    """Work orders in every interesting state; attempts and spend today, yesterday, 8 and 91 days
    ago (times relative to CURRENT_DATE, so a run just after midnight holds too)."""
    conn.execute("SET TIME ZONE 'UTC'")

    last_touched: dict[str, str] = {}

    def work_order(title: str, status: str, updated_ago: str, metadata: str = "{}") -> str:
        work_order_id = ids(conn, "INSERT INTO work_orders (title, status, metadata, created_at) "
                                  "VALUES (%s, %s, %s::jsonb, now() - %s::interval - interval '1 hour') RETURNING id",
                            title, status, metadata, updated_ago)[0]
        last_touched[work_order_id] = updated_ago
        return work_order_id

    seed = Seed(
        stuck_pending=work_order("stuck pending", "pending", "30 hours",
                                 '{"orchestrator_status": "polling", "last_polled_at": "2026-11-25T10:00:00Z"}'),
        stuck_in_progress=work_order("stuck in progress", "in_progress", "25 hours",
                                     '{"aider_output": "CONFLICT (content): Merge conflict in src/app.ts"}'),
        fresh_pending=work_order("fresh pending", "pending", "1 hour"),
        approved=work_order("approved", "approved", "2 hours"),
        completed=work_order("completed long ago", "completed", "48 hours"),
        stormy=work_order("retry storm", "in_progress", "10 minutes"),
        contract=ids(conn, "INSERT INTO contracts (name, version, specification) VALUES "
                           "('billing-api', '2.1.0', '{\"openapi\": \"3.1.0\"}') RETURNING id")[0],
    )
    today = "CURRENT_DATE + interval '1 minute'"
    attempts = [
        (seed.stuck_pending, "gpt-4o-mini", "1.50", True, '{"refinement_metadata": {"cycle": 1}}', f"{today}"),
        (seed.stuck_pending, "claude-sonnet-4.5", "3.00", False,
         '{"error_message": "timeout", "refinement_metadata": {"cycle": 2}, "error_details": {"stage": "tests"}}',
         f"{today} + interval '1 minute'"),
        (seed.stuck_in_progress, "gpt-4o-mini", "0.25", False,
         '{"error_message": "timeout", "contract_validation": {"breaking": ["GET /invoices"]}}', f"{today}"),
        (seed.stuck_in_progress, "gpt-4o-mini", "0.75", False, '{"error_message": "syntax error"}', f"{today}"),
        (seed.fresh_pending, "gpt-4o-mini", "40.00", True, "{}", "CURRENT_DATE - interval '1 hour'"),
        (seed.completed, "gpt-4o-mini", "9.00", True, "{}", "now() - interval '91 days'"),
        (seed.completed, "gpt-4o-mini", "8.00", True, "{}", "now() - interval '89 days'"),
    ]
    for work_order_id, model, cost, success, metadata, created in attempts:
        conn.execute(f"INSERT INTO outcome_vectors (work_order_id, model_used, cost, success, metadata, created_at) "
                     f"VALUES (%s, %s, %s, %s, %s::jsonb, {created})", (work_order_id, model, cost, success, metadata))
    conn.execute("INSERT INTO outcome_vectors (work_order_id, model_used, cost, success, created_at) "
                 "SELECT %s, 'gpt-4o-mini', 0.10, true, CURRENT_DATE + n * interval '1 second' "
                 "FROM generate_series(1, 11) AS n", (seed.stormy,))

    # Spend: 12 identical openai calls today (two of them in the same instant), anthropic today,
    # openai yesterday and 8 days ago.
    conn.execute("INSERT INTO cost_tracking (service_name, cost, created_at) "
                 "SELECT 'openai', 0.50, CURRENT_DATE + (n % 11) * interval '1 second' "
                 "FROM generate_series(0, 11) AS n")
    conn.execute("INSERT INTO cost_tracking (service_name, cost, created_at) VALUES "
                 "('anthropic', 2.00, CURRENT_DATE + interval '5 minutes'), "
                 "('openai', 5.00, CURRENT_DATE - interval '1 hour'), "
                 "('openai', 7.00, CURRENT_DATE - interval '8 days')")

    # Last, so that nothing recorded above (an attempt counter, say) touches them again.
    for work_order_id, updated_ago in last_touched.items():
        conn.execute("UPDATE work_orders SET updated_at = now() - %s::interval WHERE id = %s",
                     (updated_ago, work_order_id))

    conn.execute("INSERT INTO escalations (work_order_id, trigger_type, status, created_at) VALUES "
                 "(%s, 'stuck_work_order', 'pending', now() - interval '2 hours'), "
                 "(%s, 'aider_failure', 'pending', now() - interval '1 hour'), "
                 "(%s, 'retry_exhausted', 'resolved', now() - interval '3 hours')",
                 (seed.stuck_pending, seed.stuck_in_progress, seed.stormy))
    return seed


def rows(conn: psycopg.Connection, sql: str) -> list[tuple]:
    return conn.execute(sql).fetchall()


# -- 1.3 and 1.4 ----------------------------------------------------------------------------------------

def test_1_3_top_cost_work_orders_today(conn: psycopg.Connection, seed: Seed) -> None:
    result = [(str(wo), total) for wo, total in rows(conn, Q_1_3_TOP_COST)]
    assert result == [(seed.stuck_pending, Decimal("4.500000")), (seed.stormy, Decimal("1.100000")),
                      (seed.stuck_in_progress, Decimal("1.000000"))]


def test_1_4_stuck_work_orders(conn: psycopg.Connection, seed: Seed) -> None:
    result = rows(conn, Q_1_4_STUCK)
    assert [(str(r[0]), r[1], r[2]) for r in result] == [
        (seed.stuck_pending, "stuck pending", "pending"), (seed.stuck_in_progress, "stuck in progress", "in_progress")]
    assert [round(float(r[5])) for r in result] == [30, 25]


def test_1_4_error_patterns(conn: psycopg.Connection, seed: Seed) -> None:
    assert rows(conn, Q_1_4_ERROR_PATTERNS) == [("timeout", 2), ("syntax error", 1)]


# -- 2.2: the stuck trigger never fires for a row nobody updates ------------------------------------------

def test_2_2_stuck_trigger_never_fires_for_untouched_rows(conn: psycopg.Connection, seed: Seed) -> None:
    if rows(conn, "SELECT 1 FROM pg_extension WHERE extname = 'pg_net'"):
        # pg_net queues the request; its worker serves another database, so it is never sent.
        calls = "SELECT count(*) FROM net.http_request_queue WHERE url = 'https://api.sendgrid.com/v3/mail/send'"
    else:
        # No pg_net on this server: a stand-in net.http_post records what would have been sent.
        conn.execute("CREATE SCHEMA net")
        conn.execute("CREATE TABLE net.calls (body jsonb)")
        conn.execute("CREATE FUNCTION net.http_post(url text, headers jsonb, body jsonb) RETURNS bigint "
                     "LANGUAGE sql AS $$ INSERT INTO net.calls VALUES (body) RETURNING 1::bigint $$")
        calls = "SELECT count(*) FROM net.calls"
    conn.execute(Q_2_2_STUCK_TRIGGER)

    # Two work orders have been stuck for more than 24 hours, and nothing happens to them.
    assert len(rows(conn, Q_1_4_STUCK)) == 2
    assert rows(conn, calls) == [(0,)]
    # Someone updates one: updated_at becomes now() before the WHEN clause looks, so no alert either.
    conn.execute("UPDATE work_orders SET status = 'blocked' WHERE id = %s", (seed.stuck_pending,))
    assert rows(conn, calls) == [(0,)]
    # Only an UPDATE that itself backdates updated_at fires it: never in real operation.
    conn.execute("UPDATE work_orders SET updated_at = now() - interval '26 hours' WHERE id = %s",
                 (seed.stuck_in_progress,))
    assert rows(conn, calls) == [(1,)]


# -- 3.1 ------------------------------------------------------------------------------------------------

def test_3_1_retry_exhausted_investigation(conn: psycopg.Connection, seed: Seed) -> None:
    history = rows(conn, with_id(Q_3_1_REFINEMENT_HISTORY, "[work-order-id]", seed.stuck_pending))
    assert history == [({"cycle": 2},), ({"cycle": 1},)]
    errors = rows(conn, with_id(Q_3_1_ERROR_DETAILS, "[work-order-id]", seed.stuck_pending))
    assert errors == [({"stage": "tests"},)]


def test_3_1_budget_top_contributors(conn: psycopg.Connection, seed: Seed) -> None:
    result = [(str(r[0]), r[1], r[2], r[3]) for r in rows(conn, Q_3_1_TOP_CONTRIBUTORS)]
    assert result == [
        (seed.stuck_pending, "claude-sonnet-4.5", Decimal("3.000000"), 1),
        (seed.stuck_pending, "gpt-4o-mini", Decimal("1.500000"), 1),
        (seed.stormy, "gpt-4o-mini", Decimal("1.100000"), 11),
        (seed.stuck_in_progress, "gpt-4o-mini", Decimal("1.000000"), 2),
    ]


def test_3_1_contract_violation_investigation(conn: psycopg.Connection, seed: Seed) -> None:
    contract = conn.execute(with_id(Q_3_1_CONTRACT, "[contract-id]", seed.contract))
    columns = [c.name for c in contract.description]
    row = dict(zip(columns, contract.fetchone(), strict=True))
    assert (row["name"], row["version"], row["specification"]) == ("billing-api", "2.1.0", {"openapi": "3.1.0"})
    validation = rows(conn, with_id(Q_3_1_CONTRACT_VALIDATION, "[work-order-id]", seed.stuck_in_progress))
    assert sorted(validation, key=str) == [(None,), ({"breaking": ["GET /invoices"]},)]


def test_3_1_aider_failure_investigation(conn: psycopg.Connection, seed: Seed) -> None:
    assert rows(conn, with_id(Q_3_1_AIDER, "[work-order-id]", seed.stuck_in_progress)) == [
        ("CONFLICT (content): Merge conflict in src/app.ts",)]


def test_3_1_placeholders_as_written_are_refused(conn: psycopg.Connection, seed: Seed) -> None:
    # Run without filling '[work-order-id]' in, the id column's type stops it cleanly.
    with pytest.raises(psycopg.errors.InvalidTextRepresentation):
        conn.execute(Q_3_1_AIDER)


# -- 4.1 ------------------------------------------------------------------------------------------------

def test_4_1_index_is_used_for_pending_work_orders(conn: psycopg.Connection, seed: Seed) -> None:
    conn.execute("INSERT INTO work_orders (title, status) "
                 "SELECT 'done ' || n, 'completed' FROM generate_series(1, 5000) n")
    conn.execute("ANALYZE work_orders")
    plan = "\n".join(r[0] for r in rows(conn, Q_4_1_EXPLAIN))
    assert "Index" in plan and "work_orders_" in plan, plan
    assert "actual time" in plan
    stuck_plan = "\n".join(r[0] for r in rows(conn, "EXPLAIN " + Q_1_4_STUCK))
    # An index of work_orders (the partial one made for this query, or another): no full scan.
    assert "Index" in stuck_plan and "work_orders_" in stuck_plan, stuck_plan
    assert "Seq Scan" not in stuck_plan, stuck_plan


def test_4_1_table_sizes(conn: psycopg.Connection, seed: Seed) -> None:
    result = rows(conn, Q_4_1_TABLE_SIZES)
    tables = {r[1] for r in result}
    assert {"work_orders", "outcome_vectors", "cost_tracking", "escalations", "contracts", "system_config"} <= tables
    assert all(r[0] == "public" and r[2].endswith(("bytes", "kB", "MB")) for r in result)


# -- 4.2 ------------------------------------------------------------------------------------------------

def test_4_2_daily_cost_breakdown(conn: psycopg.Connection, seed: Seed) -> None:
    today, yesterday = rows(conn, "SELECT CURRENT_DATE, CURRENT_DATE - 1")[0]
    assert rows(conn, Q_4_2_DAILY) == [
        (today, "openai", Decimal("6.000000"), 12),
        (today, "anthropic", Decimal("2.000000"), 1),
        (yesterday, "openai", Decimal("5.000000"), 1),
    ]


def test_4_2_duplicate_check_and_cleanup(conn: psycopg.Connection, seed: Seed) -> None:
    assert rows(conn, Q_4_2_DUPLICATES) == [(Decimal("0.500000"), "openai", 12)]
    # The cleanup deletes rows that share cost, service and created_at: here the one pair
    # inserted in the same instant. (It would also delete real spend written in one transaction.)
    deleted = conn.execute(Q_4_2_DELETE_DUPLICATES).rowcount
    assert deleted == 1
    openai_today = "SELECT count(*) FROM cost_tracking WHERE service_name = 'openai' AND created_at >= CURRENT_DATE"
    assert rows(conn, openai_today) == [(11,)]
    assert rows(conn, Q_4_2_DUPLICATES) == [(Decimal("0.500000"), "openai", 11)]


# -- 4.3 and 4.4 ------------------------------------------------------------------------------------------

def test_4_3_orchestrator_status(conn: psycopg.Connection, seed: Seed) -> None:
    assert [str(r[0]) for r in rows(conn, Q_4_3_ORCHESTRATOR)] == [seed.stuck_pending]
    expected = rows(conn, f"SELECT updated_at FROM work_orders WHERE id = '{seed.stuck_pending}'")
    assert rows(conn, Q_4_3_LAST_POLL) == expected


def test_4_4_pending_escalations(conn: psycopg.Connection, seed: Seed) -> None:
    result = [(str(r[1]), r[2], r[3]) for r in rows(conn, Q_4_4_PENDING_ESCALATIONS)]
    assert result == [(seed.stuck_in_progress, "aider_failure", "pending"),
                      (seed.stuck_pending, "stuck_work_order", "pending")]
    # "Ensure escalations table has SELECT policy for authenticated users": it has.
    with conn.transaction():
        conn.execute("SELECT set_config('request.jwt.claims', %s, true)", ('{"sub": "dash", "role": "authenticated"}',))
        conn.execute("SET LOCAL ROLE authenticated")
        as_dashboard = [(str(r[1]), r[2], r[3]) for r in rows(conn, Q_4_4_PENDING_ESCALATIONS)]
    assert as_dashboard == result


# -- 5.1 ------------------------------------------------------------------------------------------------

def test_5_1_stop_llm_operations_works_and_is_audited(conn: psycopg.Connection, seed: Seed) -> None:
    assert conn.execute(Q_5_1_STOP_LLM).rowcount == 1
    assert rows(conn, "SELECT value FROM system_config WHERE key = 'daily_budget_limit'") == [(0,)]
    last_audit = "SELECT actor, details FROM audit_log WHERE target = 'daily_budget_limit' ORDER BY id DESC LIMIT 1"
    assert rows(conn, last_audit) == [("postgres", {"old": 100, "new": 0})]


def test_5_1_pause_as_written_fails_and_pauses_nothing(conn: psycopg.Connection, seed: Seed) -> None:
    # The text concatenation is parsed as jsonb || '<half a JSON document>': invalid JSON.
    with pytest.raises(psycopg.errors.InvalidTextRepresentation, match="invalid input syntax for type json"):
        conn.execute(Q_5_1_PAUSE)
    assert rows(conn, "SELECT count(*) FROM work_orders WHERE status = 'paused'") == [(0,)]


def test_5_1_pause_corrected(conn: psycopg.Connection, seed: Seed) -> None:
    assert conn.execute(FIX_5_1_PAUSE).rowcount == 3
    paused = rows(conn, "SELECT id, metadata FROM work_orders WHERE status = 'paused' ORDER BY title")
    assert sorted(str(r[0]) for r in paused) == sorted([seed.stuck_pending, seed.fresh_pending, seed.approved])
    assert all(r[1]["emergency_pause"] is True and "paused_at" in r[1] for r in paused)
    assert paused[-1][1]["orchestrator_status"] == "polling", "existing metadata is kept"


def test_5_1_escalation_as_written_fails(conn: psycopg.Connection, seed: Seed) -> None:
    # text built by || is not jsonb: refused before anything is written.
    with pytest.raises(psycopg.errors.DatatypeMismatch, match='column "context" is of type jsonb'):
        conn.execute(Q_5_1_ESCALATE)
    assert rows(conn, "SELECT count(*) FROM escalations WHERE trigger_type = 'budget_critical'") == [(0,)]


def test_5_1_escalation_corrected(conn: psycopg.Connection, seed: Seed) -> None:
    escalation_id = rows(conn, FIX_5_1_ESCALATE)[0][0]
    again = rows(conn, FIX_5_1_ESCALATE)[0][0]
    assert escalation_id == again, "a second run returns the open escalation"
    escalation = f"SELECT priority, context, sla_due_at - created_at FROM escalations WHERE id = '{escalation_id}'"
    assert rows(conn, escalation) == [("high", {"daily_total": 8.0, "limit": 100}, timedelta(minutes=30))]


def test_5_1_investigation_queries(conn: psycopg.Connection, seed: Seed) -> None:
    spike = rows(conn, Q_5_1_COST_SPIKE)
    assert [(str(r[0]), r[1], r[2], r[3]) for r in spike] == [
        (seed.stuck_pending, "claude-sonnet-4.5", Decimal("3.000000"), 1),
        (seed.stuck_pending, "gpt-4o-mini", Decimal("1.500000"), 1),
        (seed.stormy, "gpt-4o-mini", Decimal("1.100000"), 11),
        (seed.stuck_in_progress, "gpt-4o-mini", Decimal("1.000000"), 2),
    ]
    storms = rows(conn, Q_5_1_RETRY_STORMS)
    assert [(str(r[0]), r[1]) for r in storms] == [(seed.stormy, 11)]
    assert storms[0][2] == sorted(storms[0][2]) and len(storms[0][2]) == 11


# -- 6.2 ------------------------------------------------------------------------------------------------

def test_6_2_retention_and_vacuum(conn: psycopg.Connection, seed: Seed) -> None:
    assert conn.execute(Q_6_2_RETENTION).rowcount == 1
    assert rows(conn, "SELECT cost FROM outcome_vectors WHERE created_at < now() - interval '88 days'") == \
        [(Decimal("8.000000"),)]
    conn.execute(Q_6_2_VACUUM)  # needs autocommit, as psql gives it
    assert rows(conn, "SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'outcome_vectors'") \
        == [(True,)]
