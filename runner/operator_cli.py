"""Operator commands: `moose status` (runbook 1.1's morning health check in the terminal),
`moose budget`, `moose kill`, `moose resume`, `moose escalations list|show|decide`,
`moose config get|set`, `moose backup-config`, `moose restore-config`. Each calls the SQL
functions the runbook and PostgREST use; what is healthy, what a tier is, what a decision does
is decided there, never here. This module only draws."""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click
import psycopg
from psycopg.types.json import Jsonb

from runner import budget_cli
from runner.db import connect
from runner.service_cli import Context, call, pass_context, sql_error

COLOURS = {"healthy": "green", "warning": "yellow", "error": "red", "critical": "red", "normal": "green",
           "hard_cap": "yellow", "emergency_kill": "red"}


def _rows(ctx: Context, query: str, params: tuple | dict = ()) -> list[tuple]:
    try:
        with connect(ctx.url()) as conn:
            conn.prepare_threshold = None
            return conn.execute(query, params).fetchall()
    except psycopg.Error as error:
        raise sql_error(error) from error


def _span(seconds: int) -> str:
    if seconds >= 86400:
        return f"{seconds // 86400}d{(seconds % 86400) // 3600}h"
    if seconds >= 3600:
        return f"{seconds // 3600}h{(seconds % 3600) // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m"
    return f"{seconds}s"


def _ago(then: datetime | str | None, now: datetime) -> str:
    """"12m ago" for the past, "in 1h05m" for the future, "never" for nothing."""
    if then is None:
        return "never"
    if isinstance(then, str):
        then = datetime.fromisoformat(then)
    seconds = int((now - then).total_seconds())
    return f"{_span(seconds)} ago" if seconds >= 0 else f"in {_span(-seconds)}"


def budget_bar(budget: dict[str, Any], width: int = 30) -> str:
    """[#######-----------] 31.2% of $100 ($31.20), tier warning — drawn from budget_status()."""
    percentage = float(budget.get("percentage") or 0)
    filled = min(width, round(width * percentage / 100))
    tier = budget.get("tier") or budget.get("status") or "?"
    colour = COLOURS.get(str(tier), COLOURS.get(str(budget.get("status")), "white"))
    bar = click.style("█" * filled, fg=colour) + "░" * (width - filled)
    line = (f"[{bar}] {percentage:.1f}% of ${budget.get('limit')} (spent ${budget.get('daily_total')}"
            + (f", reserved ${budget['reserved']}" if budget.get("reserved") not in (None, 0) else "")
            + f"), tier {click.style(str(tier), fg=colour, bold=True)}")
    if budget.get("force_hard_cap_model"):
        line += click.style("\n    Every reservation is forced to the hard-cap model (budget_force_hard_cap_model)",
                            fg="yellow")
    kill = budget.get("kill_switch") or {}
    if kill.get("active"):
        line += click.style(f"\n    KILL SWITCH ON since {kill.get('killed_at')}: {kill.get('reason')}", fg="red",
                            bold=True)
    return line


# -- moose status --------------------------------------------------------------------------

