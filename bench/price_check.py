"""`python -m bench.price_check`: our price of a call against LiteLLM's own calculator.

Run it in a SIDE environment that has LiteLLM (never a project dependency):

    python3 -m venv /work/litellm-venv
    /work/litellm-venv/bin/pip install litellm==1.110.2 -e .
    /work/litellm-venv/bin/python -m bench.price_check [--out docs/performance/prices.md]

It creates a scratch database on the server `moose db url` points to (or MOOSE_DATABASE_URL),
migrates it, imports the vendored price file with `moose prices import`'s own conversion
(runner/litellm_prices.py, import_model_prices), then prices every imported model through SQL
(private.price_call at private.model_price_at, the rule reserve_llm_call and settle_llm_call
use) for the cases below and compares each with `litellm.cost_per_token` for the same counts on
the same file (LiteLLM 1.110.2 ships it byte-identical). Every answer is exact, rounded up (ours
is LiteLLM's rounded up to the micro-dollar), higher by a documented class
(bench/_price_classes.py; docs/BUDGET.md states each), or lower: the target is 0 lower, and
the exit status is 1 otherwise. Input tokens count the cached and cache-write ones, as both
calculators take them."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_CEILING, Decimal
from importlib.metadata import version
from pathlib import Path
from typing import Any

from psycopg import sql

from bench._price_classes import CLASSES, higher_class, thresholds
from bench._server import server_url
from runner import litellm_prices
from runner.db import connect, with_database
from runner.migrations import migrate

SCRATCH_DB = "moose_price_check"
VENDOR = Path(__file__).resolve().parent.parent.parent / "shared" / "vendor" / \
    "litellm-1.110.2-model_prices_and_context_window.json"
CASES = (("1000 in / 500 out", 1000, 500, 0, 0), ("1000 / 500 / 400 cached", 1000, 500, 400, 0),
         ("150000 / 2000", 150000, 2000, 0, 0), ("250000 / 2000 / 100000 cached", 250000, 2000, 100000, 0),
         ("1000 / 500 / 800 cache writes", 1000, 500, 0, 800))
MICRO = Decimal("0.000001")


@dataclass(frozen=True)
class Comparison:
    model: str
    case: str
    counts: tuple[int, int, int, int]
    ours: Decimal
    theirs: Decimal
    verdict: str


def cases_for(spec: dict[str, Any]) -> list[tuple[str, int, int, int, int]]:
    """The five fixed cases, plus each tier threshold of the model itself (2000 output tokens)."""
    return [*CASES, *((f"at the threshold {size}", size, 2000, 0, 0) for size in thresholds(spec))]


def ours(url: str, rows: list[tuple[str, int, int, int, int]]) -> list[Decimal]:
    """Our price of every (model, input, output, cached, cache write), through SQL, in order."""
    with connect(url) as conn:
        found = conn.execute(
            "SELECT private.price_call(private.model_price_at(r.model, now()), r.i, r.o, r.c, r.w)"
            " FROM unnest(%s::text[], %s::int[], %s::int[], %s::int[], %s::int[])"
            " WITH ORDINALITY AS r(model, i, o, c, w, n)"
            " ORDER BY r.n", [list(column) for column in zip(*rows, strict=True)]).fetchall()
    return [row[0] for row in found]


def theirs(model: str, spec: dict[str, Any], counts: tuple[int, int, int, int]) -> Decimal:
    """LiteLLM's cost for the counts (prompt tokens include the cached and cache-write ones),
    its binary float read back to 12 decimal places (below any micro-dollar question)."""
    import litellm  # the side environment's

    litellm.suppress_debug_info = True
    prompt, completion, cached, written = counts
    provider = spec.get("litellm_provider")
    # A key that repeats its provider ("perplexity/perplexity/sonar") is looked up by LiteLLM's
    # name resolution as another entry ("perplexity/sonar"): price the key's own entry.
    override = litellm.model_cost[model] if lookup_elsewhere(model, provider) else None
    prompt_cost, completion_cost = litellm.cost_per_token(
        model=model, custom_llm_provider=provider, prompt_tokens=prompt, completion_tokens=completion,
        cache_read_input_tokens=cached, cache_creation_input_tokens=written, requested_model_info_override=override)
    return Decimal(repr(prompt_cost + completion_cost)).quantize(Decimal("1e-12"))


def lookup_elsewhere(model: str, provider: Any) -> bool:
    """Whether LiteLLM's name lookup resolves this key to another entry (a doubled provider prefix)."""
    return isinstance(provider, str) and model.startswith(f"{provider}/{provider}/")


