"""`moose escalations list|show|decide`: escalations waiting for a human (runbook 1.2 and 3),
drawn from list_escalations() and recommend_resolution(), decided through resolve_escalation(),
acknowledge_escalation() and dismiss_escalation(). What is open, urgent or recommended is decided
in SQL, and so is what an id as typed (a unique prefix, as `moose status` prints it) names:
resolve_id()."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import click
from psycopg.types.json import Jsonb

from runner.cli.context import Context, call, echo_json, pass_context, records, rows
from runner.cli.draw import short, sla


@click.group("escalations")
def escalations() -> None:
    """Escalations waiting for a human (runbook 1.2 and 3): list, show one, decide."""


def resolve(ctx: Context, escalation_id: str) -> str:
    """The full id of ESCALATION_ID as typed (the whole id or a unique prefix, as `moose status`
    prints it): resolve_id() decides, and says "does not exist" or "ambiguous"."""
    return str(call(ctx, "SELECT public.resolve_id(p_kind => 'escalation', p_id => %s)", (escalation_id,)))


@escalations.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include resolved and dismissed ones.")
@click.option("--json", "as_json", is_flag=True, help="list_escalations()'s rows as one JSON array.")
@pass_context
def escalations_list(ctx: Context, show_all: bool, as_json: bool) -> None:
    """Open escalations by SLA time left (overdue first), as list_escalations() orders them;
    with --all the decided ones follow."""
    listed = records(ctx, "SELECT * FROM public.list_escalations(p_include_closed => %s)", (show_all,))
    if as_json:
        echo_json(listed)
        return
    if not listed:
        click.echo("no open escalations")
        return
    click.echo(f"{'id':<36} {'priority':<8} {'type':<20} {'status':<12} {'SLA':<16} work order")
    for esc in listed:
        click.echo(click.style(f"{esc['id']!s:<36} {esc['priority']:<8} {esc['trigger_type']:<20} "
                               f"{esc['status']:<12} {sla(esc['seconds_left']):<16} {esc['work_order_id'] or '-'}",
                               fg="red" if esc["sla_breached"] else None))


@escalations.command("show")
@click.argument("escalation_id")
@click.option("--json", "as_json", is_flag=True,
              help="The raw answer: the escalation row, its policy's options and the recommendation, as JSON.")
@pass_context
def escalations_show(ctx: Context, escalation_id: str, as_json: bool) -> None:
    """One escalation (ESCALATION_ID: the id or a unique prefix of it, e.g. 780205e1): what
    happened, its context, the options with their pros and cons, and the recommended one."""
    full_id = resolve(ctx, escalation_id)
    record, options, recommended, seconds_left = rows(ctx, """
        SELECT to_jsonb(e), p.resolution_options, public.recommend_resolution(p_escalation_id => e.id),
               CASE WHEN e.status IN ('pending', 'acknowledged')
                    THEN floor(extract(epoch FROM e.sla_due_at - now()))::integer END
        FROM public.escalations AS e JOIN public.escalation_policies AS p USING (trigger_type)
        WHERE e.id = %s::uuid""", (full_id,))[0]
    if as_json:
        echo_json({"escalation": record, "options": options, "recommendation": recommended})
        return
    draw_escalation(record, seconds_left)
    best = recommended.get("option") if isinstance(recommended, dict) else None
    if options:
        click.echo("options (decide with `moose escalations decide "
                   f"{full_id[:8]} --option KEY --notes ...`):")
        for option in options:
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
    click.echo("(the whole row: --json)")


def when(value: str | None) -> str:
    """An instant of to_jsonb() as `2026-12-08 02:13 UTC`."""
    if value is None:
        return "-"
    return f"{datetime.fromisoformat(value).astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def draw_escalation(record: dict[str, Any], seconds_left: int | None) -> None:
    """The escalation's own fields as short lines, its context one key a line (long values cut)."""
    colour = "red" if seconds_left is not None and seconds_left < 0 else None
    click.echo(click.style(f"escalation {record['id']}", bold=True))
    click.echo(f"  type:       {record['trigger_type']} ({record['priority']} priority)")
    click.echo("  status:     " + click.style(f"{record['status']}, {sla(seconds_left)}", fg=colour)
               + f" (SLA {when(record['sla_due_at'])})")
    click.echo(f"  work order: {record.get('work_order_id') or '- (the whole system)'}")
    click.echo(f"  opened:     {when(record['created_at'])}")
    if record.get("acknowledged_at"):
        click.echo(f"  acknowledged {when(record['acknowledged_at'])} by {record.get('acknowledged_by') or '-'}")
    if record.get("resolved_at"):
        click.echo(f"  decided:    {when(record['resolved_at'])} by {record.get('resolved_by') or '-'}: "
                   f"{short(json.dumps(record.get('resolution')), 100)}")
    context = record.get("context") or {}
    if context:
        click.echo("  context:")
        for key, value in context.items():
            text = value if isinstance(value, str) else json.dumps(value, default=str)
            click.echo(f"    {key}: {short(text, 100)}")


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
              help='What the option takes, as a JSON object: split {"parts": [{"title": ...}, ...]}, '
                   'amend {"amendments": {...}}, retry {"model": "..."} where the option leaves the model open, '
                   'raise the limit {"value": 150} (above today\'s, at most escalation_budget_raise_max_multiple '
                   'times it). Anything else is refused.')
@pass_context
def escalations_decide(ctx: Context, escalation_id: str, option: str | None, acknowledge: bool, dismiss: bool,
                       notes: str | None, expected_outcome: str | None, fallback_plan: str | None,
                       follow_up: str | None, params_json: str | None) -> None:
    """Decide escalation ESCALATION_ID (the id or a unique prefix of it, e.g. 780205e1):
    --option NAME resolves it and executes the option's effect on the
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
    escalation_id = resolve(ctx, escalation_id)
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
    echo_json(result)


COMMANDS = (escalations,)
