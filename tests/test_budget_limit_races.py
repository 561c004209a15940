"""Limit changes racing reservations, stepped deterministically with real connections: one
connection holds a lock (a stripe, an idempotency key, an open gate transaction), another
waits for it (seen in pg_blocking_pids, with a deadline, never a sleep), a third changes a
limit or the stripe count meanwhile. Each race once let a budget pass its limit
(docs/BUDGET.md, "Exactness under limit changes"):

1. a `*` template (or an override of it) changed while a call that had read the old limit
   waited: the call opened a new key's stripes at the old limit;
2. `budget_global_stripes` raised while a slow path waited for the stripes it had seen: its
   re-split covered stripes it never locked;
3. `budget_global_stripes` raised while the first call of a period was creating its stripes:
   a second creator added the others at another split;
4. a budget created while a call that had read that none applied waited: the call was
   admitted past it.

Then a storm: 48 callers while another thread changes limits, stripe counts and `*`
templates, until enough calls and changes were made (not for a fixed time); the allowance
invariant and the ledger audit must hold. The budget day is read once per test, before its
first reservation, and every later figure is read for that day."""

from __future__ import annotations

import itertools
import random
from datetime import date
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb
from step_helpers import Step, connect, connect_where, pid_of
from storm_helpers import Storm

ALLOWANCES = ("SELECT scope, key, period, period_start::text, budget_limit, stripes, allowance"
              " FROM public.budget_allowance_mismatches")
MISMATCHED = "SELECT * FROM public.budget_stripe_mismatches"


@pytest.fixture(autouse=True)
def eight_global_stripes(conn: psycopg.Connection) -> None:
    """The interleavings below are written for 8 global day stripes (which stripe a backend
    meets, and how much each holds), whatever the default."""
    conn.execute("UPDATE public.system_config SET value = '8' WHERE key = 'budget_global_stripes'")


@pytest.fixture
def day(conn: psycopg.Connection) -> date:
    """The budget day, read once before the test's first reservation (pinned: a figure read
    for "today" after the test ran would change meaning at midnight)."""
    return conn.execute("SELECT private.budget_day(now())").fetchone()[0]


def _allowance(conn: psycopg.Connection, day: date, rank: int, key: str, period: str) -> tuple[int, Decimal]:
    row = conn.execute(
        "SELECT count(*), sum(allowance) FROM public.budget_stripes WHERE scope_rank = %s AND key = %s"
        " AND period = %s AND period_start = private.budget_period_start(%s, %s)",
        (rank, key, period, period, day)).fetchone()
    return int(row[0]), row[1]


def _reserve_across_a_change(conn: psycopg.Connection, db_url: str, day: date, change: str) -> dict:
    """T reserves 5 for svc with an idempotency key that H holds (H inserted its reservation and
    has not committed), so T waits there after reading the config and limits; `change` commits
    on `conn` meanwhile; H rolls back and T goes on. Returns T's answer."""
    h = connect(db_url, autocommit=False, role=None)
    try:
        h_pid = pid_of(h)
        h.execute("INSERT INTO public.budget_reservations (budget_day, amount, service_name, idempotency_key, tier,"
                  " model_decision, expires_at)"
                  " VALUES (%s, 5, 'svc', 'held-key', 'normal', 'any', now() + interval '1 hour')", (day,))
        t = Step(connect(db_url), "SELECT public.check_and_reserve_budget(5, 'svc', %s)",
                 (Jsonb({"idempotency_key": "held-key"}),))
        t.wait_blocked_by(conn, h_pid)
        conn.execute("SET lock_timeout = '20s'")
        conn.execute(change)
        h.rollback()
        answer = t.value()
        t.conn.close()
    finally:
        h.close()
    return answer


def _work_order(conn: psycopg.Connection) -> str:
    return str(conn.execute(
        "INSERT INTO public.work_orders (title, status) VALUES ('race', 'in_progress') RETURNING id").fetchone()[0])


