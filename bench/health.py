"""system_health() at scale: builds a scratch database with 1M work orders and 10M outcome
vectors (90 days of history, 5 % failures), then times system_health() against a baseline
measured in the same run: the straightforward health query a dashboard would send (the runbook's
stuck query, pending escalations, error rate as one count over the last 24 h, today's spend).

Run: `.venv/bin/python -m bench.health` (the embedded cluster must be up; MOOSE_DATABASE_URL
points elsewhere). The default scale, 0.1 (100,000 work orders, 1,000,000 outcome vectors: about
ten outcome vectors and half a failure per work order), builds in seconds; `--scale 1` (or
MOOSE_BENCH_SCALE=1) is the full size docs/performance/health.md records; `--keep` (or
MOOSE_BENCH_KEEP=1) keeps the scratch database (moose_bench_health) for EXPLAIN sessions. The
bulk load runs with triggers off and then writes what the triggers would have: each work
order's running figures (outcome count, failures, cost) and refinement attempts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

import psycopg
from psycopg import sql

from bench._server import server_url
from runner.db import connect, with_database
from runner.migrations import migrate

DBNAME = "moose_bench_health"
WORK_ORDERS = 1_000_000
OUTCOME_VECTORS = 10_000_000
BATCH = 1_000_000
RUNS = 30

BASELINE_SQL = """
SELECT
  (SELECT count(*) FROM work_orders
    WHERE status IN ('pending', 'in_progress') AND updated_at < now() - interval '24 hours') AS stuck,
  (SELECT count(*) FROM escalations WHERE status = 'pending') AS pending_escalations,
  (SELECT count(*) FILTER (WHERE NOT success)::numeric / nullif(count(*), 0)
     FROM outcome_vectors WHERE created_at >= now() - interval '24 hours') AS error_rate,
  (SELECT sum(cost) FROM cost_tracking WHERE created_at >= CURRENT_DATE) AS spend_today
