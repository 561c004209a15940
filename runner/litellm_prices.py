"""Reads LiteLLM's model_prices_and_context_window.json into the entries import_model_prices takes.

LiteLLM writes USD per TOKEN as JSON numbers, often in exponent form (`2.5e-06`); model_prices
holds USD per MILLION tokens. Every number is read from its decimal text (json's parse_float
gives the text to Decimal, never to a binary float) and shifted six decimal places
(Decimal.scaleb, exact), then sent as decimal text. What changed, and what is written, is
decided in SQL (import_model_prices); this module maps the file's keys the way LiteLLM 1.110.2's
calculator reads them (litellm_core_utils/llm_cost_calc: _get_token_base_cost, tiered_pricing):

    input_cost_per_token                       -> input_usd_per_mtok
    output_cost_per_token                      -> output_usd_per_mtok
    cache_read_input_token_cost                -> cached_input_usd_per_mtok
    cache_creation_input_token_cost            -> cache_write_input_usd_per_mtok
    max_output_tokens, else max_tokens         -> max_output_tokens (a positive integer, else none)
    <rate>_above_<N>k_tokens (any number of N) -> a tier from N x 1000 + 1 input tokens (from N x 1000
                                                  for xAI, whose boundary LiteLLM draws inclusive);
                                                  a rate a tier does not name is the one of the tier
                                                  below it (LiteLLM's cumulative fallback)
    tiered_pricing [{range: [start, end], ...}] -> the first range the base rates, each further one a
                                                  tier from start + 1 (LiteLLM: start < input <= end);
                                                  a tier's missing output rate is the model's, its
                                                  missing cache rates its input rate

A missing cache-read or cache-write rate stays absent: the SQL rule then charges the input rate of
the same tier, as LiteLLM does. An entry is skipped, and counted by reason, when it is not a model
(`sample_spec`) or has no per-token input and output price (image, audio, video, per-second,
per-character or per-query pricing)."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

RATES = {"input_cost_per_token": "input_usd_per_mtok", "output_cost_per_token": "output_usd_per_mtok",
         "cache_read_input_token_cost": "cached_input_usd_per_mtok",
         "cache_creation_input_token_cost": "cache_write_input_usd_per_mtok"}
TIER_KEY = re.compile(r"^(" + "|".join(RATES) + r")_above_(\d+)(k?)_tokens$")
INCLUSIVE_PROVIDERS = frozenset({"xai"})  # LiteLLM's _INCLUSIVE_THRESHOLD_PROVIDERS
NOT_A_MODEL = "not a model (sample_spec)"
NO_TOKEN_PRICES = "no per-token input and output price"


@dataclass
class Parsed:
    """The entries to import (USD per million tokens, rates as decimal text) and what was skipped."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return len(self.entries) + sum(self.skipped.values())


def per_million(value: Any) -> Decimal | None:
    """A per-token price from the file (Decimal from its text, or an int) as USD per million
    tokens, exactly; None for anything that is not a number."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        return None
    return Decimal(value).scaleb(6)


def text(value: Decimal) -> str:
    """Plain decimal text without exponent or trailing zeros: '2.5', '0.075', '10'."""
    plain = format(value, "f")
    return plain.rstrip("0").rstrip(".") if "." in plain else plain


def positive_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31 else None


def rates_of(spec: dict[str, Any], suffix: str = "") -> dict[str, Decimal]:
    """The four per-token rates a mapping names (with a key suffix), per million tokens."""
    found = {column: per_million(spec.get(key + suffix)) for key, column in RATES.items()}
    return {column: rate for column, rate in found.items() if rate is not None}


def above_tiers(spec: dict[str, Any], base: dict[str, Decimal], inclusive: bool) -> list[dict[str, Any]]:
    """The `<rate>_above_<N>k_tokens` tiers, ascending, each resolved as LiteLLM resolves it: the
    rates of every threshold crossed, the higher overriding, a rate not named carried up."""
    thresholds: dict[int, str] = {}
    for key, value in spec.items():
        match = TIER_KEY.match(key)
        if match and per_million(value) is not None:
            size = int(match.group(2)) * (1000 if match.group(3) else 1)
            thresholds[size] = match.group(2) + match.group(3)
    tiers, current = [], dict(base)
    for size in sorted(thresholds):
        current.update(rates_of(spec, f"_above_{thresholds[size]}_tokens"))
        tiers.append({"from_tokens": size if inclusive else size + 1, **current})
    return tiers


def listed_tiers(spec: dict[str, Any]) -> list[tuple[int, dict[str, Decimal]]] | None:
    """A `tiered_pricing` list as (start, rates) by ascending start, or None when it prices no
    tokens (LiteLLM then uses the flat keys)."""
    listed = spec.get("tiered_pricing")
    if not isinstance(listed, list) or not listed:
        return None
    result = []
    for tier in listed:
        bounds = tier.get("range") if isinstance(tier, dict) else None
        if not (isinstance(bounds, list) and len(bounds) == 2 and all(per_million(b) is not None for b in bounds)):
            return None
        rates = rates_of(tier)
        if "input_usd_per_mtok" not in rates:
            return None
        result.append((int(Decimal(bounds[0])), rates))
    return sorted(result, key=lambda pair: pair[0])


def entry(model: str, spec: dict[str, Any]) -> dict[str, Any] | str:
    """One model's entry for import_model_prices, or the reason it is skipped."""
    flat = rates_of(spec)
    listed = listed_tiers(spec)
    tiers: list[dict[str, Any]]
    if listed is not None:
        model_output = flat.get("output_usd_per_mtok", Decimal(0))
        resolved = [(start, {"output_usd_per_mtok": model_output, **rates}) for start, rates in listed]
        base = resolved[0][1]
        tiers = [{"from_tokens": start + 1, **rates} for start, rates in resolved[1:]]
    else:
        if "input_usd_per_mtok" not in flat or "output_usd_per_mtok" not in flat:
            return NO_TOKEN_PRICES
        base = flat
        tiers = above_tiers(spec, flat, spec.get("litellm_provider") in INCLUSIVE_PROVIDERS)
    result: dict[str, Any] = {"model": model, **{column: text(rate) for column, rate in base.items()}}
    max_output = positive_int(spec.get("max_output_tokens")) or positive_int(spec.get("max_tokens"))
    if max_output is not None:
        result["max_output_tokens"] = max_output
    if tiers:
        result["tiers"] = [{key: value if key == "from_tokens" else text(value) for key, value in tier.items()}
                           for tier in tiers]
    return result


def parse(document: dict[str, Any]) -> Parsed:
    """Every model of a LiteLLM price document (already loaded with parse_float=Decimal)."""
    parsed = Parsed()
    for model, spec in document.items():
        if model == "sample_spec" or not isinstance(spec, dict):
            parsed.skipped[NOT_A_MODEL] += 1
            continue
        result = entry(model, spec)
        if isinstance(result, str):
            parsed.skipped[result] += 1
        else:
            parsed.entries.append(result)
    return parsed


def load(path: Path) -> Parsed:
    """Read the file: numbers with a fraction or exponent become Decimal from their own text."""
    with path.open(encoding="utf-8") as handle:
        document = json.load(handle, parse_float=Decimal)
    if not isinstance(document, dict):
        raise ValueError(f"{path} is not LiteLLM's price map (a JSON object of models)")
    return parse(document)
