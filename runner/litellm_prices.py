"""Reads LiteLLM's model_prices_and_context_window.json into the entries import_model_prices takes.

LiteLLM writes USD per TOKEN as JSON numbers, often in exponent form (`2.5e-06`); model_prices
holds USD per MILLION tokens. Every number is read from its decimal text (json's parse_float
gives the text to Decimal, never to a binary float) and shifted six decimal places
(Decimal.scaleb, exact), then sent as decimal text. What changed, and what is written, is
decided in SQL (import_model_prices); this module only maps the file's keys:

    input_cost_per_token                       -> input_usd_per_mtok
    output_cost_per_token                      -> output_usd_per_mtok
    cache_read_input_token_cost                -> cached_input_usd_per_mtok
    max_output_tokens, else max_tokens         -> max_output_tokens (a positive integer, else none)
    input_cost_per_token_above_<N>k_tokens     -> long_context_input_usd_per_mtok, threshold N x 1000
    output_cost_per_token_above_<N>k_tokens    -> long_context_output_usd_per_mtok
    cache_read_input_token_cost_above_<N>k_tokens -> long_context_cached_input_usd_per_mtok

An entry is skipped, and counted by reason, when it is not a model (`sample_spec`), lacks a
per-token input or output price (image, audio, video, per-second or per-character pricing),
or has several long-context tiers or an incomplete one (model_prices holds one tier; such a
model gets no price rather than a wrong one)."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

TIER_KEY = re.compile(r"^(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost)_above_(\d+)k_tokens$")
TIER_COLUMNS = {"input_cost_per_token": "long_context_input_usd_per_mtok",
                "output_cost_per_token": "long_context_output_usd_per_mtok",
                "cache_read_input_token_cost": "long_context_cached_input_usd_per_mtok"}
NOT_A_MODEL = "not a model (sample_spec)"
NO_TOKEN_PRICES = "no per-token input and output price"
SEVERAL_TIERS = "several long-context tiers"
INCOMPLETE_TIER = "a long-context tier without its input or output price"


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


def entry(model: str, spec: dict[str, Any]) -> dict[str, Any] | str:
    """One model's entry for import_model_prices, or the reason it is skipped."""
    rate_in, rate_out = per_million(spec.get("input_cost_per_token")), per_million(spec.get("output_cost_per_token"))
    if rate_in is None or rate_out is None:
        return NO_TOKEN_PRICES
    result: dict[str, Any] = {"model": model, "input_usd_per_mtok": text(rate_in),
                              "output_usd_per_mtok": text(rate_out)}
    cached = per_million(spec.get("cache_read_input_token_cost"))
    if cached is not None:
        result["cached_input_usd_per_mtok"] = text(cached)
    max_output = positive_int(spec.get("max_output_tokens")) or positive_int(spec.get("max_tokens"))
    if max_output is not None:
        result["max_output_tokens"] = max_output
    tiers: dict[int, dict[str, Decimal]] = {}
    for key, value in spec.items():
        match = TIER_KEY.match(key)
        rate = per_million(value) if match else None
        if match and rate is not None:
            tiers.setdefault(int(match.group(2)) * 1000, {})[TIER_COLUMNS[match.group(1)]] = rate
    if len(tiers) > 1:
        return SEVERAL_TIERS
    for threshold, rates in tiers.items():
        if "long_context_input_usd_per_mtok" not in rates or "long_context_output_usd_per_mtok" not in rates:
            return INCOMPLETE_TIER
        result["long_context_threshold_tokens"] = threshold
        result.update({column: text(rate) for column, rate in sorted(rates.items())})
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
