"""The price rule on LiteLLM's REAL price file, with figures computed by hand from the file's own
numbers (docs/BUDGET.md, "Against LiteLLM's calculator"): the cases where we charge exactly what
LiteLLM 1.110.2's cost_per_token charges (several tiers, the xAI boundary, cached tokens inside
a tier, cache writes), and one model of each documented class where we charge MORE, with
LiteLLM's figure beside ours. bench.price_check runs the full comparison against LiteLLM itself
(docs/performance/prices.md); this test needs no LiteLLM. Rates in the comments are USD per
million tokens, so tokens x rate is micro-dollars."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import psycopg
from test_prices_cli import litellm_file, moose  # noqa: F401  (the real file, found as test_prices_cli finds it)


def price(conn: psycopg.Connection, model: str, inp: int, out: int, cached: int = 0, written: int = 0) -> Decimal:
    row = conn.execute("SELECT private.price_call(private.model_price_at(%s, now()), %s, %s, %s, %s)",
                       (model, inp, out, cached, written)).fetchone()
    assert row is not None
    return row[0]


def test_prices_of_the_real_file_by_hand(db_url: str, conn: psycopg.Connection, litellm_file: Path) -> None:  # noqa: F811
    assert moose(db_url, "prices", "import", str(litellm_file)).exit_code == 0

    # Exact: what LiteLLM charges.
    # xAI draws its boundary inclusive: 200000 input tokens are the tier (2.5 in, 5 out), 199999 the base.
    assert price(conn, "xai/grok-4.3", 200000, 2000) == Decimal("0.51")       # 200000 x 2.5 + 2000 x 5
    assert price(conn, "xai/grok-4.3", 199999, 2000) == Decimal("0.254999")   # 199999 x 1.25 + 2000 x 2.5, up
    # Cached tokens inside the tier at the tier's cache rate (0.4): 150000 x 2.5 + 100000 x 0.4 + 2000 x 5.
    assert price(conn, "xai/grok-4.3", 250000, 2000, 100000) == Decimal("0.425")
    # A tiered_pricing list: above 100000 input tokens the second range (0.5 in, 2.5 out, 0.625 write).
    assert price(conn, "opencode_go/claude-haiku-5-5", 150000, 2000) == Decimal("0.08")  # 150000 x 0.5 + 2000 x 2.5
    # 50000 x 0.5 + 100000 x 0.625
    assert price(conn, "opencode_go/claude-haiku-5-5", 150000, 0, 0, 100000) == Decimal("0.0875")
    # Cache writes at the write rate: 200 x 3 + 800 x 3.75 + 500 x 15 (LiteLLM: 0.0111).
    assert price(conn, "claude-sonnet-4-5", 1000, 500, 0, 800) == Decimal("0.0111")

    # Higher, by documented class (LiteLLM's figure in the comment).
    # no invented cache discount: fireworks has no cache price; LiteLLM assumes 0.1 for cached tokens.
    # Ours 1000 x 0.2 + 500 x 0.2; LiteLLM 600 x 0.2 + 400 x 0.1 + 500 x 0.2 = 0.00026.
    assert price(conn, "fireworks-ai-4.1b-to-16b", 1000, 500, 400) == Decimal("0.0003")
    # off-peak ignored: the standard rates always (LiteLLM off-peak: 1000 x 0.15 + 500 x 0.6 = 0.00045).
    assert price(conn, "deepseek-flash", 1000, 500) == Decimal("0.0009")  # 1000 x 0.3 + 500 x 1.2
    # the file's noise digits: 1000 x 1.6000000000000001 + 500 x 3.2000000000000003 rounds up to 3201 (LiteLLM 0.0032).
    assert price(conn, "novita/deepseek/deepseek-v4-pro", 1000, 500) == Decimal("0.003201")
    # perplexity calculator: LiteLLM ignores the 200k tier (0.362); we charge it.
    # 150000 x 4 + 100000 x 1 + 2000 x 12
    assert price(conn, "perplexity/xai/grok-4.6", 250000, 2000, 100000) == Decimal("0.724")
    # deepseek cache writes: no write price, so the input rate (LiteLLM charges them nothing: 0.000266).
    assert price(conn, "deepseek-chat", 1000, 500, 0, 800) == Decimal("0.00049")  # 1000 x 0.28 + 500 x 0.42
    # LiteLLM answers 0 for this model; we charge the file's rates: 1000 x 0.3 + 500 x 2.5.
    assert price(conn, "gemini-exp-1206", 1000, 500) == Decimal("0.00155")