@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="The raw figures as one JSON object.")
@pass_context
def status(ctx: Context, as_json: bool) -> None:
    """The runbook's morning health check (1.1): overall status in colour, the budget bar with
    its tier, stuck work orders, open escalations by SLA time left, the 24 h error rate, the
    orchestrator, the runners and their job leases, failing jobs. Exit 0 healthy, 1 warning,
    2 error."""
    rows = _rows(ctx, "SELECT public.system_health(), now()")
    health, now = rows[0]
    escalations = _rows(ctx, """
        SELECT e.priority, e.trigger_type, e.status, e.work_order_id, e.sla_due_at, e.id
        FROM public.escalations AS e WHERE e.status IN ('pending', 'acknowledged')
        ORDER BY e.sla_due_at LIMIT 10""")
    scheduler = _rows(ctx, "SELECT public.scheduler_status()")[0][0]
    if as_json:
        click.echo(json.dumps({"health": health, "escalations": [list(r) for r in escalations],
                               "scheduler": scheduler}, default=str, indent=2))
        sys.exit({"healthy": 0, "warning": 1}.get(health["status"], 2))

    state = str(health["status"])
    click.echo(click.style(f"Moose Mission Control — {now:%Y-%m-%d %H:%M} UTC", bold=True))
    click.echo("System status:     " + click.style(state.upper(), fg=COLOURS.get(state, "white"), bold=True)
               + (f"  ({'; '.join(health.get('reasons') or [])})" if health.get("reasons") else ""))
    click.echo("Budget:            " + budget_bar(health.get("budget") or {}))
    stuck = health.get("stuck_work_orders") or {}
    stuck_colour = "red" if stuck.get("total") else "green"
    click.echo("Stuck work orders: " + click.style(str(stuck.get("total", 0)), fg=stuck_colour)
               + f"  (pending {stuck.get('pending', 0)}, in progress {stuck.get('in_progress', 0)})")
    open_esc = health.get("escalations") or {}
    click.echo(f"Open escalations:  {open_esc.get('open', 0)} (pending {open_esc.get('pending', 0)}, "
               f"past SLA {open_esc.get('sla_breached', 0)})")
    for priority, trigger, esc_status, work_order, due, esc_id in escalations:
        overdue = due < now
        sla = f"OVERDUE {_span(int((now - due).total_seconds()))}" if overdue else f"due {_ago(due, now)}"
        colour = "red" if overdue else ("yellow" if priority == "high" else "white")
        click.echo(click.style(f"    {priority:<6} {trigger:<20} {esc_status:<12} {sla:<16} "
                               f"wo {str(work_order or '-')[:8]}  id {str(esc_id)[:8]}", fg=colour))
    rate = health.get("error_rate") or {}
    click.echo(f"Error rate (24 h): {rate.get('percentage', 0)}% "
               f"({rate.get('failed', 0)} of {rate.get('attempts', 0)})")
    orch = health.get("orchestrator") or {}
    click.echo(f"Orchestrator:      {orch.get('status')} every {orch.get('interval_ms')} ms, "
               f"last poll {_ago(orch.get('last_poll_at'), now)}"
               + (f", stopped: {orch.get('stopped_reason')}" if orch.get("stopped_reason") else ""))
    sched_state = str(scheduler["status"])
    click.echo("Scheduler:         " + click.style(sched_state, fg={"ok": "green", "degraded": "yellow"}.get(
        sched_state, "red")))
    leases: dict[str, list[str]] = {}
    for lease in scheduler["leases"]:
        leases.setdefault(lease["holder"], []).append(lease["job"])
    if not any(r["alive"] for r in scheduler["runners"]):
        click.echo(click.style("Runners:           none alive (is `moose run` or pg_cron running the jobs?)",
                               fg="yellow"))
    alive = [r for r in scheduler["runners"] if r["alive"]]
    for runner in alive + [r for r in scheduler["runners"] if not r["alive"]][:max(0, 3 - len(alive))]:
        seen = f"stopped {_ago(runner['stopped_at'], now)}" if runner["stopped_at"] else \
            f"seen {_ago(runner['last_seen_at'], now)}"
        held = leases.get(runner["holder"])
        click.echo(f"Runner:            {runner['holder']} {seen}" + (f", running {', '.join(held)}" if held else ""))
    for job in scheduler["jobs_failing"]:
        click.echo(click.style(f"Job failing:       {job['job']} ({job['failures']} in a row): {job['last_error']}",
                               fg="red"))
    for job in scheduler["jobs_overdue"]:
        click.echo(click.style(f"Job overdue:       {job['job']} due {_ago(job['next_run_at'], now)}", fg="red"))
    sys.exit({"healthy": 0, "warning": 1}.get(state, 2))


# -- moose budget / kill / resume ----------------------------------------------------------

