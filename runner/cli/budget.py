"""`moose budget` (today's budget as a bar, the fullest scoped budgets and the rate limits'
headroom; status, set, remove, expire), and the kill switch: `moose kill`
and `moose resume`, which `moose budget kill` / `moose budget resume` are aliases of (the very
same command: same options, same confirmation). Every command calls one SQL function
(budget_status, rate_limit_usage, set_budget, remove_budget, emergency_kill, resume_operations,
expire_reservations) and draws its answer,
so psql, PostgREST and the CLI give the same answer."""

from __future__ import annotations

import inspect
from decimal import Decimal, InvalidOperation

import click

from runner.cli.context import Context, call, echo_json, pass_context, rows
from runner.cli.draw import budget_bar, scope_bar

PERIODS = click.Choice(["day", "month", "total"])


def usd(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    """A USD amount as written (money never passes through a float); SQL checks its range."""
    try:
        Decimal(value)
    except InvalidOperation:
        raise click.BadParameter(f"{value!r} is not a number of USD, e.g. 20 or 12.50") from None
    return value


@click.command("kill")
@click.option("--reason", required=True, help="Why (lands in the audit log and the escalation).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_context
def kill(ctx: Context, reason: str, yes: bool) -> None:
    """Emergency kill switch (runbook 5.1): stop all spend, stop the orchestrator, pause pending
    work orders, cancel reservations, open a budget_critical escalation. Asks for confirmation
    unless --yes. Idempotent, so it retries by itself on a deadlock or serialization failure
    (SQLSTATE 40P01, 40001): the kill must not fail because something else ran at that moment."""
    if not yes:
        click.confirm(f"Stop all LLM operations now ({reason})?", abort=True)
    result = call(ctx, "SELECT public.emergency_kill(p_reason => %s)", (reason,), attempts=5)
    click.echo(click.style("KILL SWITCH ON", fg="red", bold=True))
    echo_json(result)


@click.command("resume")
@click.option("--note", required=True, help="What was fixed, why it is safe (lands in the audit log).")
@pass_context
def resume(ctx: Context, note: str) -> None:
    """Undo the kill switch: resume exactly the work orders it paused, restart the orchestrator if
    the kill stopped it, admit reservations again. Idempotent."""
    result = call(ctx, "SELECT public.resume_operations(p_note => %s)", (note,))
    assert isinstance(result, dict)
    if result.get("resumed"):
        click.echo(click.style("operations resumed", fg="green", bold=True))
    else:
        click.echo("nothing to resume: the kill switch is off" + (
            f" (last kill {result['lastKillId']}, resumed {result['resumedAt']})" if result.get("lastKillId") else ""))
    echo_json(result)


def alias(command: click.Command, of: str) -> click.Command:
    """The same command under another group: same options, same callback, same safety."""
    return click.Command(command.name, callback=command.callback, params=command.params,
                         help=f"Alias of `{of}` (the same command: same options, same safety).\n\n"
                              + inspect.cleandoc(command.help or ""),
                         short_help=f"Alias of `{of}`.")


@click.group("budget", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="budget_status() as JSON (no subcommand).")
@click.pass_context
def budget(click_ctx: click.Context, as_json: bool) -> None:
    """Today's budget (runbook 1.3) as a bar with its tier, the fullest service, project and
    work-order budgets, and what each rate limit holds, when given no subcommand;
    `status`, `set`, `remove`, `expire`, and `kill` / `resume` as aliases of `moose kill` /
    `moose resume` (docs/BUDGET.md)."""
    if click_ctx.invoked_subcommand is not None:
        return
    result = call(click_ctx.obj, "SELECT public.budget_status()")
    assert isinstance(result, dict)
    if as_json:
        echo_json(result)
        return
    click.echo(f"Budget day {result.get('budget_day')}: " + budget_bar(result))
    if "remaining" in result:
        click.echo(f"Remaining: ${result['remaining']}")
    scopes = result.get("fullest_scopes") or []
    if scopes:
        click.echo("Fullest scoped budgets:")
    for scope in scopes:
        click.echo("  " + scope_bar(scope))
    limits = rows(click_ctx.obj, "SELECT scope, key, kind, per_minute, available, percentage_available "
                                 "FROM public.rate_limit_usage()")
    if limits:
        click.echo("Rate limits (available now / per minute):")
    for scope, key, kind, per_minute, available, percentage in limits:
        click.echo(f"  {scope} {key} {kind}: {available:.0f} / {per_minute} ({percentage}%)")


@budget.command("status")
@pass_context
def budget_status(ctx: Context) -> None:
    """Print budget_status(): spend, limit, percentage, status, tier, reserved, kill switch."""
    echo_json(call(ctx, "SELECT public.budget_status()"), sort_keys=True)


@budget.command("set")
@click.argument("scope", type=click.Choice(["global", "service", "project", "work_order"]))
@click.argument("key")
@click.argument("limit", callback=usd)
@click.option("--period", type=PERIODS, default="day", show_default=True, help="The budget's period.")
@pass_context
def budget_set(ctx: Context, scope: str, key: str, limit: str, period: str) -> None:
    """Create or change the budget of SCOPE KEY (a service, project or work order id; * for each
    one separately; global takes *) to LIMIT USD per period (set_budget)."""
    echo_json(call(ctx, "SELECT public.set_budget(%s, %s, %s, %s::numeric)", (scope, key, period, limit)))


@budget.command("remove")
@click.argument("scope", type=click.Choice(["global", "service", "project", "work_order"]))
@click.argument("key")
@click.option("--period", type=PERIODS, default="day", show_default=True, help="The budget's period.")
@pass_context
def budget_remove(ctx: Context, scope: str, key: str, period: str) -> None:
    """Remove the budget of SCOPE KEY for the period (remove_budget)."""
    echo_json(call(ctx, "SELECT public.remove_budget(%s, %s, %s)", (scope, key, period)))


@budget.command("expire")
@pass_context
def budget_expire(ctx: Context) -> None:
    """Expire open reservations past their expiry and free their amounts; prints how many."""
    click.echo(call(ctx, "SELECT public.expire_reservations()"))


budget.add_command(alias(kill, "moose kill"))
budget.add_command(alias(resume, "moose resume"))

COMMANDS = (budget, kill, resume)