# Race 1: the item 1 and its two siblings. Before: the `*` work-order budget (and, for
# the third, an override of it) as set up; then the change, while T waits on svcX's stripe. A
# change of an existing row commits at once and T is refused; a new row (the override) waits for
# the calls in flight (Z, T), so T is admitted before it exists and its re-split covers T.
# The last two values: whether the change waits for T, and the limit w is held to after it
# (None: no work-order budget applies any more, and T opened no stripes for w).
TEMPLATE_CHANGES: dict[str, tuple[list[tuple[str, str]], str, bool, str | None]] = {
    "star_lowered": ([("*", "1.5")], "SELECT public.set_budget('work_order', '*', 'total', 0.3)", False, "0.3"),
    "override_added": ([("*", "1.5")], "SELECT public.set_budget('work_order', %(w)s, 'total', 0.3)", True, "0.3"),
    "override_removed": ([("*", "0.3"), ("w", "1.5")], "SELECT public.remove_budget('work_order', %(w)s, 'total')",
                         False, "0.3"),
    "star_removed": ([("*", "1.5")], "SELECT public.remove_budget('work_order', '*', 'total')", False, None),
}


@pytest.mark.parametrize("change", sorted(TEMPLATE_CHANGES))
def test_a_new_key_opens_at_the_limit_in_force_not_the_one_read_before_waiting(
        conn: psycopg.Connection, db_url: str, day: date, change: str) -> None:
    """Z holds svcX's only stripe in an open reservation; T (another global stripe) reserves 1.0
    on svcX for a new work order w and waits for it, having read w's work-order limit (1.5);
    the limit that applies to w becomes 0.3; Z commits. Either the change committed first and T
    is refused against 0.3, or (a new budget row) it waited for T, which was admitted before it
    existed; either way w's stripes hold 0.3 in all and nothing more fits."""
    budgets, change_sql, waits, held_to = TEMPLATE_CHANGES[change]
    w = _work_order(conn)
    conn.execute("SELECT public.set_budget('service', 'svcX', 'day', 100)")
    # The day's global stripes exist (else Z, opening them, would hold them all and T wait there).
    conn.execute("SELECT public.release_reservation((public.check_and_reserve_budget(0.01, 'warmup')"
                 " ->> 'reservationId')::uuid)")
    for key, limit in budgets:
        conn.execute("SELECT public.set_budget('work_order', %s, 'total', %s)", (w if key == "w" else key, limit))
    z = connect(db_url, autocommit=False)
    try:
        z_pid = pid_of(z)
        z.execute("SELECT public.check_and_reserve_budget(0.1, 'svcX')")
        t = Step(connect_where(db_url, lambda pid: pid % 8 != z_pid % 8),
                 "SELECT public.check_and_reserve_budget(1.0, 'svcX', %s)", (Jsonb({"work_order_id": w}),))
        t.wait_blocked_by(conn, z_pid)
        with connect(db_url) as c:
            applied = Step(c, change_sql, {"w": w})
            assert applied.blocked_or_done(conn, z_pid, t.pid) is waits
            z.commit()
            answer = t.value()
            applied.value()
        t.conn.close()
    finally:
        z.close()
    if held_to is None:  # removed while T waited: T skips it, creating nothing
        assert answer["canProceed"] is True, answer
        assert _allowance(conn, day, 4, w, "total") == (0, None)
        assert conn.execute(ALLOWANCES).fetchall() == []
        return
    if waits:
        assert answer["canProceed"] is True, answer
    else:
        assert (answer["canProceed"], answer.get("reason")) == (False, "limit_exceeded"), answer
        assert (answer["scope"]["scope"], Decimal(str(answer["scope"]["limit"]))) == ("work_order", Decimal(held_to))
    assert _allowance(conn, day, 4, w, "total") == (1, Decimal(held_to)), "w's stripes hold the limit in force"
    later = conn.execute("SELECT public.check_and_reserve_budget(0.5, 'svcX', %s)",
                         (Jsonb({"work_order_id": w}),)).fetchone()[0]
    assert later["canProceed"] is False, "0.5 more on w would pass 0.3"
    usage = conn.execute("SELECT budget_limit, reserved FROM public.budget_usage('work_order') WHERE key = %s",
                         (w,)).fetchone()
    assert usage == (Decimal("0.3"), Decimal(1 if waits else 0))
    assert conn.execute(ALLOWANCES).fetchall() == []
    assert conn.execute(MISMATCHED).fetchall() == []


