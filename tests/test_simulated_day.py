"""A day of simulated time, minute by minute, through the real scheduler and database with the
seeded jobs of every part: exactly the expected runs per job, one escalation for a stuck work
order (detected once, not 288 times), health alerts on the change and then every
health_alert_repeat, one alert for a failure streak and one for its recovery, and retention
purging exactly what aged past its period. The workflow's functions read the database clock,
not the simulated one, so the stuck work order is backdated in real time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
from service_helpers import install_tick_job, only_test_jobs, scalar

from runner.scheduler import Scheduler, SimulatedClock


def test_a_simulated_day(db_url: str, conn: psycopg.Connection) -> None:
    # The simulated day starts now: raise_alert and the workflow read the database clock, so a
    # clock years ahead would make retention purge the day's own alerts.
    T0 = datetime.now(UTC).replace(second=0, microsecond=0)
    only_test_jobs(conn)
    install_tick_job(conn, "every_minute", "1 minute", next_run_at=T0.isoformat())
    install_tick_job(conn, "every_five", "5 minutes", next_run_at=T0.isoformat())
    # Fails from T0+6h to T0+7h simulated time, otherwise fine.
    outage_from, outage_to = T0 + timedelta(hours=6), T0 + timedelta(hours=7)
    conn.execute(f"""
        CREATE FUNCTION public.t_outage(p_now timestamptz) RETURNS integer LANGUAGE plpgsql AS $$
        BEGIN
            IF p_now >= '{outage_from.isoformat()}' AND p_now < '{outage_to.isoformat()}' THEN
                RAISE EXCEPTION 'upstream down';
            END IF;
            RETURN 0;
        END $$""")
    conn.execute("INSERT INTO jobs (name, function_name, run_interval, next_run_at) "
                 "VALUES ('outage', 'public.t_outage', '5 minutes', %s)", (T0,))
    conn.execute("UPDATE jobs SET enabled = true, next_run_at = %s WHERE name = 'retention'",
                 (T0 + timedelta(hours=3),))
    conn.execute("UPDATE jobs SET enabled = true, next_run_at = %s WHERE name IN "
                 "('escalate_stuck_work_orders', 'check_escalation_slas', 'health_check', 'expire_reservations')",
                 (T0,))
    conn.execute("INSERT INTO work_orders (title, status, updated_at) VALUES ('stalled', 'pending', "
                 "now() - interval '3 hours')")
    conn.execute("UPDATE system_config SET value = '100' WHERE key = 'retention_batch_size'")
    conn.execute("INSERT INTO work_orders (id, title) VALUES ('00000000-0000-0000-0000-0000000000bb', 'w')")
    for age_days, count in ((120, 230), (91, 20), (89, 15)):
        conn.execute("""INSERT INTO outcome_vectors (work_order_id, model_used, success, created_at)
                        SELECT '00000000-0000-0000-0000-0000000000bb', 'm', true, %s - %s * interval '1 day'
                        FROM generate_series(1, %s)""", (T0, age_days, count))
    conn.execute("""INSERT INTO cost_tracking (service_name, cost, created_at)
                    SELECT 'openai', 0.5, %s - interval '95 days' FROM generate_series(1, 30)""", (T0,))

    clock = SimulatedClock(T0)
    scheduler = Scheduler(db_url, holder="sim", clock=clock, vacuum=False)
    try:
        for _ in range(24 * 60):
            scheduler.run_due()
            clock.advance(timedelta(minutes=1))
    finally:
        scheduler.close()

    runs = dict(conn.execute("SELECT job_name || ':' || outcome, count(*) FROM job_runs GROUP BY 1").fetchall())
    # outage: 72 runs before +06:00; failures at +06:00, 06:05, 06:15, 06:35 (backoff 5, 10, 20,
    # 40 min); success at +07:15, then every five minutes to +23:55 (201 runs).
    assert runs == {
        "every_minute:succeeded": 1440,
        "every_five:succeeded": 288,
        "outage:succeeded": 72 + 201,
        "outage:failed": 4,
        "retention:succeeded": 3,  # 250 expired rows in batches of 100 at +03:00
        "escalate_stuck_work_orders:succeeded": 288,
        "check_escalation_slas:succeeded": 288,
        "health_check:succeeded": 288,
        "expire_reservations:succeeded": 1440,
    }
    # Stuck detection ran 288 times and opened exactly one escalation for the one stuck order.
    assert conn.execute("SELECT trigger_type, status FROM escalations").fetchall() == [("stuck_work_order", "pending")]
    assert scalar(conn, "SELECT sum(rows_affected) FROM job_runs WHERE job_name = 'escalate_stuck_work_orders'") == 1
    assert scalar(conn, "SELECT count(*) FROM t_ticks") == 1440 + 288
    alerts = conn.execute("SELECT kind, count(*), sum(occurrences) FROM alerts GROUP BY kind ORDER BY kind").fetchall()
    # error from the first check (+00:00, after detection opened the escalation), then every 4 hours
    assert [r[0] for r in conn.execute("SELECT started_at FROM job_runs WHERE job_name = 'health_check' "
                                       "AND rows_affected = 1 ORDER BY id").fetchall()] == [
        T0 + timedelta(hours=h) for h in (0, 4, 8, 12, 16, 20)]
    assert alerts == [("escalation.opened", 1, 1), ("health.unhealthy", 6, 6), ("job.failed", 1, 4),
                      ("job.recovered", 1, 1), ("work_order.stuck", 1, 1)]
    assert scalar(conn, "SELECT count(*) FROM outcome_vectors") == 15
    assert scalar(conn, "SELECT count(*) FROM cost_tracking") == 0
    assert conn.execute("SELECT day, total_cost, request_count FROM cost_daily_totals").fetchall() == [
        ((T0 - timedelta(days=95)).date(), 15, 30)]
    assert [r[0] for r in conn.execute(
        "SELECT started_at FROM job_runs WHERE job_name = 'retention' ORDER BY id").fetchall()] == [
        T0 + timedelta(hours=3)] * 3
    assert scalar(conn, "SELECT next_run_at FROM jobs WHERE name = 'retention'") == T0 + timedelta(days=1, hours=3)
