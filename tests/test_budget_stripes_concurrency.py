"""Scoped budgets on escrow stripes under real concurrency: 64 connections, until enough calls
were admitted and refused, kills made and limits raised (never for a fixed time), against small
limits on three scopes at once (global day, each service per day, each work order in total), so
stripes run dry and rebalance all the time; settles above and below the estimate, releases, a
thread that kills and resumes, limits raised mid-run (after so many admitted calls). Sampled
during the run and checked at the end: no budget over its limit (beyond what settles above their estimates added),
every stripe equal to its cost rows plus open reservations to the cent, no error but the
documented refusals. Then a kill racing resumes, settles and reservations 50 times: every kill
succeeds at the first try."""

from __future__ import annotations

import random
import threading
from decimal import Decimal

import psycopg
import pytest
from psycopg.types.json import Jsonb
from storm_helpers import Storm

pytestmark = pytest.mark.xdist_group("storms")

CLIENTS = 64
WORK_ORDERS = 6
# The storm runs until each count has reached its goal: calls admitted and refused (the two
# small scopes refused some: they ran dry), kills, both limit raises, samples taken meanwhile.
GOALS = {"admitted": 120, "refused": 1, "refused_service": 1, "refused_work_order": 1, "kills": 1,
         "limit_changes": 2, "samples": 5}
# The limits are raised after this many admitted calls, then again after twice as many.
RAISE_AFTER = 40
REFUSALS = {"limit_exceeded", "kill_switch", "emergency_tier"}

# Per budget (scope, concrete key, period, period start): spent + reserved, and how far
# settles above their estimates may have taken it past the limit.
OVER_LIMIT = """
WITH s AS (
    SELECT scope, key, period, period_start, sum(spent) AS spent, sum(reserved) AS reserved,
           sum(allowance) AS allowance
    FROM public.budget_stripes GROUP BY 1, 2, 3, 4
), excess AS (
    SELECT e.ref ->> 1 AS key, e.ref ->> 2 AS period, (e.ref ->> 3)::date AS period_start, (e.ref ->> 0)::int AS rank,
           sum(greatest(c.cost - r.amount, 0)) AS above
    FROM public.cost_tracking AS c
    JOIN public.budget_reservations AS r ON r.id = c.reservation_id
    CROSS JOIN LATERAL jsonb_array_elements(c.budget_debits) AS e(ref)
    GROUP BY 1, 2, 3, 4
)
SELECT s.scope, s.key, s.period, s.spent, s.reserved, s.allowance, coalesce(x.above, 0)
FROM s
LEFT JOIN excess AS x ON x.key = s.key AND x.period = s.period AND x.period_start = s.period_start
                     AND x.rank = private.budget_scope_rank(s.scope)
WHERE s.spent + s.reserved > s.allowance + coalesce(x.above, 0)
"""

# Every stripe against the rows booked on it.
MISMATCHED = "SELECT * FROM public.budget_stripe_mismatches"

# Per budget and open period, the allowances add up to the limit (the allowance invariant).
ALLOWANCE_NOT_LIMIT = ("SELECT scope, key, period, period_start::text, budget_limit, stripes, allowance"
                       " FROM public.budget_allowance_mismatches")


def _connect(db_url: str) -> psycopg.Connection:
    conn = psycopg.connect(db_url, autocommit=True)
    conn.execute("SET ROLE service_role")
    return conn


def _setup(conn: psycopg.Connection) -> list[str]:
    conn.execute("UPDATE public.system_config SET value = '40' WHERE key = 'daily_budget_limit'")
    conn.execute("UPDATE public.system_config SET value = '1000' WHERE key = 'tier_emergency_kill_pct'")
    conn.execute("SELECT public.set_budget('service', '*', 'day', 6)")
    conn.execute("SELECT public.set_budget('work_order', '*', 'total', 3)")
    ids = [str(row[0]) for row in conn.execute(
        "INSERT INTO public.work_orders (title, status) SELECT 'wo ' || i, 'in_progress'"
        " FROM generate_series(1, %s) AS i RETURNING id", (WORK_ORDERS,)).fetchall()]
    return ids


