"""Priced calls under real concurrent connections: 64 callers reserve with reserve_llm_call and
settle with settle_llm_call, cached input tokens among their input; every cost row is the
exact price of its counts at the reservation's price row (cached tokens once, at the cached
rate, rounded up to the micro-dollar, computed here with Decimal), and the model's token limit
ends holding its capacity less exactly the tokens the calls used."""

from __future__ import annotations

import random
from decimal import ROUND_CEILING, Decimal

import psycopg
from thread_helpers import together

CALLERS = 64
INPUT, OUTPUT, CACHED = Decimal("2.5"), Decimal("10"), Decimal("1.25")  # USD per million tokens


def expected_cost(input_tokens: int, output_tokens: int, cached: int) -> Decimal:
    micro = (input_tokens - cached) * INPUT + cached * CACHED + output_tokens * OUTPUT
    return (micro / 10**6).quantize(Decimal("0.000001"), rounding=ROUND_CEILING)


def test_sixty_four_callers_pay_exactly_their_tokens_with_cached_ones_once(db_url: str,
                                                                           conn: psycopg.Connection) -> None:
    conn.execute("INSERT INTO model_prices (model, effective_from, input_usd_per_mtok, output_usd_per_mtok, "
                 "cached_input_usd_per_mtok, max_output_tokens) "
                 "VALUES ('m', now() - interval '1 hour', %s, %s, %s, 2000)", (INPUT, OUTPUT, CACHED))
    conn.execute("SELECT set_rate_limit('model', 'm', NULL, 10000000)")
    conn.execute("UPDATE rate_limits SET refilled_at = now() + interval '1 day'")  # frozen: exact figures
    expected: dict[str, tuple[Decimal, int]] = {}

    def caller(index: int) -> None:
        rng = random.Random(index)
        with psycopg.connect(db_url, autocommit=True) as own:
            for _ in range(5):
                input_tokens = rng.randint(1, 5000)
                reserved = own.execute("SELECT reserve_llm_call('svc', 'm', %s, 1000)", (input_tokens,)).fetchone()[0]
                assert reserved["canProceed"], reserved
                output_tokens, cached = rng.randint(0, 1000), rng.randint(0, input_tokens)
                settled = own.execute("SELECT settle_llm_call(%s, %s, %s, %s)",
                                      (reserved["reservationId"], input_tokens, output_tokens, cached)).fetchone()[0]
                assert settled["status"] == "settled"
                expected[reserved["reservationId"]] = (expected_cost(input_tokens, output_tokens, cached),
                                                       input_tokens + output_tokens)

    assert together(CALLERS, caller) == []
    costs = dict(conn.execute("SELECT reservation_id::text, cost FROM cost_tracking").fetchall())
    assert costs == {rid: cost for rid, (cost, _used) in expected.items()}
    used = sum(tokens for _cost, tokens in expected.values())
    assert conn.execute("SELECT sum(available) FROM rate_limits WHERE key = 'm'").fetchone()[0] == 10000000 - used
    assert conn.execute("SELECT count(*) FROM budget_stripe_mismatches").fetchone()[0] == 0