@pytest.mark.parametrize("day_open", [True, False], ids=["day_open", "new_day"])
def test_a_call_holds_to_the_daily_limit_in_force_not_the_one_it_read(conn: psycopg.Connection, db_url: str,
                                                                      day: date, day_open: bool) -> None:
    """T reads the daily limit (100) and waits for an idempotency key H holds; the limit is set
    to 1 and commits; H rolls back. Whether the day's stripes existed (re-split to 1 by the
    change) or T opens the day (from the limit in force, read under the global day's row), T's
    5 is refused and the day holds 1."""
    if day_open:
        conn.execute("SELECT public.release_reservation((public.check_and_reserve_budget(0.01, 'warmup')"
                     " ->> 'reservationId')::uuid)")
    answer = _reserve_across_a_change(conn, db_url, day, "SELECT public.set_budget('global', '*', 'day', 1)")
    assert (answer["canProceed"], answer.get("reason")) == (False, "limit_exceeded"), answer
    assert _allowance(conn, day, 1, "*", "day") == (8, Decimal(1))
    assert conn.execute(ALLOWANCES).fetchall() == []


def test_a_slow_path_re_splits_only_the_stripes_it_locked(conn: psycopg.Connection, db_url: str, day: date) -> None:
    """The issue's item 2. Day limit 8 on 8 stripes, 7 of it reserved so that no stripe has room
    for 0.5. S reads the config (K = 8), then waits for an idempotency key H1 holds; K is
    raised to 16 and commits; H2 locks stripe 0; H1 rolls back, S takes the slow path, sees 8
    stripes and waits for stripe 0; a direct cost row (K = 16) creates stripes 8-15 and commits;
    H2 rolls back. S's re-split must leave the day's allowances adding up to 8, and nothing
    more than 8 can be reserved."""
    conn.execute("UPDATE public.system_config SET value = '8' WHERE key = 'daily_budget_limit'")
    assert conn.execute("SELECT public.check_and_reserve_budget(7, 'filler') ->> 'canProceed'").fetchone()[0] == "true"
    assert _allowance(conn, day, 1, "*", "day") == (8, Decimal(8))
    h1 = connect(db_url, autocommit=False, role=None)
    h2 = connect(db_url, autocommit=False, role=None)
    try:
        h1_pid, h2_pid = pid_of(h1), pid_of(h2)
        h1.execute("INSERT INTO public.budget_reservations (budget_day, amount, service_name, idempotency_key, tier,"
                   " model_decision, expires_at)"
                   " VALUES (%s, 0.5, 'svc', 'race-k', 'normal', 'any', now() + interval '1 hour')",
                   (day,))
        s = Step(connect_where(db_url, lambda pid: pid % 8 != 0),
                 "SELECT public.check_and_reserve_budget(0.5, 'svc', %s)", (Jsonb({"idempotency_key": "race-k"}),))
        s.wait_blocked_by(conn, h1_pid)
        conn.execute("UPDATE public.system_config SET value = '16' WHERE key = 'budget_global_stripes'")
        h2.execute("SELECT 1 FROM public.budget_stripes WHERE scope_rank = 1 AND key = '*' AND period = 'day'"
                   " AND period_start = %s AND stripe = 0 FOR UPDATE", (day,))
        h1.rollback()
        s.wait_blocked_by(conn, h2_pid)
        with connect_where(db_url, lambda pid: pid % 16 >= 8, role=None) as direct:
            direct.execute("INSERT INTO public.cost_tracking (service_name, cost) VALUES ('direct', 0.01)")
        assert _allowance(conn, day, 1, "*", "day")[0] == 16
        h2.rollback()
        answer = s.value()
        s.conn.close()
    finally:
        h1.close()
        h2.close()
    assert answer["canProceed"] is True, answer
    assert _allowance(conn, day, 1, "*", "day") == (16, Decimal(8)), "the day's allowances add up to its limit"
    assert conn.execute(ALLOWANCES).fetchall() == []
    for _ in range(40):  # fill the day: never more than 8 in all
        answer = conn.execute("SELECT public.check_and_reserve_budget(0.25, 'svc')").fetchone()[0]
        if not answer["canProceed"]:
            break
    spent, reserved = conn.execute("SELECT spent, reserved FROM public.budget_ledger WHERE budget_day = %s",
                                   (day,)).fetchone()
    assert spent + reserved <= Decimal(8), (spent, reserved)
    assert conn.execute(MISMATCHED).fetchall() == []


