"""The service and its jobs: `moose run` (runner/service.py), `moose jobs list|enable|disable|run
NAME` and `moose schedule --pg-cron`. Each only calls SQL functions; the rules are in the database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from runner.cli.context import Context, call, echo_json, pass_context, rows
from runner.http_server import DEFAULT_LISTEN, parse_listen
from runner.scheduler import Scheduler
from runner.service import Service

# -- moose run -----------------------------------------------------------------------------

@click.command("run")
@click.option("--interval", type=click.FloatRange(min=0.1), default=60.0, show_default=True,
              envvar="MOOSE_INTERVAL", help="Seconds between health lines (env MOOSE_INTERVAL).")
@click.option("--poll", type=click.FloatRange(min=0.05), default=2.0, show_default=True,
              envvar="MOOSE_POLL", help="Seconds between looks for due jobs (env MOOSE_POLL).")
@click.option("--no-jobs", is_flag=True, help="Run no scheduled jobs (another runner or pg_cron does).")
@click.option("--no-deliver", is_flag=True, help="Deliver no alerts (another runner or pg_net does).")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              envvar="MOOSE_CONFIG", default=None,
              help="TOML file (interval, poll, jobs, deliver, log_format, verbose, reconnect_initial, "
                   "reconnect_max, reconnect_reminder) re-read on SIGHUP, deliver only at start (env MOOSE_CONFIG).")
@click.option("--iterations", type=click.IntRange(min=1), default=None,
              help="Stop after this many health lines (for smoke tests).")
@click.option("--listen", default=DEFAULT_LISTEN, show_default=True, envvar="MOOSE_LISTEN",
              help="HOST:PORT serving GET /metrics (Prometheus), /health (system_health, 200 when healthy) "
                   "and /livez; `off` serves nothing (env MOOSE_LISTEN).")
@pass_context
def run_command(ctx: Context, interval: float, poll: float, no_jobs: bool, no_deliver: bool,
                config_file: Path | None, iterations: int | None, listen: str) -> None:
    """Run the service in the foreground until Ctrl-C or SIGTERM: due jobs (each in its own
    transaction under its statement timeout, safe beside other runners and through PgBouncer),
    alert delivery (Slack, email, webhooks), a health line per interval, sd_notify
    READY/WATCHDOG/STOPPING for systemd, and HTTP on --listen (/metrics, /health, /livez). SIGTERM
    lets the running job finish, then exits; SIGHUP re-reads --config."""
    try:
        address = parse_listen(listen)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--listen") from error
    try:
        service = Service(ctx.url(), interval, poll=poll, jobs=not no_jobs, deliver=not no_deliver,
                          config_file=config_file, listen=address)
    except (OSError, ValueError) as error:
        raise click.ClickException(f"bad --config: {error}") from error
    service.install_signal_handlers()
    service.run(iterations=iterations)


# -- moose jobs ----------------------------------------------------------------------------

@click.group("jobs")
def jobs() -> None:
    """The scheduled jobs: list them, enable or disable one, run one now."""


JOBS_QUERY = """
SELECT j.name, j.function_name, j.run_interval::text, j.statement_timeout::text, j.enabled, j.next_run_at,
       j.consecutive_failures, j.last_outcome, j.last_error, l.holder, l.expires_at
