"""`moose budget` (today's budget as a bar; status, expire), and the kill switch: `moose kill`
and `moose resume`, which `moose budget kill` / `moose budget resume` are aliases of (the very
same command: same options, same confirmation). Every command calls one SQL function
(budget_status, emergency_kill, resume_operations, expire_reservations) and draws its answer,
so psql, PostgREST and the CLI give the same answer."""

from __future__ import annotations

import inspect

import click

from runner.cli.context import Context, call, echo_json, pass_context
from runner.cli.draw import budget_bar, scope_bar


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
    click.echo(click.style("operations resumed", fg="green", bold=True))
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
    """Today's budget (runbook 1.3) as a bar with its tier, and the fullest service, project and
    work-order budgets, when given no subcommand;
    `status`, `expire`, and `kill` / `resume` as aliases of `moose kill` / `moose resume`
    (docs/BUDGET.md)."""
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


@budget.command("status")
@pass_context
def budget_status(ctx: Context) -> None:
    """Print budget_status(): spend, limit, percentage, status, tier, reserved, kill switch."""
    echo_json(call(ctx, "SELECT public.budget_status()"), sort_keys=True)


@budget.command("expire")
@pass_context
def budget_expire(ctx: Context) -> None:
    """Expire open reservations past their expiry and free their amounts; prints how many."""
    click.echo(call(ctx, "SELECT public.expire_reservations()"))


budget.add_command(alias(kill, "moose kill"))
budget.add_command(alias(resume, "moose resume"))

COMMANDS = (budget, kill, resume)