def test_a_new_period_is_opened_at_one_stripe_count(conn: psycopg.Connection, db_url: str, day: date) -> None:
    """The day's first call A (K = 8) creates its stripes and is still open when
    budget_global_stripes is raised to 16; a second caller B (K = 16) opens the day too. Either
    the change waits for A (then B adds 8 empty stripes) or B's stripes are split from the same
    limit: the day's allowances add up to the limit, never 1.5 times it."""
    a = connect(db_url, autocommit=False)
    try:
        a_pid = pid_of(a)
        a.execute("SELECT public.check_and_reserve_budget(1, 'svcA')")
        change = Step(connect(db_url, role=None),
                      "UPDATE public.system_config SET value = '16' WHERE key = 'budget_global_stripes'")
        if change.blocked_or_done(conn, a_pid):  # the change waits for the creator
            a.commit()
            change.value()
            b_answer = conn.execute("SELECT public.check_and_reserve_budget(1, 'svcB')").fetchone()[0]
        else:
            change.value()
            b = Step(connect(db_url), "SELECT public.check_and_reserve_budget(1, 'svcB')")
            b.wait_blocked_by(conn, a_pid)
            a.commit()
            b_answer = b.value()
            b.conn.close()
        change.conn.close()
    finally:
        a.close()
    assert b_answer["canProceed"] is True, b_answer
    stripes, allowance = _allowance(conn, day, 1, "*", "day")
    assert stripes in (8, 16) and allowance == Decimal(100), ("one split of the limit", stripes, allowance)
    assert conn.execute(ALLOWANCES).fetchall() == []
    assert conn.execute(MISMATCHED).fetchall() == []


def test_a_budget_created_while_a_call_waits_applies_to_it(conn: psycopg.Connection, db_url: str, day: date) -> None:
    """No scoped budget exists when T starts (it reads that from the config copy), then T waits
    for an idempotency key H holds; set_budget('service', 'svc', 'day', 1) commits; H rolls
    back. T must be refused by svc's new budget, not admitted past it."""
    conn.execute("SELECT public.release_reservation((public.check_and_reserve_budget(0.01, 'warmup')"
                 " ->> 'reservationId')::uuid)")
    answer = _reserve_across_a_change(conn, db_url, day, "SELECT public.set_budget('service', 'svc', 'day', 1)")
    assert (answer["canProceed"], answer.get("reason")) == (False, "limit_exceeded"), answer
    assert (answer["scope"]["scope"], answer["scope"]["key"]) == ("service", "svc")
    assert conn.execute(ALLOWANCES).fetchall() == []