def _draw_budget(ctx: Context, as_json: bool) -> None:
    result = call(ctx, "SELECT public.budget_status()")
    assert isinstance(result, dict)
    if as_json:
        click.echo(json.dumps(result, indent=2, default=str))
        return
    click.echo(f"Budget day {result.get('budget_day')}: " + budget_bar(result))
    if "remaining" in result:
        click.echo(f"Remaining: ${result['remaining']}")
    scopes = result.get("fullest_scopes") or []
    if scopes:
        click.echo("Fullest scoped budgets:")
    for scope in scopes:
        percentage = float(scope.get("percentage") or 0)
        filled = min(20, round(20 * percentage / 100))
        colour = "red" if percentage >= 100 else "yellow" if percentage >= 80 else "green"
        click.echo(f"  [{click.style('█' * filled, fg=colour)}{'░' * (20 - filled)}] {percentage:.1f}% "
                   f"{scope.get('scope')} {scope.get('key')} per {scope.get('period')}: "
                   f"${scope.get('spent')} spent, ${scope.get('reserved')} reserved of ${scope.get('budget_limit')}")


@click.pass_context
def _budget_callback(click_ctx: click.Context, as_json: bool) -> None:
    if click_ctx.invoked_subcommand is None:
        _draw_budget(click_ctx.obj, as_json)


# `moose budget` = the budget part's group (status, kill, resume, expire: runner/budget_cli.py)
# plus, with no subcommand, today's budget drawn as a bar with its tier.
budget = click.Group(
    "budget", commands=dict(budget_cli.budget.commands), invoke_without_command=True, callback=_budget_callback,
    params=[click.Option(["--json", "as_json"], is_flag=True, help="budget_status() as JSON (no subcommand).")],
    help="Today's budget (runbook 1.3) as a bar with its tier when given no subcommand; "
         "`status`, `kill`, `resume`, `expire` as the budget part defines them (docs/BUDGET.md).")