def verdict(our: Decimal, their: Decimal, spec: dict[str, Any], counts: tuple[int, int, int, int]) -> str:
    rounded = their.quantize(MICRO, rounding=ROUND_CEILING)
    if our == their:
        return "exact"
    if our == rounded:
        return "rounded up"
    if our < their:
        return "lower"
    return "higher: " + higher_class(spec, counts, our, their)


def prepare(url: str, path: Path) -> tuple[str, dict[str, Any], list[str]]:
    """A fresh migrated scratch database with the file imported; the document and the models."""
    with connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(SCRATCH_DB)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(SCRATCH_DB)))
    scratch = with_database(url, SCRATCH_DB)
    migrate(scratch, echo=lambda _line: None)
    parsed = litellm_prices.load(path)
    with connect(scratch) as conn:
        for start in range(0, len(parsed.entries), 500):
            chunk = json.dumps(parsed.entries[start:start + 500])
            conn.execute("SELECT public.import_model_prices(%s::jsonb)", (chunk,))
        conn.commit()
    document = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    return scratch, document, [entry["model"] for entry in parsed.entries]


def compare(scratch: str, document: dict[str, Any], models: list[str]) -> list[Comparison]:
    rows = [(model, i, o, c, w) for model in models for (_name, i, o, c, w) in cases_for(document[model])]
    names = [name for model in models for (name, *_counts) in cases_for(document[model])]
    results = []
    for (model, *counts), name, our in zip(rows, names, ours(scratch, rows), strict=True):
        spec, key = document[model], (counts[0], counts[1], counts[2], counts[3])
        their = theirs(model, spec, key)
        results.append(Comparison(model, name, key, our, their, verdict(our, their, spec, key)))
    return results


def report(results: list[Comparison], models: int, elsewhere: int) -> str:
    import litellm  # the side environment's

    tally = Counter(r.verdict for r in results)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"LiteLLM {version('litellm')} `cost_per_token` against `private.price_call`, {when} "
             f"(off-peak hours depend on this instant; {len(litellm.model_cost)} entries in LiteLLM's map).", "",
             f"{models} models priced by the token, {len(results)} comparisons "
             f"(5 cases each, plus each tier threshold of a tiered model); {elsewhere} keys repeat their "
             f"provider (`perplexity/perplexity/sonar`), which LiteLLM's name lookup resolves to another entry: "
             f"they are compared with LiteLLM's calculator on their own entry.", ""]
    lines += ["| verdict | comparisons | models |", "| --- | ---: | ---: |"]
    by_model: dict[str, set[str]] = defaultdict(set)
    for r in results:
        by_model[r.verdict].add(r.model)
    order = ["exact", "rounded up", *sorted(v for v in tally if v.startswith("higher")), "lower"]
    lines += [f"| {v} | {tally.get(v, 0)} | {len(by_model.get(v, ()))} |" for v in order]
    lines.append("")
    for v in order[2:]:
        sample = [r for r in results if r.verdict == v][:3]
        if sample:
            what = CLASSES.get(v.removeprefix("higher: "), "LOWER than LiteLLM: a bug to fix")
            lines.append(f"- **{v}** ({what}): " + "; ".join(
                f"{r.model} {r.case}: ours {r.ours} vs LiteLLM {r.theirs.normalize()}" for r in sample))
    return "\n".join(lines) + "\n"


def run(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.price_check", description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=Path(os.environ.get("MOOSE_LITELLM_PRICES") or VENDOR))
    parser.add_argument("--out", type=Path, help="also write the report (markdown) to this file")
    args = parser.parse_args(argv)
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # LiteLLM reads its own copy, never the network
    scratch, document, models = prepare(server_url(), args.file)
    results = compare(scratch, document, models)
    text = report(results, len(models), sum(lookup_elsewhere(m, document[m].get('litellm_provider')) for m in models))
    print(text, end="")
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 1 if any(r.verdict == "lower" for r in results) else 0


if __name__ == "__main__":
    sys.exit(run())