"""

EXPLAINED = {
    "stuck candidates (pending branch)":
        "SELECT id FROM work_orders WHERE status = 'pending' AND updated_at < now() - interval '2 hours'",
    "failures in 24 h (partial index)":
        "SELECT count(*) FROM outcome_vectors WHERE created_at >= now() - interval '24 hours' AND NOT success",
    "attempts in 24 h (index-only)":
        "SELECT count(*) FROM outcome_vectors WHERE created_at >= now() - interval '24 hours'",
    "error rate as system_health reads it (rollup + raw edges)":
        "SELECT * FROM private.outcome_counts(now() - interval '24 hours', 'infinity')",
    "baseline error rate (one count)":
        "SELECT count(*) FILTER (WHERE NOT success) FROM outcome_vectors "
        "WHERE created_at >= now() - interval '24 hours'",
}


def step(label: str, action: Callable[[], object]) -> None:
    started = time.perf_counter()
    action()
    print(f"  {label}: {time.perf_counter() - started:.1f} s", flush=True)


def build(conn: psycopg.Connection, scale: float) -> None:
    work_orders = max(int(WORK_ORDERS * scale), 1000)
    vectors = max(int(OUTCOME_VECTORS * scale), 10_000)
    conn.execute("SET session_replication_role = replica")  # bulk load: no triggers, no FK checks
    conn.execute("SET synchronous_commit = off")
    conn.execute("SET maintenance_work_mem = '256MB'")
    # Secondary indexes are dropped for the load and rebuilt afterwards with the same definitions.
    indexes = conn.execute("""
        SELECT indexname, indexdef FROM pg_indexes
        WHERE schemaname = 'public' AND tablename IN ('work_orders', 'outcome_vectors')
          AND indexname NOT LIKE '%_pkey'""").fetchall()
    for name, _definition in indexes:
        conn.execute(sql.SQL("DROP INDEX public.{}").format(sql.Identifier(name)))

    # Work orders: 97 % finished; 0.5 % pending touched within 2.5 h, 0.3 % in progress touched
    # within 30 h, so about a fifth of each is stuck (~1,600 at full scale: a bad day).
    step(f"{work_orders:,} work orders", lambda: conn.execute("""
        INSERT INTO work_orders (id, title, status, priority, updated_at, created_at, status_changed_at)
        SELECT md5(i::text)::uuid, 'work order ' || i,
               CASE WHEN i %% 1000 < 5 THEN 'pending' WHEN i %% 1000 < 8 THEN 'in_progress'
                    WHEN i %% 1000 < 10 THEN 'paused' WHEN i %% 1000 < 30 THEN 'failed'
                    WHEN i %% 1000 < 40 THEN 'cancelled' ELSE 'completed' END,
               (ARRAY['low', 'medium', 'high', 'critical'])[1 + i %% 4],
               CASE WHEN i %% 1000 < 5 THEN now() - random() * interval '150 minutes'
                    WHEN i %% 1000 < 8 THEN now() - random() * interval '30 hours'
                    ELSE now() - random() * interval '90 days' END,
               now() - interval '91 days', now() - interval '91 days'
        FROM generate_series(1, %s) AS i""", (work_orders,)))

    # Outcome vectors: uniform over 90 days, 5 % failures.
    done = 0
    while done < vectors:
        size = min(BATCH, vectors - done)
        step(f"outcome vectors {done + size:,}/{vectors:,}", lambda size=size, done=done: conn.execute("""
            INSERT INTO outcome_vectors
                   (work_order_id, model_used, cost, success, execution_time_ms, created_at, metadata)
            SELECT md5((1 + (j::bigint * 7919) %% %s)::text)::uuid,
                   CASE WHEN j %% 3 = 0 THEN 'claude-sonnet-4.5' ELSE 'gpt-4o-mini' END,
                   round((random() * 0.2)::numeric, 6), j %% 20 <> 0, (random() * 60000)::int,
                   now() - random() * interval '90 days',
                   CASE WHEN j %% 20 = 0 THEN '{"error_message": "tests failed"}'::jsonb ELSE '{}'::jsonb END
            FROM generate_series(%s, %s) AS j""", (work_orders, done + 1, done + size)))
        done += size

    step("escalations (60 open, 5,000 decided)", lambda: conn.execute("""
        INSERT INTO escalations (work_order_id, trigger_type, status, priority, sla_due_at, created_at, resolved_at,
                                 decision_option, decision_effect)
        SELECT md5(i::text)::uuid, 'retry_exhausted', CASE WHEN i <= 60 THEN 'pending' ELSE 'resolved' END, 'medium',
               now() + interval '1 hour', now() - interval '1 day', CASE WHEN i > 60 THEN now() END,
               CASE WHEN i > 60 THEN 'retry_stronger_model' END, CASE WHEN i > 60 THEN '{"action": "retry"}'::jsonb END
        FROM generate_series(1, 5060) AS i"""))
    step("cost_tracking (20,000 rows today)", lambda: conn.execute("""
        INSERT INTO cost_tracking (service_name, cost, created_at)
        SELECT 'anthropic', 0.002, now() - random() * (now() - date_trunc('day', now()))
        FROM generate_series(1, 20000)"""))
    for name, definition in indexes:
        step(f"index {name}", lambda definition=definition: conn.execute(definition.encode()))
    step("running figures and refinement attempts (the triggers' effects)", lambda: conn.execute("""
        WITH figures AS (
            INSERT INTO private.work_order_outcome_totals (work_order_id, outcomes, failures, cost)
            SELECT work_order_id, count(*), count(*) FILTER (WHERE NOT success), sum(cost)
            FROM outcome_vectors GROUP BY work_order_id
            RETURNING work_order_id, failures)
        UPDATE work_orders AS w SET refinement_attempts = f.failures
        FROM figures AS f WHERE w.id = f.work_order_id AND f.failures > 0"""))
    conn.execute("SET session_replication_role = origin")
    step("VACUUM ANALYZE", lambda: [conn.execute(f"VACUUM ANALYZE public.{table}".encode())
                                    for table in ("work_orders", "outcome_vectors", "escalations", "cost_tracking")])
    step("first rollup_outcome_hours() (25 hours)", lambda: conn.execute("SELECT rollup_outcome_hours()"))


def timed(conn: psycopg.Connection, query: str, runs: int = RUNS) -> list[float]:
    conn.execute(query.encode()).fetchall()  # warm up
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        conn.execute(query.encode()).fetchall()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def describe(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(samples):7.2f} ms  p95 {p95:7.2f} ms  max {max(samples):7.2f} ms"


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.health", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=float(os.environ.get("MOOSE_BENCH_SCALE", "0.1")),
                        help="share of 1M work orders / 10M outcome vectors to build (default 0.1)")
    parser.add_argument("--keep", action="store_true", default=os.environ.get("MOOSE_BENCH_KEEP") == "1",
                        help="keep the scratch database moose_bench_health afterwards")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    scale, keep = args.scale, args.keep
    server = server_url()
    with connect(with_database(server, "postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DBNAME)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DBNAME)))
    url = with_database(server, DBNAME)
    try:
        print(f"scratch database {DBNAME}, scale {scale}: migrating", flush=True)
        migrate(url, echo=lambda _line: None)
        started = time.perf_counter()
        with connect(url, autocommit=True) as conn:
            build(conn, scale)
            print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
            counts = conn.execute("""
                SELECT (SELECT count(*) FROM work_orders), (SELECT count(*) FROM outcome_vectors),
                       (SELECT count(*) FROM outcome_vectors WHERE created_at >= now() - interval '24 hours'),
                       pg_size_pretty(pg_database_size(current_database()))""").fetchone()
            assert counts is not None
            print(f"work orders {counts[0]:,}, outcome vectors {counts[1]:,} ({counts[2]:,} in the last 24 h), "
                  f"database {counts[3]}")
            health = conn.execute("SELECT system_health()").fetchone()
            assert health is not None
            print(f"system_health(): status {health[0]['status']}, stuck {health[0]['stuck_work_orders']['total']}, "
                  f"error rate {health[0]['error_rate']['percentage']} %, reasons {health[0]['reasons']}")

            floor = timed(conn, "SELECT 1")
            baseline = timed(conn, BASELINE_SQL)
            ours = timed(conn, "SELECT system_health()")
            budget = timed(conn, "SELECT budget_status()")
            rollup = timed(conn, "SELECT rollup_outcome_hours()", runs=5)
            conn.execute("CREATE TEMP TABLE saved_stats AS SELECT * FROM outcome_hourly_stats")
            conn.execute("TRUNCATE outcome_hourly_stats")
            unrolled = timed(conn, "SELECT system_health()")
            conn.execute("INSERT INTO outcome_hourly_stats SELECT * FROM saved_stats")
            print(f"\n{RUNS} warm runs each:")
            print(f"  round trip (SELECT 1)        {describe(floor)}")
            print(f"  baseline dashboard query     {describe(baseline)}")
            print(f"  system_health()              {describe(ours)}")
            print(f"  of which budget_status()     {describe(budget)}")
            print(f"  system_health(), no rollup   {describe(unrolled)}")
            print(f"  rollup_outcome_hours() (2 h) {describe(rollup)}")
            ratio = statistics.median(ours) / statistics.median(baseline)
            print(f"  system_health() / baseline = {ratio:.2f} (median); "
                  f"{'under' if statistics.median(ours) < 50 else 'OVER'} the 50 ms target")

            print("\nplans:")
            for label, query in EXPLAINED.items():
                print(f"-- {label}")
                for (line,) in conn.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {query}".encode()):
                    print(f"   {line}")
    finally:
        if not keep:
            with connect(with_database(server, "postgres"), autocommit=True) as admin:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DBNAME)))


if __name__ == "__main__":
    main()