@click.command("kill")
@click.option("--reason", required=True, help="Why (lands in the audit log and the escalation).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_context
def kill(ctx: Context, reason: str, yes: bool) -> None:
    """Emergency kill switch (runbook 5.1): stop all spend, stop the orchestrator, pause pending
    work orders, cancel reservations, open a budget_critical escalation. Idempotent; retried on a
    deadlock or serialization failure (SQLSTATE 40P01, 40001)."""
    if not yes:
        click.confirm(f"Stop all LLM operations now ({reason})?", abort=True)
    try:  # retried on 40001/40P01 by itself: the kill must not fail because something else ran
        result = budget_cli.call_retrying(ctx.url(), "SELECT public.emergency_kill(p_reason => %s)", (reason,))
    except psycopg.Error as error:
        raise sql_error(error) from error
    click.echo(click.style("KILL SWITCH ON", fg="red", bold=True))
    click.echo(json.dumps(result, indent=2, default=str))


@click.command("resume")
@click.option("--note", required=True, help="What was fixed (lands in the audit log).")
@pass_context
def resume(ctx: Context, note: str) -> None:
    """Undo the kill switch: resume exactly the work orders it paused, restart the orchestrator."""
    result = call(ctx, "SELECT public.resume_operations(p_note => %s)", (note,))
    click.echo(click.style("operations resumed", fg="green", bold=True))
    click.echo(json.dumps(result, indent=2, default=str))


# -- moose escalations ---------------------------------------------------------------------

@click.group("escalations")
def escalations() -> None:
    """Escalations waiting for a human (runbook 1.2 and 3): list, show one, decide."""


@escalations.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include resolved and dismissed ones.")
@pass_context
def escalations_list(ctx: Context, show_all: bool) -> None:
    """Open escalations by SLA time left (overdue first)."""
    rows = _rows(ctx, """
        SELECT e.id, e.priority, e.trigger_type, e.status, e.work_order_id, e.sla_due_at, now()
        FROM public.escalations AS e
        WHERE %s OR e.status IN ('pending', 'acknowledged')
        ORDER BY e.status IN ('pending', 'acknowledged') DESC, e.sla_due_at LIMIT 200""", (show_all,))
    if not rows:
        click.echo("no open escalations")
        return
    click.echo(f"{'id':<36} {'priority':<8} {'type':<20} {'status':<12} {'SLA':<16} work order")
    for esc_id, priority, trigger, esc_status, work_order, due, now in rows:
        open_ = esc_status in ("pending", "acknowledged")
        if not open_:
            sla = "-"
        elif due < now:
            sla = f"OVERDUE {_span(int((now - due).total_seconds()))}"
        else:
            sla = f"due {_ago(due, now)}"
        click.echo(click.style(f"{esc_id!s:<36} {priority:<8} {trigger:<20} {esc_status:<12} {sla:<16} "
                               f"{work_order or '-'}", fg="red" if open_ and due < now else None))


@escalations.command("show")
@click.argument("escalation_id")
@pass_context
def escalations_show(ctx: Context, escalation_id: str) -> None:
    """One escalation with its context, options and the recommended one."""
    rows = _rows(ctx, "SELECT to_jsonb(e) FROM public.escalations AS e WHERE e.id::text = %s", (escalation_id,))
    if not rows:
        raise click.ClickException(f"no escalation {escalation_id}")
    record = rows[0][0]
    options = _rows(ctx, "SELECT p.resolution_options FROM public.escalation_policies AS p WHERE p.trigger_type = %s",
                    (record["trigger_type"],))
    recommended = call(ctx, "SELECT public.recommend_resolution(p_escalation_id => %s::uuid)", (record["id"],))
    click.echo(json.dumps(record, indent=2, default=str))
    best = recommended.get("option") if isinstance(recommended, dict) else None
    if options and options[0][0]:
        click.echo("options (decide with --option KEY):")
        for option in options[0][0]:
            mark = click.style("  * recommended", fg="green", bold=True) if option.get("key") == best else ""
            click.echo(f"  {option.get('key')}: {option.get('label')}{mark}")
            if option.get("description"):
                click.echo(f"      {option['description']}")
            for pro in option.get("pros") or []:
                click.echo(f"      + {pro}")
            for con in option.get("cons") or []:
                click.echo(f"      - {con}")
    if isinstance(recommended, dict):
        click.echo(f"recommendation: {recommended.get('option')} (confidence {recommended.get('confidence')}, "
                   f"{recommended.get('basis')}): {recommended.get('explanation', '')}")


@escalations.command("decide")
@click.argument("escalation_id")
@click.option("--option", "option", default=None, help="The resolution option to execute (resolve).")
@click.option("--acknowledge", is_flag=True, help="Only acknowledge it (you are on it).")
@click.option("--dismiss", is_flag=True, help="Dismiss it (no action; --notes required).")
@click.option("--notes", default=None, help="Your reasoning (runbook 3.2's decision log).")
@click.option("--expected-outcome", default=None, help="What you expect to happen.")
@click.option("--fallback-plan", default=None, help="What to do if it does not.")
@click.option("--follow-up", default=None, help="What to check later.")
@click.option("--params", "params_json", default=None, metavar="JSON",
              help='What the option needs, as a JSON object: split {"parts": [{"title": ...}, ...]}, '
                   'amend {"amendments": {...}}, retry {"model": "..."}, raise the limit {"value": 150}.')
@pass_context
def escalations_decide(ctx: Context, escalation_id: str, option: str | None, acknowledge: bool, dismiss: bool,
                       notes: str | None, expected_outcome: str | None, fallback_plan: str | None,
                       follow_up: str | None, params_json: str | None) -> None:
    """Decide an escalation: --option NAME resolves it and executes the option's effect on the
    work order in the same transaction; --acknowledge or --dismiss instead."""
    if sum((option is not None, acknowledge, dismiss)) != 1:
        raise click.UsageError("give exactly one of --option NAME, --acknowledge, --dismiss")
    params: dict[str, Any] = {}
    if params_json is not None:
        if option is None:
            raise click.UsageError("--params goes with --option")
        try:
            params = json.loads(params_json)
        except json.JSONDecodeError as error:
            raise click.BadParameter(f"not JSON: {error}", param_hint="--params") from error
        if not isinstance(params, dict):
            raise click.BadParameter("must be a JSON object, e.g. '{\"model\": \"claude-sonnet-4.5\"}'",
                                     param_hint="--params")
    if acknowledge:
        result = call(ctx, "SELECT public.acknowledge_escalation(p_escalation_id => %s::uuid, p_notes => %s)",
                      (escalation_id, notes))
    elif dismiss:
        result = call(ctx, "SELECT public.dismiss_escalation(p_escalation_id => %s::uuid, p_notes => %s)",
                      (escalation_id, notes))
    else:
        result = call(ctx, """SELECT public.resolve_escalation(p_escalation_id => %s::uuid, p_option => %s,
                                  p_notes => %s, p_expected_outcome => %s, p_fallback_plan => %s, p_follow_up => %s,
                                  p_params => %s)""",
                      (escalation_id, option, notes, expected_outcome, fallback_plan, follow_up, Jsonb(params)))
    click.echo(json.dumps(result, indent=2, default=str))


# -- moose config --------------------------------------------------------------------------

@click.group("config")
def config() -> None:
    """The tunables in system_config (validated and audited by the database)."""


@config.command("get")
@click.argument("key", required=False)
@pass_context
def config_get(ctx: Context, key: str | None) -> None:
    """Show one key (or every key) with its value, type, range and description."""
    rows = _rows(ctx, """SELECT key, value, value_type, min_value, max_value, description, updated_at, updated_by
                         FROM public.system_config WHERE %s::text IS NULL OR key = %s ORDER BY key""", (key, key))
    if key and not rows:
        raise click.ClickException(f"unknown configuration key {key!r}; `moose config get` lists them")
    for name, value, kind, low, high, description, updated_at, updated_by in rows:
        bounds = f" [{low}..{high}]" if low is not None or high is not None else ""
        click.echo(f"{click.style(name, bold=True)} = {json.dumps(value)}  ({kind}{bounds})")
        if key:
            click.echo(f"    {description}\n    last changed {updated_at:%Y-%m-%d %H:%M} UTC by {updated_by or '-'}")


@config.command("set")
@click.argument("key")
@click.argument("value")
@pass_context
def config_set(ctx: Context, key: str, value: str) -> None:
    """Set KEY to VALUE (JSON: 100, true, "2 hours"; a bare word is taken as a string)."""
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        parsed = value
    result = call(ctx, "SELECT public.update_config(p_key => %s, p_value => %s)", (key, Jsonb(parsed)))
    assert isinstance(result, dict)
    click.echo(f"{result['key']} = {json.dumps(result['value'])}")


# -- moose backup-config / restore-config --------------------------------------------------

@click.command("backup-config")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (mode 0600: it holds channel secrets); default stdout.")
@pass_context
def backup_config(ctx: Context, output: Path | None) -> None:
    """Export config, escalation policies and alert channels as one JSON document (runbook 6.1)."""
    document = call(ctx, "SELECT public.backup_config()")
    text = json.dumps(document, indent=2, sort_keys=True, default=str) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    assert isinstance(document, dict)
    click.echo(f"wrote {output}: {len(document['system_config'])} config keys, "
               f"{len(document['escalation_policies'])} policies, {len(document.get('alert_channels', []))} channels",
               err=True)


@click.command("restore-config")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--dry-run", is_flag=True, help="Validate everything, write nothing.")
@pass_context
def restore_config(ctx: Context, path: str, dry_run: bool) -> None:
    """Restore a backup-config file, all or nothing: a bad entry refuses the whole restore and
    names the entry."""
    with click.open_file(path) as handle:
        try:
            document = json.load(handle)
        except json.JSONDecodeError as error:
            raise click.ClickException(f"{path} is not JSON: {error}") from error
    with click.progressbar(length=1, label="restoring" if not dry_run else "checking",
                           file=sys.stderr) as bar:
        result = call(ctx, "SELECT public.restore_config(p_document => %s, p_dry_run => %s)",
                      (Jsonb(document), dry_run))
        bar.update(1)
    assert isinstance(result, dict)
    verb = "would restore" if dry_run else "restored"
    click.echo(f"{verb} {result['config_keys']} config keys, {result['escalation_policies']} policies, "
               f"{result.get('alert_channels', 0)} channels")


COMMANDS = (status, budget, kill, resume, escalations, config, backup_config, restore_config)
