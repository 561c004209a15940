"""`moose status`: the runbook's morning health check (1.1) drawn from system_health(),
list_escalations() and scheduler_status(); what is healthy is decided there."""

from __future__ import annotations

import sys

import click

from runner.cli.context import Context, echo_json, pass_context, records, rows
from runner.cli.draw import COLOURS, ago, budget_bar, long_transaction_line, sla

EXIT_CODES = {"healthy": 0, "warning": 1}


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="The raw figures as one JSON object.")
@pass_context
def status(ctx: Context, as_json: bool) -> None:
    """The runbook's morning health check (1.1): overall status in colour, the budget bar with
    its tier (and the kill switch), stuck work orders, open escalations by SLA time left, the 24 h
    error rate, the orchestrator, what holds the xmin horizon back, the runners and their job
    leases, failing jobs. Exit 0 healthy, 1 warning, 2 error."""
    health, scheduler, now = rows(ctx, "SELECT public.system_health(), public.scheduler_status(), now()")[0]
    escalations = records(ctx, "SELECT * FROM public.list_escalations(p_include_closed => false, p_limit => 10)")
    if as_json:
        echo_json({"health": health, "escalations": escalations, "scheduler": scheduler})
        sys.exit(EXIT_CODES.get(health["status"], 2))

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
    for esc in escalations:
        colour = "red" if esc["sla_breached"] else ("yellow" if esc["priority"] == "high" else "white")
        click.echo(click.style(f"    {esc['priority']:<6} {esc['trigger_type']:<20} {esc['status']:<12} "
                               f"{sla(esc['seconds_left']):<16} wo {str(esc['work_order_id'] or '-')[:8]}  "
                               f"id {str(esc['id'])[:8]}", fg=colour))
    rate = health.get("error_rate") or {}
    click.echo(f"Error rate (24 h): {rate.get('percentage', 0)}% "
               f"({rate.get('failed', 0)} of {rate.get('attempts', 0)})")
    orch = health.get("orchestrator") or {}
    click.echo(f"Orchestrator:      {orch.get('status')} every {orch.get('interval_ms')} ms, "
               f"last poll {ago(orch.get('last_poll_at'), now)}"
               + (f", stopped: {orch.get('stopped_reason')}" if orch.get("stopped_reason") else ""))
    click.echo("Long transactions: " + long_transaction_line(health.get("long_transactions") or {}))
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
        seen = f"stopped {ago(runner['stopped_at'], now)}" if runner["stopped_at"] else \
            f"seen {ago(runner['last_seen_at'], now)}"
        held = leases.get(runner["holder"])
        click.echo(f"Runner:            {runner['holder']} {seen}" + (f", running {', '.join(held)}" if held else ""))
    for job in scheduler["jobs_failing"]:
        click.echo(click.style(f"Job failing:       {job['job']} ({job['failures']} in a row): {job['last_error']}",
                               fg="red"))
    for job in scheduler["jobs_overdue"]:
        click.echo(click.style(f"Job overdue:       {job['job']} due {ago(job['next_run_at'], now)}", fg="red"))
    sys.exit(EXIT_CODES.get(state, 2))


COMMANDS = (status,)
