"""Why our price of a call may be HIGHER than LiteLLM's (bench.price_check): each class is a
deliberate choice that docs/BUDGET.md states with its count. A higher answer no class explains
is reported as "unexplained" (to be understood, then fixed or documented)."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import Any

from runner.litellm_prices import TIER_KEY

CLASSES = {
    "no invented cache discount": "fireworks_ai models without a cache-read price: LiteLLM assumes one at half "
                                  "the input rate, we charge cached tokens the input rate, as the file prices them",
    "off-peak ignored": "models with off_peak_pricing: LiteLLM charges the off-peak rates in their hours (by "
                        "the clock of the run), we always charge the standard ones",
    "file's noise digits": "the file writes rates with binary-float noise (1.6000000000000001e-06): we price "
                           "its decimal text exactly, LiteLLM's float arithmetic drops the last digits; one "
                           "micro-dollar above LiteLLM's rounded up",
    "perplexity calculator": "perplexity models: LiteLLM's perplexity calculator ignores the file's "
                             "*_above_<N>k_tokens tiers and cache-write rates, we charge them",
    "deepseek cache writes": "deepseek models: LiteLLM's deepseek calculator charges cache-write tokens "
                             "nothing; without a cache-write price we charge them the input rate",
    "LiteLLM answers 0": "LiteLLM prices the call at 0 (its gemini calculator does not find the model); "
                         "we charge the file's rates",
    "unexplained": "no documented reason: to be understood",
}
MICRO = Decimal("0.000001")


def thresholds(spec: dict[str, Any]) -> list[int]:
    """The input-token boundaries LiteLLM draws for a model: each `*_above_<N>k_tokens` N and each
    `tiered_pricing` range start above 0."""
    found = set()
    for key in spec:
        match = TIER_KEY.match(key)
        if match:
            found.add(int(match.group(2)) * (1000 if match.group(3) else 1))
    for tier in spec.get("tiered_pricing") or []:
        bounds = tier.get("range") if isinstance(tier, dict) else None
        if isinstance(bounds, list) and len(bounds) == 2 and isinstance(bounds[0], (int, Decimal)) and bounds[0] > 0:
            found.add(int(bounds[0]))
    return sorted(found)


def noisy(value: Any) -> bool:
    """A rate written with binary-float noise: more than 15 significant digits."""
    if isinstance(value, dict):
        return any(noisy(v) for v in value.values())
    if isinstance(value, list):
        return any(noisy(v) for v in value)
    return isinstance(value, Decimal) and len(value.normalize().as_tuple().digits) > 15


def higher_class(spec: dict[str, Any], counts: tuple[int, int, int, int], ours: Decimal, theirs: Decimal) -> str:
    """The documented class that explains a higher price, else 'unexplained'."""
    provider = spec.get("litellm_provider")
    _prompt, _completion, cached, written = counts
    if theirs == 0:
        return "LiteLLM answers 0"
    if provider == "perplexity":
        return "perplexity calculator"
    if provider == "fireworks_ai" and spec.get("cache_read_input_token_cost") is None and cached > 0:
        return "no invented cache discount"
    if "off_peak_pricing" in spec:
        return "off-peak ignored"
    if provider == "deepseek" and written > 0:
        return "deepseek cache writes"
    if noisy(spec) and ours - theirs.quantize(MICRO, rounding=ROUND_CEILING) == MICRO:
        return "file's noise digits"
    return "unexplained"
