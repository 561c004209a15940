"""`moose limits list|set|remove`: rate limits (requests and tokens per minute, token buckets)
per global scope, service, model or project. Each command calls one SQL function
(rate_limit_usage, set_rate_limit, remove_rate_limit) and draws its answer (docs/BUDGET.md,
"Rate limits")."""

from __future__ import annotations

import click

from runner.cli.context import Context, call, echo_json, pass_context, records, rows
from runner.cli.draw import table

SCOPES = click.Choice(["global", "service", "model", "project"])


@click.group("limits")
def limits() -> None:
    """Rate limits: requests and tokens per minute as token buckets, checked by the budget gate
    in the same step as the budgets (docs/BUDGET.md)."""


@limits.command("list")
@click.option("--json", "as_json", is_flag=True, help="rate_limit_usage()'s rows as one JSON array.")
@pass_context
def list_limits(ctx: Context, as_json: bool) -> None:
    """Every rate limit with what its bucket holds now (rate_limit_usage())."""
    if as_json:
        echo_json(records(ctx, "SELECT * FROM public.rate_limit_usage()"))
        return
    found = rows(ctx, "SELECT scope, key, kind, per_minute, available, percentage_available, full_in_ms "
                      "FROM public.rate_limit_usage()")
    table([("scope", "<8"), ("key", "<24"), ("kind", "<8"), ("per minute", ">12"), ("available", ">14"),
           ("%", ">6"), ("full in", ">9")],
          [(scope, key, kind, per_minute, available, percentage, f"{full_in_ms / 1000:.1f}s")
           for scope, key, kind, per_minute, available, percentage, full_in_ms in found],
          "no rate limits (set one with `moose limits set SCOPE KEY --rpm N --tpm N`)")


@limits.command("set")
@click.argument("scope", type=SCOPES)
@click.argument("key")
@click.option("--rpm", type=int, help="Requests per minute (omit: no request limit).")
@click.option("--tpm", type=int, help="Tokens per minute, input plus output (omit: no token limit).")
@pass_context
def set_limit(ctx: Context, scope: str, key: str, rpm: int | None, tpm: int | None) -> None:
    """Create or change the rate limit of SCOPE KEY (global takes the key *): --rpm, --tpm or
    both; a kind left out is no limit of that kind."""
    if rpm is None and tpm is None:
        raise click.UsageError(f"give --rpm N, --tpm N or both; to remove the limit of {scope} {key}: "
                               f"`moose limits remove {scope} {key}`")
    echo_json(call(ctx, "SELECT public.set_rate_limit(%s, %s, %s, %s)", (scope, key, rpm, tpm)))


@limits.command("remove")
@click.argument("scope", type=SCOPES)
@click.argument("key")
@pass_context
def remove_limit(ctx: Context, scope: str, key: str) -> None:
    """Remove the rate limit of SCOPE KEY (both kinds)."""
    echo_json(call(ctx, "SELECT public.remove_rate_limit(%s, %s)", (scope, key)))


COMMANDS = (limits,)