def test_sixty_four_connections_keep_every_stripe_exact(conn: psycopg.Connection, db_url: str) -> None:
    work_orders = _setup(conn)
    storm = Storm()
    samples: list[list[tuple]] = []

    def worker(index: int) -> None:
        rng = random.Random(index)
        with _connect(db_url) as c:
            while not storm.stop.is_set():
                amount = Decimal(rng.randint(1, 40)) / 100
                metadata = {"work_order_id": rng.choice(work_orders)} if rng.random() < 0.7 else {}
                answer = c.execute("SELECT public.check_and_reserve_budget(%s, %s, %s)",
                                   (amount, f"svc-{index % 5}", Jsonb(metadata))).fetchone()[0]
                if not answer["canProceed"]:
                    assert answer["reason"] in REFUSALS, answer
                    storm.count("refused")
                    if answer.get("scope"):
                        storm.count(f"refused_{answer['scope']['scope']}")
                    continue
                storm.count("admitted")
                roll = rng.random()
                if roll < 0.7:  # settle below, at or above the estimate (up to 1.5x)
                    cost = (amount * Decimal(rng.randint(0, 150)) / 100).quantize(Decimal("0.000001"))
                    c.execute("SELECT public.settle_reservation(%s, %s)", (answer["reservationId"], cost))
                elif roll < 0.95:
                    c.execute("SELECT public.release_reservation(%s)", (answer["reservationId"],))
                # else: left open

    def killer() -> None:
        rng = random.Random(99)
        with _connect(db_url) as c:
            while not storm.stop.is_set():
                storm.stop.wait(rng.uniform(0.3, 0.8))  # pace only
                c.execute("SELECT public.emergency_kill('stripes test: kill')")
                storm.count("kills")
                storm.stop.wait(rng.uniform(0.05, 0.2))
                c.execute("SELECT public.resume_operations('stripes test: resume')")

    def limits() -> None:
        with _connect(db_url) as c:
            if not storm.wait_count("admitted", RAISE_AFTER):
                return
            c.execute("UPDATE public.system_config SET value = '60' WHERE key = 'daily_budget_limit'")
            storm.count("limit_changes")
            if not storm.wait_count("admitted", 2 * RAISE_AFTER):
                return
            c.execute("SELECT public.set_budget('service', '*', 'day', 9)")
            c.execute("SELECT public.set_budget('work_order', '*', 'total', 4)")
            storm.count("limit_changes")

    def sampler() -> None:
        with psycopg.connect(db_url, autocommit=True) as c:
            while not storm.stop.is_set():
                samples.append(c.execute(OVER_LIMIT).fetchall() + c.execute(ALLOWANCE_NOT_LIMIT).fetchall())
                storm.count("samples")
                storm.stop.wait(0.5)

    for i in range(CLIENTS):
        storm.start(worker, i)
    for target in (killer, limits, sampler):
        storm.start(target)
    storm.run_until(GOALS)
    assert conn.execute("SELECT count(*) FROM public.budget_cap_escalations").fetchone()[0] > 0
    assert conn.execute(
        "SELECT count(*) FROM public.budget_cap_escalations AS c LEFT JOIN public.escalations AS e"
        " ON e.id = c.escalation_id WHERE e.trigger_type IS DISTINCT FROM 'budget_cap_reached'").fetchone()[0] == 0
    assert all(sample == [] for sample in samples), [s for s in samples if s][:2]
    assert conn.execute(OVER_LIMIT).fetchall() == []
    assert conn.execute(MISMATCHED).fetchall() == [], "a stripe differs from its cost rows and open reservations"
    assert conn.execute(ALLOWANCE_NOT_LIMIT).fetchall() == [], "allowances must add up to the limit"
    spent = conn.execute("SELECT sum(spent) FROM public.budget_ledger").fetchone()[0]
    assert spent == conn.execute("SELECT sum(cost) FROM public.cost_tracking").fetchone()[0]


def test_a_kill_racing_resumes_settles_and_reservations_succeeds_every_time(conn: psycopg.Connection,
                                                                           db_url: str) -> None:
    """50 kills, each racing a resume loop, reserving and settling connections and direct cost
    rows: every emergency_kill succeeds at its first try (no deadlock, no serialization error)."""
    work_orders = _setup(conn)
    stop = threading.Event()
    errors: list[BaseException] = []

    def busy(index: int) -> None:
        rng = random.Random(index)
        with _connect(db_url) as c:
            while not stop.is_set():
                metadata = {"work_order_id": rng.choice(work_orders)} if index % 2 else {}
                answer = c.execute("SELECT public.check_and_reserve_budget(0.01, %s, %s)",
                                   (f"svc-{index % 3}", Jsonb(metadata))).fetchone()[0]
                if answer["canProceed"]:
                    c.execute("SELECT public.settle_reservation(%s, 0.01)", (answer["reservationId"],))
                elif index % 4 == 0:
                    c.execute("INSERT INTO public.cost_tracking (service_name, cost) VALUES ('direct', 0.001)")

    def resumer() -> None:
        with _connect(db_url) as c:
            while not stop.is_set():
                c.execute("SELECT public.resume_operations('race: resume')")

    def run(target: object, *args: object) -> threading.Thread:
        def body() -> None:
            try:
                target(*args)  # type: ignore[operator]
            except BaseException as error:
                errors.append(error)
        thread = threading.Thread(target=body)
        thread.start()
        return thread

    threads = [run(busy, i) for i in range(12)] + [run(resumer)]
    killed = 0
    try:
        with _connect(db_url) as c:
            for attempt in range(50):
                answer = c.execute("SELECT public.emergency_kill(%s)", (f"race {attempt}",)).fetchone()[0]
                assert answer["killed"] is True
                killed += 1
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    assert killed == 50
    assert errors == [], errors[:3]
    assert conn.execute(MISMATCHED).fetchall() == []
    assert conn.execute(ALLOWANCE_NOT_LIMIT).fetchall() == []
