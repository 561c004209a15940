"""Rate limits under real concurrent connections (docs/BUDGET.md, "Rate limits"): 64 callers
never overdraw a limit, a replay of the admitted draws against one bucket of the limit's figure
never goes below zero and the limit's stripes never hold more than that bucket (striping admits
nothing the bucket would not), budgets and limits admit all or nothing together, and a limiter
under demand above its limit admits within 5 % of what the bucket allows (not stingy). Callers
make a fixed number of calls, or call until so many were admitted, never for a fixed time; the
windows are measured between instants the database recorded."""

from __future__ import annotations

import random
import threading
from datetime import datetime
from decimal import Decimal

import psycopg
import pytest
from psycopg.types.json import Jsonb
from storm_helpers import Storm
from thread_helpers import together

pytestmark = pytest.mark.xdist_group("storms")

CALLERS = 64


def reserve(conn: psycopg.Connection, service: str, metadata: dict) -> dict:
    row = conn.execute("SELECT check_and_reserve_budget(0.001, %s, %s)", (service, Jsonb(metadata))).fetchone()
    assert row is not None
    return row[0]


def freeze(conn: psycopg.Connection) -> None:
    """No refill during the test: an instant before refilled_at refills nothing."""
    conn.execute("UPDATE rate_limits SET refilled_at = now() + interval '1 day'")


def holds_of_admitted(conn: psycopg.Connection) -> list[list]:
    return [hold for (holds,) in conn.execute("SELECT rate_holds FROM budget_reservations WHERE rate_holds IS NOT NULL")
            for hold in holds]


def test_sixty_four_callers_draw_a_frozen_bucket_to_exactly_zero_and_no_further(db_url: str,
                                                                                conn: psycopg.Connection) -> None:
    conn.execute("SELECT set_rate_limit('service', 'svc', 100, 60000)")
    freeze(conn)
    answers: list[dict] = []

    def caller(index: int) -> None:
        rng = random.Random(index)
        with psycopg.connect(db_url, autocommit=True) as own:
            for _ in range(4):
                answers.append(reserve(own, "svc", {"input_tokens": rng.randint(100, 400), "max_output_tokens": 200}))

    assert together(CALLERS, caller) == []
    admitted = [a for a in answers if a["canProceed"]]
    refused = [a for a in answers if not a["canProceed"]]
    assert len(answers) == 4 * CALLERS
    assert {a["reason"] for a in refused} == {"rate_limited"}
    requests_left, tokens_left = conn.execute(
        "SELECT sum(available) FILTER (WHERE kind = 'requests'), sum(available) FILTER (WHERE kind = 'tokens') "
        "FROM rate_limits WHERE key = 'svc'").fetchone()
    holds = holds_of_admitted(conn)
    drawn_tokens = sum(hold[3] for hold in holds if hold[2] == "tokens")
    # Whichever limit ran out first, it ran out exactly: what its stripes hold plus what the
    # admitted calls hold is the capacity, to the token, and one of the two is (nearly) empty.
    assert requests_left + len(admitted) == 100
    assert tokens_left + drawn_tokens == 60000
    assert requests_left == 0 or tokens_left < 600
    assert conn.execute("SELECT sum(reserved) FROM budget_ledger").fetchone()[0] == Decimal("0.001") * len(admitted)


def refilled(per_minute: int, level: Decimal, since: datetime, until: datetime) -> Decimal:
    elapsed = until - since
    seconds = Decimal(elapsed.days * 86400 + elapsed.seconds) + Decimal(elapsed.microseconds) / 10**6
    return min(Decimal(per_minute), level + per_minute * max(seconds, Decimal(0)) / 60)


def replay(per_minute: int, start: datetime, draws: list[tuple[datetime, int]], end: datetime) -> Decimal:
    """The bucket's level at `end` after `draws` (instant, amount) in order, from full at
    `start`; asserts it never goes below zero."""
    level, at = Decimal(per_minute), start
    for drawn_at, amount in sorted(draws):
        level = refilled(per_minute, level, at, drawn_at) - amount
        at = max(at, drawn_at)
        assert level >= 0, f"the replay overdraws the bucket at {drawn_at}: {level}"
    return refilled(per_minute, level, at, end)


