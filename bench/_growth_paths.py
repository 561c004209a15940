"""The write paths bench.growth times and how it seeds the data behind them.

Each group has its own scratch database. `grow(conn, have, want)` brings the data behind the
paths from `have` to `want` rows set-based (INSERT ... SELECT generate_series, triggers on where
they are cheap in bulk; where a bulk load runs with triggers off, their effects are written in
the same step), and each call prepares its arguments untimed and returns the one statement to
time. The budget paths use only the public API (check_and_reserve_budget, settle_reservation,
release_reservation) for seeding and calls, so they keep working whatever the engine inside.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg

Statement = tuple[str, tuple[Any, ...]]
Call = Callable[[psycopg.Connection, dict[str, Any]], Statement]

STORM = "00000000-0000-0000-0000-0000000057a1"
ESCALATED = "00000000-0000-0000-0000-0000000e5ca1"
MOVING = "00000000-0000-0000-0000-00000000a0ed"
CHUNK = 5_000  # rows per statement where a row trigger updates one hot row (budget ledger)


@dataclass
class Group:
    name: str
    behind: str  # what the size counts
    setup: Callable[[psycopg.Connection], None]
    grow: Callable[[psycopg.Connection, int, int], None]
    calls: dict[str, Call] = field(default_factory=dict)
    tables: tuple[str, ...] = ()


def _value(conn: psycopg.Connection, query: str, params: tuple[Any, ...] = ()) -> Any:
    row = conn.execute(query.encode(), params).fetchone()
    assert row is not None
    return row[0]


# --- outcome vectors: one work order in a retry storm ------------------------------------------

def _outcomes_setup(conn: psycopg.Connection) -> None:
    conn.execute("INSERT INTO public.work_orders (id, title, status) VALUES (%s, 'retry storm', 'in_progress')",
                 (STORM,))


def _outcomes_grow(conn: psycopg.Connection, have: int, want: int) -> None:
    # Bulk load with triggers off, then their effects: refinement_attempts and the running figures.
    with conn.transaction():
        conn.execute("SET LOCAL session_replication_role = replica")
        conn.execute("""
            INSERT INTO public.outcome_vectors
                   (work_order_id, model_used, cost, success, execution_time_ms, created_at, metadata)
            SELECT %s, 'gpt-4o-mini', 0.002, g %% 10 <> 0, 1000, now() - interval '80 days' + g * interval '1 second',
                   CASE WHEN g %% 10 = 0 THEN '{"error_message": "tests failed"}'::jsonb ELSE '{}'::jsonb END
            FROM generate_series(%s::int, %s::int) AS g""", (STORM, have + 1, want))
        conn.execute("""
            UPDATE public.work_orders SET refinement_attempts = refinement_attempts + %s WHERE id = %s""",
                     (want // 10 - have // 10, STORM))
        if _value(conn, "SELECT to_regclass('private.work_order_outcome_totals') IS NOT NULL"):
            conn.execute("""
                INSERT INTO private.work_order_outcome_totals AS t (work_order_id, outcomes, failures, cost)
                SELECT work_order_id, count(*), count(*) FILTER (WHERE NOT success), sum(cost)
                FROM public.outcome_vectors WHERE work_order_id = %s GROUP BY 1
                ON CONFLICT (work_order_id) DO UPDATE
                SET outcomes = EXCLUDED.outcomes, failures = EXCLUDED.failures, cost = EXCLUDED.cost""", (STORM,))
    if have == 0:  # the storm's escalation opens and blocks the work order, as the trigger would
        conn.execute("INSERT INTO public.outcome_vectors (work_order_id, model_used, cost, success) "
                     "VALUES (%s, 'gpt-4o-mini', 0.002, false)", (STORM,))


def _record(success: bool) -> Call:
    def call(_conn: psycopg.Connection, _state: dict[str, Any]) -> Statement:
        return ("SELECT public.record_outcome(%s, 'gpt-4o-mini', 0.002, %s, 1000, NULL, %s::jsonb)",
                (STORM, success, '{}' if success else '{"error_message": "tests failed"}'))
    return call


def _insert(success: bool) -> Call:
    def call(_conn: psycopg.Connection, _state: dict[str, Any]) -> Statement:
        return ("INSERT INTO public.outcome_vectors (work_order_id, model_used, cost, success) "
                "VALUES (%s, 'gpt-4o-mini', 0.002, %s)", (STORM, success))
    return call


OUTCOMES = Group(
    "outcome vectors", "outcome vectors of one work order (10 % failed, retry_exhausted open)",
    _outcomes_setup, _outcomes_grow,
    {"record_outcome, failed": _record(False), "record_outcome, success": _record(True),
     "INSERT outcome_vectors, failed": _insert(False), "INSERT outcome_vectors, success": _insert(True)},
    ("outcome_vectors", "work_orders"))


# --- budget: today's settled reservations and cost rows -----------------------------------------

def _budget_grow(conn: psycopg.Connection, have: int, want: int) -> None:
    for start in range(have + 1, want + 1, CHUNK):
        end = min(want, start + CHUNK - 1)
        conn.execute("""
            SELECT public.settle_reservation(
                       (public.check_and_reserve_budget(0.000001, 'anthropic') ->> 'reservationId')::uuid, 0.000001)
            FROM generate_series(%s::int, %s::int)""", (start, end))


def _reserve_id(conn: psycopg.Connection) -> str:
    return str(_value(conn, "SELECT public.check_and_reserve_budget(0.000001, 'anthropic') ->> 'reservationId'"))


def _reserve_only(_conn: psycopg.Connection, _state: dict[str, Any]) -> Statement:
    return ("SELECT public.check_and_reserve_budget(0.000001, 'anthropic')", ())


def _settle(conn: psycopg.Connection, _state: dict[str, Any]) -> Statement:
    return ("SELECT public.settle_reservation(%s, 0.000001)", (_reserve_id(conn),))


def _release(conn: psycopg.Connection, _state: dict[str, Any]) -> Statement:
    return ("SELECT public.release_reservation(%s)", (_reserve_id(conn),))


def _cost_row(_conn: psycopg.Connection, _state: dict[str, Any]) -> Statement:
    return ("INSERT INTO public.cost_tracking (service_name, cost) VALUES ('anthropic', 0.000001)", ())


BUDGET = Group(
    "budget", "today's reservations, each settled (a cost_tracking row each)",
    lambda _conn: None, _budget_grow,
    {"INSERT cost_tracking": _cost_row, "check_and_reserve_budget": _reserve_only,
     "settle_reservation": _settle, "release_reservation": _release},
    ("budget_reservations", "cost_tracking"))


# --- escalations: one work order with many past decisions ---------------------------------------

def _escalations_setup(conn: psycopg.Connection) -> None:
    conn.execute("INSERT INTO public.work_orders (id, title, status) VALUES (%s, 'often escalated', 'in_progress')",
                 (ESCALATED,))
    conn.execute("INSERT INTO public.outcome_vectors (work_order_id, model_used, cost, success) "
                 "VALUES (%s, 'gpt-4o-mini', 0.02, true)", (ESCALATED,))


def _escalations_grow(conn: psycopg.Connection, have: int, want: int) -> None:
    conn.execute("""
        INSERT INTO public.escalations (work_order_id, trigger_type, status, priority, sla_due_at, created_at,
                                        resolved_at, resolved_by, decision_option, decision_effect, context)
        SELECT %s, 'retry_exhausted', 'resolved', 'medium', now() - g * interval '1 minute' + interval '2 hours',
               now() - g * interval '1 minute', now() - g * interval '1 minute' + interval '10 seconds', 'bench',
               (ARRAY['retry_stronger_model', 'pivot_solution'])[1 + g %% 2], '{"action": "retry"}'::jsonb,
               '{"reason": "past"}'::jsonb
        FROM generate_series(%s::int, %s::int) AS g""", (ESCALATED, have + 1, want))


def _escalate(conn: psycopg.Connection, _state: dict[str, Any]) -> Statement:
    conn.execute("""UPDATE public.escalations SET status = 'dismissed', resolved_at = now(), resolved_by = 'bench'
                    WHERE work_order_id = %s AND status IN ('pending', 'acknowledged')""", (ESCALATED,))
    return ("SELECT public.create_escalation(%s, 'retry_exhausted', '{\"reason\": \"bench\"}')", (ESCALATED,))


ESCALATIONS = Group(
    "escalations", "past resolved escalations of the work order", _escalations_setup, _escalations_grow,
    {"create_escalation": _escalate}, ("escalations",))


# --- alerts: many past alerts and their deliveries ----------------------------------------------

def _alerts_setup(conn: psycopg.Connection) -> None:
    conn.execute("DELETE FROM public.alert_channels")
    conn.execute("SELECT public.add_alert_channel('ops', 'webhook', 'http://127.0.0.1:9/hook')")
    conn.execute("SELECT public.add_alert_channel('pager', 'webhook', 'http://127.0.0.1:9/page', 'error')")


def _alerts_grow(conn: psycopg.Connection, have: int, want: int) -> None:
    # The fan-out trigger writes each alert's deliveries; then they are marked delivered.
    conn.execute("""
        INSERT INTO public.alerts (severity, kind, title, dedupe_key, created_at, last_raised_at)
        SELECT (ARRAY['warning', 'error'])[1 + g %% 2], 'bench.past', 'past ' || g, 'cond:' || (g %% 100),
               now() - interval '2 hours' - g * interval '10 seconds',
               now() - interval '2 hours' - g * interval '10 seconds'
        FROM generate_series(%s::int, %s::int) AS g""", (have + 1, want))
    conn.execute("""UPDATE public.alert_deliveries SET status = 'delivered', attempts = 1, delivered_at = now(),
                           first_attempt_at = now(), last_attempt_at = now()
                    WHERE status = 'pending'""")


def _alert(repeat: bool) -> Call:
    def call(_conn: psycopg.Connection, state: dict[str, Any]) -> Statement:
        state["n"] = state.get("n", 0) + 1
        key = "cond:7" if repeat else f"fresh:{state['n']}"
        return ("SELECT public.raise_alert('error', 'bench.now', 'bench', 'body', %s)", (key,))
    return call


ALERTS = Group(
    "alerts", "past alerts (two deliveries each for errors, one for warnings)", _alerts_setup, _alerts_grow,
    {"raise_alert, new key": _alert(False), "raise_alert, repeated key": _alert(True)},
    ("alerts", "alert_deliveries"))


# --- a work order's status history ---------------------------------------------------------------

def _history_setup(conn: psycopg.Connection) -> None:
    conn.execute("INSERT INTO public.work_orders (id, title, status) VALUES (%s, 'long history', 'in_progress')",
                 (MOVING,))


def _history_grow(conn: psycopg.Connection, have: int, want: int) -> None:
    conn.execute("""
        INSERT INTO public.work_order_history (work_order_id, from_status, to_status, actor, reason, at)
        SELECT %s, CASE WHEN g %% 2 = 0 THEN 'in_progress' ELSE 'paused' END,
               CASE WHEN g %% 2 = 0 THEN 'paused' ELSE 'in_progress' END, 'bench', 'past',
               now() - g * interval '1 minute'
        FROM generate_series(%s::int, %s::int) AS g""", (MOVING, have + 1, want))


def _move(conn: psycopg.Connection, _state: dict[str, Any]) -> Statement:
    status = _value(conn, "SELECT status FROM public.work_orders WHERE id = %s", (MOVING,))
    target = "paused" if status == "in_progress" else "in_progress"
    return ("SELECT public.set_work_order_status(%s, %s, 'bench')", (MOVING, target))


HISTORY = Group(
    "status history", "history rows of the work order", _history_setup, _history_grow,
    {"set_work_order_status": _move}, ("work_order_history",))


# --- stuck detection with many open episodes -----------------------------------------------------

def _stuck_grow(conn: psycopg.Connection, have: int, want: int) -> None:
    # Stuck work orders whose episode is already recorded (escalated on an earlier run).
    conn.execute("""
        INSERT INTO public.work_orders (id, title, status, created_at, updated_at, status_changed_at)
        SELECT md5('stuck' || g)::uuid, 'stuck ' || g, 'pending', now() - interval '3 days',
               now() - interval '3 days' + g * interval '1 millisecond', now() - interval '3 days'
        FROM generate_series(%s::int, %s::int) AS g""", (have + 1, want))
    conn.execute("""
        INSERT INTO public.work_order_stuck_episodes (work_order_id, status, since, stuck_for)
        SELECT w.id, w.status, w.updated_at, now() - w.updated_at
        FROM public.work_orders AS w
        WHERE w.title LIKE 'stuck %%' AND NOT EXISTS (SELECT 1 FROM public.work_order_stuck_episodes AS e
                                                      WHERE e.work_order_id = w.id)""")


def _detect(conn: psycopg.Connection, state: dict[str, Any]) -> Statement:
    state["n"] = state.get("n", 0) + 1
    conn.execute("""INSERT INTO public.work_orders (id, title, status, updated_at)
                    VALUES (gen_random_uuid(), 'newly stuck', 'pending', now() - interval '3 days')""")
    return ("SELECT public.escalate_stuck_work_orders()", ())


STUCK = Group(
    "stuck detection", "stuck work orders with an open episode", lambda _conn: None, _stuck_grow,
    {"escalate_stuck_work_orders (1 new of N)": _detect}, ("work_orders", "work_order_stuck_episodes"))



def _moved_on_grow(conn: psycopg.Connection, have: int, want: int) -> None:
    # Work orders that were stuck once, escalated, and have since completed: past episodes.
    conn.execute("""
        INSERT INTO public.work_orders (id, title, status, created_at, updated_at, status_changed_at)
        SELECT md5('done' || g)::uuid, 'done ' || g, 'completed', now() - interval '3 days', now() - interval '1 day',
               now() - interval '1 day'
        FROM generate_series(%s::int, %s::int) AS g""", (have + 1, want))
    conn.execute("""
        INSERT INTO public.work_order_stuck_episodes (work_order_id, status, since, stuck_for)
        SELECT w.id, 'in_progress', w.created_at, interval '30 hours'
        FROM public.work_orders AS w
        WHERE w.title LIKE 'done %%' AND NOT EXISTS (SELECT 1 FROM public.work_order_stuck_episodes AS e
                                                     WHERE e.work_order_id = w.id)""")


MOVED_ON = Group(
    "stuck detection, past episodes", "work orders with a past (closed) stuck episode", lambda _conn: None,
    _moved_on_grow, {"escalate_stuck_work_orders (1 new, N past)": _detect},
    ("work_orders", "work_order_stuck_episodes"))


# --- reads: the Prometheus scrape and system_health() over a growing history ------------------

def _reads_setup(conn: psycopg.Connection) -> None:
    # What is open now stays the same at every size: 40 active work orders, 5 open escalations.
    conn.execute("SELECT public.add_alert_channel('ops', 'webhook', 'http://127.0.0.1:9/hook')")
    conn.execute("""INSERT INTO public.work_orders (title, status)
                    SELECT 'active ' || g, (ARRAY['pending', 'in_progress'])[1 + g % 2]
                    FROM generate_series(1, 40) AS g""")
    conn.execute("""SELECT public.create_escalation(w.id, 'test_failures', '{}')
                    FROM public.work_orders AS w WHERE w.title LIKE 'active %' LIMIT 5""")


def _reads_grow(conn: psycopg.Connection, have: int, want: int) -> None:
    """History: finished work orders with 10 outcome vectors each over 90 days (5 % failed), one
    delivered alert per 10 work orders, one job run per 10 (each 20th failed). Bulk-loaded with
    triggers off, then what the triggers would have written (the running counts), and the hourly
    roll-up as the scheduler runs it."""
    rows, tenths = (have + 1, want), (have // 10 + 1, want // 10)
    statuses = "(ARRAY['completed', 'completed', 'failed', 'cancelled'])[1 + g %% 4]"
    with conn.transaction():
        conn.execute("SET LOCAL session_replication_role = replica")
        conn.execute(f"""
            INSERT INTO public.work_orders (id, title, status, created_at, updated_at, status_changed_at)
            SELECT md5('read' || g)::uuid, 'done ' || g, {statuses},
                   now() - interval '90 days' + g * interval '1 second', now() - interval '1 day',
                   now() - interval '1 day'
            FROM generate_series(%s::int, %s::int) AS g""", rows)
        conn.execute("""
            INSERT INTO public.outcome_vectors (work_order_id, model_used, cost, success, execution_time_ms, created_at)
            SELECT md5('read' || g)::uuid, 'gpt-4o-mini', 0.002, (g * 10 + v) %% 20 <> 0, 1000,
                   now() - interval '90 days' + ((g * 10 + v) %% 7776000) * interval '1 second'
            FROM generate_series(%s::int, %s::int) AS g, generate_series(1, 10) AS v""", rows)
        conn.execute("""
            INSERT INTO private.work_order_outcome_totals (work_order_id, outcomes, failures, cost)
            SELECT md5('read' || g)::uuid, 10, 0, 0.02 FROM generate_series(%s::int, %s::int) AS g""", rows)
        conn.execute(f"""
            INSERT INTO private.ops_counts (metric, label_1, value)
            SELECT 'work_orders', {statuses}, count(*) FROM generate_series(%s::int, %s::int) AS g GROUP BY 2""", rows)
        channel = _value(conn, "SELECT id FROM public.alert_channels WHERE name = 'ops'")
        conn.execute("""
            WITH a AS (
                INSERT INTO public.alerts (severity, kind, title, dedupe_key, created_at, last_raised_at)
                SELECT 'error', 'bench.read', 'past ' || g, 'read-' || g, now() - interval '20 days',
                       now() - interval '20 days'
                FROM generate_series(%s::int, %s::int) AS g RETURNING id)
            INSERT INTO public.alert_deliveries (alert_id, channel_id, status, attempts, delivered_at, created_at)
            SELECT a.id, %s, 'delivered', 1, now() - interval '20 days', now() - interval '20 days' FROM a""",
                     (*tenths, channel))
        conn.execute("""INSERT INTO private.ops_counts (metric, label_1, label_2, value)
                        VALUES ('alert_deliveries', %s, 'delivered', %s)""", (str(channel), want // 10 - have // 10))
        conn.execute("""
            INSERT INTO public.job_runs (job_name, holder, scheduled_for, started_at, finished_at, outcome)
            SELECT 'health_check', 'bench', now() - g * interval '5 minutes', now() - g * interval '5 minutes',
                   now() - g * interval '5 minutes' + interval '1 second',
                   CASE WHEN g %% 20 = 0 THEN 'failed' ELSE 'succeeded' END
            FROM generate_series(%s::int, %s::int) AS g""", tenths)
    conn.execute("SELECT public.rollup_outcome_hours(25)")


READS = Group(
    "reads", "finished work orders (10 outcome vectors each, 1 alert and 1 job run per 10)", _reads_setup, _reads_grow,
    {"system_health()": lambda _conn, _state: ("SELECT public.system_health()", ()),
     "ops_metrics() (the scrape)": lambda _conn, _state: ("SELECT count(*) FROM public.ops_metrics()", ())},
    ("work_orders", "outcome_vectors", "alert_deliveries", "job_runs"))

GROUPS = (OUTCOMES, BUDGET, ESCALATIONS, ALERTS, HISTORY, STUCK, MOVED_ON, READS)
