"""`moose prices list|set|import`: model prices in USD per million tokens, versioned (docs/BUDGET.md,
"Model prices"). list draws model_prices_list(), set calls set_model_price(), import reads
LiteLLM's model_prices_and_context_window.json (runner/litellm_prices.py: exact decimal
conversion from per-token prices) and hands the entries to import_model_prices(), which decides
what changed and writes only that. Numbers travel as decimal text both ways, never as floats."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
import psycopg

from runner import litellm_prices
from runner.cli.context import Context, call, database_error, echo_json, pass_context, records
from runner.cli.draw import short, table
from runner.db import connect

CHUNK = 500  # entries per import_model_prices call; all chunks run in one transaction


@click.group("prices")
def prices() -> None:
    """Model prices in USD per MILLION tokens, kept as history: a change is a new row from an
    instant on, a price in effect is never changed (docs/BUDGET.md)."""


def rate(value: Any) -> str:
    return "-" if value is None else str(value)


def tiers(row: dict[str, Any]) -> str:
    """The tiers as 'from N: input/output[/cached[/cache write]]', '; '-separated; '-' for none."""
    drawn = []
    for tier in row.get("tiers") or []:
        rates = [tier["input_usd_per_mtok"], tier["output_usd_per_mtok"]]
        cached, written = tier.get("cached_input_usd_per_mtok"), tier.get("cache_write_input_usd_per_mtok")
        if cached is not None or written is not None:
            rates.append(rate(cached))
        if written is not None:
            rates.append(written)
        drawn.append(f"from {tier['from_tokens']}: " + "/".join(str(r) for r in rates))
    return "; ".join(drawn) or "-"


@prices.command("list")
@click.option("--model", default=None, help="One model: its whole history.")
@click.option("--all", "show_all", is_flag=True, help="Every row of every model, superseded ones included.")
@click.option("--json", "as_json", is_flag=True, help="The rows as JSON (rates as decimal strings).")
@pass_context
def prices_list(ctx: Context, model: str | None, show_all: bool, as_json: bool) -> None:
    """Each model's current price and any scheduled one (model_prices_list()); --model or --all
    for the history. Rates: input / output / cached (cache-read) input / cache-write input, USD per
    million tokens; each tier prices a whole call from its input tokens on."""
    found = records(ctx, "SELECT * FROM public.model_prices_list(p_model => %s, p_all => %s)", (model, show_all))
    if model is not None and not found:
        raise click.ClickException(f"no price for model {model!r}: `moose prices list` shows the models priced; "
                                   "set one with `moose prices set MODEL --input X --output Y`")
    if as_json:
        echo_json(found)
        return
    table([("model", "<40"), ("effective from", "<16"), ("status", "<10"), ("input", ">9"), ("output", ">9"),
           ("cached", ">9"), ("write", ">9"), ("max out", ">8"), ("tiers (input/output/cached/write)", "")],
          ([short(r["model"], 40), f"{r['effective_from']:%Y-%m-%d %H:%M}", r["status"],
            rate(r["input_usd_per_mtok"]), rate(r["output_usd_per_mtok"]), rate(r["cached_input_usd_per_mtok"]),
            rate(r["cache_write_input_usd_per_mtok"]), rate(r["max_output_tokens"]), tiers(r)] for r in found),
          empty="no prices: moose prices set or moose prices import FILE")


@prices.command("set")
@click.argument("model")
@click.option("--input", "input_rate", required=True, metavar="USD", help="USD per million input tokens, e.g. 2.5.")
@click.option("--output", "output_rate", required=True, metavar="USD", help="USD per million output tokens.")
@click.option("--cached-input", metavar="USD", help="USD per million cached input tokens (default: the input rate).")
@click.option("--cache-write-input", metavar="USD",
              help="USD per million input tokens written to the prompt cache (default: the input rate).")
@click.option("--max-output-tokens", type=int, help="The most output tokens one call can produce.")
@click.option("--effective-from", metavar="TIMESTAMP", help="When the price takes effect (default now; at most a "
              "year ahead), e.g. '2026-12-01 00:00Z'.")
@click.option("--long-context-threshold", type=int, metavar="TOKENS",
              help="Long-context tier: calls with more input tokens than this are priced whole at the tier's rates.")
@click.option("--long-context-input", metavar="USD", help="The tier's input rate (with --long-context-threshold).")
@click.option("--long-context-output", metavar="USD", help="The tier's output rate (with --long-context-threshold).")
@click.option("--long-context-cached-input", metavar="USD", help="The tier's cached input rate (optional).")
@click.option("--tiers", "tiers_json", metavar="JSON", help="Any number of tiers instead of --long-context-*: "
              "'[{\"from_tokens\": 200001, \"input_usd_per_mtok\": \"2.5\", \"output_usd_per_mtok\": \"15\"}]' "
              "(cached_input_usd_per_mtok, cache_write_input_usd_per_mtok optional).")
@pass_context
def prices_set(ctx: Context, model: str, input_rate: str, output_rate: str, cached_input: str | None,
               cache_write_input: str | None, max_output_tokens: int | None, effective_from: str | None,
               long_context_threshold: int | None, long_context_input: str | None, long_context_output: str | None,
               long_context_cached_input: str | None, tiers_json: str | None) -> None:
    """Set MODEL's price (set_model_price): a new row from --effective-from. The same price again
    changes nothing; a price already in effect is never changed (set a later one)."""
    answer = call(ctx, """
        SELECT public.set_model_price(
            p_model => %s, p_input_usd_per_mtok => %s::numeric, p_output_usd_per_mtok => %s::numeric,
            p_cached_input_usd_per_mtok => %s::numeric, p_max_output_tokens => %s,
            p_effective_from => coalesce(%s::timestamptz, now()),
            p_long_context_threshold_tokens => %s, p_long_context_input_usd_per_mtok => %s::numeric,
            p_long_context_output_usd_per_mtok => %s::numeric,
            p_long_context_cached_input_usd_per_mtok => %s::numeric,
            p_cache_write_input_usd_per_mtok => %s::numeric, p_tiers => %s::jsonb)::text""",
                  (model, input_rate, output_rate, cached_input, max_output_tokens, effective_from,
                   long_context_threshold, long_context_input, long_context_output, long_context_cached_input,
                   cache_write_input, tiers_json))
    price = json.loads(answer, parse_float=Decimal)
    click.echo(f"{price['model']}: {price['outcome']}, from {price['effectiveFrom']}"
               f"{'' if price['inEffect'] else ' (scheduled)'}: input {price['inputUsdPerMtok']}, "
               f"output {price['outputUsdPerMtok']}, cached {rate(price['cachedInputUsdPerMtok'])} USD per million "
               f"tokens, cache write {rate(price['cacheWriteInputUsdPerMtok'])}, max output "
               f"{rate(price['maxOutputTokens'])}, {len(price['tiers'] or [])} tier(s)")


@prices.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Compare and count, then roll back: write nothing.")
@click.option("--effective-from", metavar="TIMESTAMP", help="When the changed prices take effect (default now).")
@pass_context
def prices_import(ctx: Context, path: Path, dry_run: bool, effective_from: str | None) -> None:
    """Import LiteLLM's model_prices_and_context_window.json (USD per token, converted exactly to
    per million): only changed or new prices become rows, all in one transaction. Entries without
    per-token prices are skipped and counted."""
    try:
        parsed = litellm_prices.load(path)
    except (ValueError, json.JSONDecodeError) as error:
        raise click.ClickException(f"{path} is not LiteLLM's price map: {error}") from error
    skipped = ", ".join(f"{reason}: {count}" for reason, count in parsed.skipped.most_common())
    click.echo(f"{path.name}: {parsed.total} entries, {len(parsed.entries)} priced by the token, "
               f"{sum(parsed.skipped.values())} skipped ({skipped or 'none'})")
    totals = {"newModels": 0, "changed": 0, "unchanged": 0, "rowsInserted": 0}
    since: str | None = None
    try:
        with connect(ctx.url()) as conn:
            conn.prepare_threshold = None
            for start in range(0, len(parsed.entries), CHUNK):
                chunk = parsed.entries[start:start + CHUNK]
                answer = conn.execute("""SELECT public.import_model_prices(
                                             p_prices => %s::jsonb,
                                             p_effective_from => coalesce(%s::timestamptz, now()))""",
                                      (json.dumps(chunk), effective_from)).fetchone()
                assert answer is not None
                for key in totals:
                    totals[key] += answer[0][key]
                since = answer[0]["effectiveFrom"]
                click.echo(f"  compared {start + len(chunk)}/{len(parsed.entries)}", err=True)
            if dry_run:
                conn.rollback()
            else:
                conn.commit()
    except psycopg.Error as error:
        raise database_error(error) from error
    verb = "would insert" if dry_run else "inserted"
    click.echo(f"{verb} {totals['rowsInserted']} price rows effective from {since or '-'} "
               f"({totals['newModels']} new models, {totals['changed']} changed); "
               f"{totals['unchanged']} unchanged")
    if dry_run:
        click.echo("dry run: nothing written", err=True)


COMMANDS = (prices,)