def test_a_new_budget_waits_for_the_calls_in_flight(conn: psycopg.Connection, db_url: str) -> None:
    """T holds its global day stripe and waits for project p's stripe (Z holds it), having read
    the budgets that apply to it (none for service svc). set_budget creating svc's budget waits
    for T (pg_blocking_pids), so T is admitted before the budget exists and the budget counts
    from after it; the next call on svc meets it."""
    conn.execute("SELECT public.set_budget('project', 'p', 'month', 100)")
    conn.execute("SELECT public.release_reservation((public.check_and_reserve_budget(0.01, 'warmup')"
                 " ->> 'reservationId')::uuid)")
    # Z on global stripe 7, T on stripe 0: the new budget, locking the stripes in order, meets T's first.
    z = connect_where(db_url, lambda pid: pid % 8 == 7, autocommit=False)
    try:
        z_pid = pid_of(z)
        z.execute("SELECT public.check_and_reserve_budget(0.1, 'other', %s)", (Jsonb({"project": "p"}),))
        t = Step(connect_where(db_url, lambda pid: pid % 8 == 0),
                 "SELECT public.check_and_reserve_budget(5, 'svc', %s)", (Jsonb({"project": "p"}),))
        t.wait_blocked_by(conn, z_pid)
        change = Step(connect(db_url), "SELECT public.set_budget('service', 'svc', 'day', 1)")
        assert change.blocked_or_done(conn, t.pid), "the new budget did not wait for the call in flight"
        z.commit()
        answer = t.value()
        change.value()
        t.conn.close()
        change.conn.close()
    finally:
        z.close()
    assert answer["canProceed"] is True, answer
    later = conn.execute("SELECT public.check_and_reserve_budget(5, 'svc')").fetchone()[0]
    assert (later["canProceed"], later["scope"]["key"]) == (False, "svc")
    assert conn.execute(ALLOWANCES).fetchall() == []
    assert conn.execute(MISMATCHED).fetchall() == []


def test_creating_stripes_outside_read_committed_is_refused(conn: psycopg.Connection, db_url: str) -> None:
    """The fresh read of the limit in force needs a statement snapshot: a call that would create
    stripes in a REPEATABLE READ transaction is refused with 40001 and writes nothing; in READ
    COMMITTED the same call is admitted."""
    conn.execute("SELECT public.set_budget('service', '*', 'day', 5)")
    with connect(db_url, autocommit=False) as c:
        c.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with pytest.raises(psycopg.errors.SerializationFailure):
            c.execute("SELECT public.check_and_reserve_budget(1, 'fresh-service')")
        c.rollback()
    assert conn.execute("SELECT count(*) FROM public.budget_stripes").fetchone()[0] == 0
    answer = conn.execute("SELECT public.check_and_reserve_budget(1, 'fresh-service')").fetchone()[0]
    assert answer["canProceed"] is True


STORM_CALLERS = 48
# The storm runs until it has made this much happen (never for a fixed time): limit and stripe
# changes, admitted and refused calls, samples of the allowance invariant taken meanwhile.
STORM_GOALS = {"changes": 8, "admitted": 100, "refused": 1, "samples": 5}