def test_a_replay_of_the_admitted_draws_never_overdraws_and_the_stripes_never_hold_more(
        db_url: str, conn: psycopg.Connection) -> None:
    conn.execute("SELECT set_rate_limit('service', 'svc', 600, 30000)")
    start = dict(conn.execute("SELECT kind, min(refilled_at) FROM rate_limits WHERE key = 'svc' GROUP BY kind"
                              ).fetchall())

    def caller(index: int) -> None:
        # 8 calls each, 512 in all: the tokens (30000, about 260 a call) run out and refill meanwhile.
        rng = random.Random(index)
        with psycopg.connect(db_url, autocommit=True) as own:
            for _ in range(8):
                reserve(own, "svc", {"input_tokens": rng.randint(10, 300), "max_output_tokens": 100})

    assert together(CALLERS, caller) == []
    holds = holds_of_admitted(conn)
    assert holds, "nothing was admitted"
    for kind, per_minute in (("requests", 600), ("tokens", 30000)):
        draws = [(datetime.fromisoformat(h[4]), h[3]) for h in holds if h[2] == kind]
        # The limit's stripes, refilled to one instant (the latest of theirs: a refused call's
        # give-back moves refilled_at on too), hold no more than one bucket replaying the same
        # draws would: striping never admits what the bucket would not.
        at = conn.execute("SELECT max(refilled_at) FROM rate_limits WHERE key = 'svc' AND kind = %s",
                          (kind,)).fetchone()[0]
        assert at >= max(drawn for drawn, _ in draws)
        available = conn.execute("SELECT sum(private.rate_limit_level(available, share, refilled_at, %s)) "
                                 "FROM rate_limits WHERE key = 'svc' AND kind = %s", (at, kind)).fetchone()[0]
        level = replay(per_minute, start[kind], draws, at)
        assert available <= level + Decimal("0.000001"), (kind, available, level)


def test_budgets_and_buckets_admit_all_or_nothing_together(db_url: str, conn: psycopg.Connection) -> None:
    # The service budget admits 40 calls of 0.001, the bucket 50: the budget binds first for
    # one service; for the other the bucket (30) binds first.
    conn.execute("SELECT set_budget('service', 'budgeted', 'day', 0.040)")
    conn.execute("SELECT set_rate_limit('service', 'budgeted', 50, NULL)")
    conn.execute("SELECT set_rate_limit('service', 'limited', 30, NULL)")
    freeze(conn)
    answers: list[tuple[str, dict]] = []
    lock = threading.Lock()

    def caller(index: int) -> None:
        service = "budgeted" if index % 2 else "limited"
        with psycopg.connect(db_url, autocommit=True) as own:
            for _ in range(3):
                answer = reserve(own, service, {})
                with lock:
                    answers.append((service, answer))

    assert together(CALLERS, caller) == []
    admitted = {s: sum(1 for svc, a in answers if svc == s and a["canProceed"]) for s in ("budgeted", "limited")}
    assert admitted == {"budgeted": 40, "limited": 30}
    reasons = {s: {a["reason"] for svc, a in answers if svc == s and not a["canProceed"]} for s in admitted}
    assert reasons == {"budgeted": {"limit_exceeded"}, "limited": {"rate_limited"}}
    # Refused by its budget, a call drew nothing on its bucket; refused by its bucket, nothing
    # on the budgets: every bucket and budget holds exactly what the admitted calls hold.
    assert conn.execute("SELECT key, sum(available) FROM rate_limits GROUP BY key ORDER BY key").fetchall() == [
        ("budgeted", 10), ("limited", 0)]
    assert conn.execute("SELECT sum(reserved) FROM budget_ledger").fetchone()[0] == Decimal("0.070")
    assert conn.execute("SELECT count(*) FROM budget_stripe_mismatches").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM budget_allowance_mismatches").fetchone()[0] == 0


# Admitted calls the demand test runs to: the bucket's 300 and about 10 s of its refill.
UNDER_DEMAND = 350


def test_under_demand_above_the_limit_it_admits_what_the_bucket_allows(db_url: str, conn: psycopg.Connection) -> None:
    """8 callers that wait the retryAfterMs they are told, against 300 requests per minute,
    until UNDER_DEMAND calls were admitted (the bucket's capacity and refills). Between the
    first admitted draw (the bucket was full) and the last, as the database recorded them, the
    admitted calls are what the bucket allows (its capacity plus the refill over that window),
    and at least 95 % of it."""
    conn.execute("SELECT set_rate_limit('service', 'svc', 300, NULL)")
    storm = Storm()

    def caller(_index: int) -> None:
        with psycopg.connect(db_url, autocommit=True) as own:
            while not storm.stop.is_set():
                answer = reserve(own, "svc", {})
                if answer["canProceed"]:
                    storm.count("admitted")
                else:
                    storm.stop.wait(min(answer["retryAfterMs"], 1000) / 1000)

    for i in range(8):
        storm.start(caller, i)
    storm.run_until({"admitted": UNDER_DEMAND})
    draws = sorted(datetime.fromisoformat(h[4]) for h in holds_of_admitted(conn) if h[2] == "requests")
    admitted = len(draws)
    assert admitted == storm.counts["admitted"]
    allowed = 300 + 300 * (draws[-1] - draws[0]).total_seconds() / 60
    assert admitted <= allowed
    assert admitted >= 0.95 * allowed, f"admitted {admitted} of the {allowed:.1f} the bucket allows"