FROM public.jobs AS j LEFT JOIN public.job_leases AS l ON l.job_name = j.name
ORDER BY j.name
"""


@jobs.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON array instead of a table.")
@pass_context
def jobs_list(ctx: Context, as_json: bool) -> None:
    """Every job: function, interval, timeout, enabled, next run, failure streak, lease."""
    listed = rows(ctx, JOBS_QUERY)
    names = ["name", "function", "interval", "timeout", "enabled", "next_run_at", "failures", "last_outcome",
             "last_error", "lease_holder", "lease_expires_at"]
    if as_json:
        click.echo(json.dumps([dict(zip(names, row, strict=True)) for row in listed], default=str, indent=2))
        return
    width = max([22, *(len(row[0]) for row in listed)])  # the longest name sets the first column
    click.echo(f"{'name':<{width}} {'every':<10} {'on':<3} {'next run (UTC)':<20} {'fails':>5} {'last':<10} lease")
    for row in listed:
        name, _fn, every, _timeout, enabled, next_run, failures, last, error, holder, _expires = row
        click.echo(f"{name:<{width}} {every:<10} {'yes' if enabled else 'no':<3} "
                   f"{next_run.strftime('%Y-%m-%d %H:%M:%S'):<20} {failures:>5} {last or '-':<10} {holder or '-'}")
        if error:
            click.echo(click.style(f"    last error: {error}", fg="red"))


@jobs.command("enable")
@click.argument("name")
@pass_context
def jobs_enable(ctx: Context, name: str) -> None:
    """Enable job NAME (it becomes due now and its failure streak is cleared)."""
    result = call(ctx, "SELECT public.set_job_enabled(%s, true)", (name,))
    click.echo(f"enabled {name}; next run {result['next_run_at']}")  # type: ignore[index]


@jobs.command("disable")
@click.argument("name")
@pass_context
def jobs_disable(ctx: Context, name: str) -> None:
    """Disable job NAME (no runner or pg_cron schedule runs it until enabled)."""
    call(ctx, "SELECT public.set_job_enabled(%s, false)", (name,))
    click.echo(f"disabled {name}")


@jobs.command("run")
@click.argument("name")
@pass_context
def jobs_run(ctx: Context, name: str) -> None:
    """Run job NAME now, due or not, recorded like a scheduled run; a batched job (retention)
    runs batch after batch until it is done, showing its progress. Exit 1 when a run fails."""
    scheduler = Scheduler(ctx.url(), vacuum=True)
    outcomes: list[dict[str, Any]] = []
    total = 0
    try:
        while True:
            outcome = scheduler.run_named(name)
            outcomes.append(outcome)
            total += int(outcome.get("rows_affected") or 0)
            result = outcome.get("result")
            more = isinstance(result, dict) and bool(result.get("more"))
            click.echo(f"\r{name}: run {len(outcomes)} {outcome.get('outcome')}, {total:,} rows so far"
                       + ("..." if more else ""), nl=not more, err=True)
            if outcome.get("outcome") != "succeeded" or not more:
                break
    finally:
        scheduler.close()
    echo_json(outcomes[-1] if len(outcomes) == 1 else {"runs": len(outcomes), "rows_affected": total,
                                                       "last": outcomes[-1]})
    if outcomes[-1].get("outcome") != "succeeded":
        raise SystemExit(1)


# -- moose schedule ------------------------------------------------------------------------

@click.command("schedule")
@click.option("--pg-cron", "pg_cron", is_flag=True, required=True,
              help="Register the jobs in pg_cron (the only scheduler this command manages).")
@click.option("--remove", is_flag=True, help="Unschedule every moose job from pg_cron instead.")
@pass_context
def schedule(ctx: Context, pg_cron: bool, remove: bool) -> None:
    """Register every enabled job in pg_cron as `moose:<name>` (for installations that run no
    `moose run`, such as Supabase); disabled jobs are unscheduled. Run it again after changing
    jobs. Needs pg_cron installed in this database: `moose db up` installs it in the embedded
    cluster's main database (the one cron.database_name names)."""
    assert pg_cron
    result = call(ctx, "SELECT public.schedule_pg_cron(%s)", (remove,))
    assert isinstance(result, dict)
    width = max([22, *(len(entry["job"]) for entry in result["scheduled"])])
    for entry in result["scheduled"]:
        click.echo(f"scheduled moose:{entry['job']:<{width}} {entry['schedule']:<14} {entry['command']}")
    for name in result["removed"]:
        click.echo(f"unscheduled moose:{name}")
    if not result["scheduled"] and not result["removed"]:
        click.echo("nothing to schedule")


COMMANDS = (run_command, jobs, schedule)