@pytest.mark.xdist_group("storms")
def test_storm_with_limit_stripe_and_template_changes_keeps_allowances_exact(conn: psycopg.Connection,
                                                                              db_url: str) -> None:
    """48 callers reserve (new services and new work orders appear all the time, so first
    reservations of new keys are frequent) while a changer thread moves the day limit, the
    global stripe count, the `*` service and work-order templates, overrides of them, and
    removes and re-adds budgets, until STORM_GOALS are reached. Sampled during the run and
    checked after it: the allowances of every budget's open period add up to its limit, every
    stripe equals its rows, the ledger equals the cost rows."""
    conn.execute("UPDATE public.system_config SET value = '1000' WHERE key = 'tier_emergency_kill_pct'")
    conn.execute("UPDATE public.system_config SET value = '30' WHERE key = 'daily_budget_limit'")
    conn.execute("SELECT public.set_budget('service', '*', 'day', 3)")
    conn.execute("SELECT public.set_budget('work_order', '*', 'total', 1)")
    conn.execute("SELECT public.set_budget('project', '*', 'month', 5)")
    work_orders = [_work_order(conn) for _ in range(24)]
    storm = Storm()
    samples: list[list[tuple[Any, ...]]] = []

    def caller(index: int) -> None:
        rng = random.Random(index)
        with connect(db_url) as c:
            for step in itertools.count():
                if storm.stop.is_set():
                    return
                metadata: dict[str, str] = {}
                if rng.random() < 0.7:
                    metadata["work_order_id"] = rng.choice(work_orders)
                if rng.random() < 0.5:
                    metadata["project"] = f"p{rng.randint(0, 5)}"
                amount = Decimal(rng.randint(1, 30)) / 100
                answer = c.execute("SELECT public.check_and_reserve_budget(%s, %s, %s)",
                                   (amount, f"s{index % 6}-{step // 40}", Jsonb(metadata))).fetchone()[0]
                storm.count("admitted" if answer["canProceed"] else "refused")
                if not answer["canProceed"]:
                    assert answer["reason"] == "limit_exceeded", answer
                    continue
                if rng.random() < 0.6:
                    c.execute("SELECT public.settle_reservation(%s, %s)", (answer["reservationId"], amount))
                elif rng.random() < 0.8:
                    c.execute("SELECT public.release_reservation(%s)", (answer["reservationId"],))

    def changer() -> None:
        rng = random.Random(7)
        with connect(db_url) as c:
            c.execute("SET lock_timeout = '120s'")
            while not storm.stop.is_set():
                # The global day's changes (0, 1) wait longest behind the callers: fewer of them.
                roll = rng.randrange(2) if rng.random() < 0.15 else rng.randrange(2, 10)
                w = rng.choice(work_orders)
                if roll == 0:
                    c.execute("SELECT public.set_budget('global', '*', 'day', %s)", (rng.randint(20, 40),))
                elif roll == 1:
                    c.execute("SELECT public.update_config('budget_global_stripes', %s)",
                              (Jsonb(rng.choice([2, 8, 16])),))
                elif roll == 2:
                    c.execute("SELECT public.set_budget('service', '*', 'day', %s)", (rng.randint(1, 6),))
                elif roll == 3:
                    c.execute("SELECT public.set_budget('work_order', '*', 'total', %s)",
                              (Decimal(rng.randint(3, 20)) / 10,))
                elif roll == 4:
                    c.execute("SELECT public.set_budget('work_order', %s, 'total', %s)",
                              (w, Decimal(rng.randint(1, 20)) / 10))
                elif roll == 5:
                    c.execute("SELECT public.remove_budget('work_order', %s, 'total')"
                              " FROM public.budgets WHERE scope = 'work_order' AND key = %s", (w, w))
                elif roll == 6:
                    c.execute("SELECT public.set_budget('project', %s, 'month', %s)",
                              (f"p{rng.randint(0, 5)}", rng.randint(1, 8)))
                elif roll == 7:
                    c.execute("SELECT public.remove_budget('service', '*', 'day') FROM public.budgets"
                              " WHERE scope = 'service' AND key = '*' AND period = 'day'")
                elif roll == 8:
                    c.execute("SELECT public.set_budget('service', %s, 'day', %s)",
                              (f"s{rng.randrange(6)}-{rng.randrange(3)}", rng.randint(1, 6)))
                else:
                    c.execute("SELECT public.update_config('budget_scope_stripes', %s)",
                              (Jsonb(rng.choice([1, 2, 4])),))
                storm.count("changes")
                storm.stop.wait(0.02)  # pace only: the storm ends on its goals, not on time

    def sampler() -> None:
        with psycopg.connect(db_url, autocommit=True) as c:
            while not storm.stop.is_set():
                samples.append(c.execute(ALLOWANCES).fetchall())
                storm.count("samples")
                storm.stop.wait(0.2)

    for i in range(STORM_CALLERS):
        storm.start(caller, i)
    storm.start(changer)
    storm.start(sampler)
    storm.run_until(STORM_GOALS)
    assert all(sample == [] for sample in samples), [s for s in samples if s][:2]
    assert conn.execute(ALLOWANCES).fetchall() == [], "allowances add up to each budget's limit"
    assert conn.execute(MISMATCHED).fetchall() == [], "every stripe equals its cost rows and open reservations"
    spent = conn.execute("SELECT sum(spent) FROM public.budget_ledger").fetchone()[0]
    assert spent == conn.execute("SELECT coalesce(sum(cost), 0) FROM public.cost_tracking").fetchone()[0]
