"""The `moose` command: one module per command group, all drawing what SQL returns.

    db.py           moose db up|down|status|url|psql      (the embedded cluster)
    long_transactions.py  moose db long-transactions [--terminate PID]
    migrate.py      moose migrate
    test.py         moose test
    jobs.py         moose run, moose jobs ..., moose schedule --pg-cron
    status.py       moose status
    budget.py       moose budget [status|kill|resume|expire], moose kill, moose resume
    limits.py       moose limits list|set|remove                 (rate limits)
    escalations.py  moose escalations list|show|decide
    config.py       moose config get|set, moose backup-config, moose restore-config
    alerts.py       moose alerts list|channels|retry|test-channel|deliver
    prices.py       moose prices list|set|import   (model prices, LiteLLM's file: runner/litellm_prices.py)

Shared by all of them (context.py): the Context in ctx.obj, `call`/`rows`, and the one format
of a database error, which `MooseGroup` also applies to any database error a command lets
through, so no command prints a traceback for one."""

from __future__ import annotations

from typing import Any

import click
import psycopg

from runner import __version__, logs
from runner.cli import alerts, budget, config, db, escalations, jobs, limits, migrate, prices, status, test
from runner.cli.context import Context, database_error


class MooseGroup(click.Group):
    """The root group: a database error escaping any command becomes the one error format."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except psycopg.Error as error:
            raise database_error(error) from error


@click.group(cls=MooseGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--database-url", envvar="MOOSE_DATABASE_URL", metavar="URL",
              help="PostgreSQL server to use instead of the embedded cluster "
                   "(env MOOSE_DATABASE_URL), e.g. postgresql://moose_runner@db:5432/moose.")
@click.option("--log-format", type=click.Choice(["plain", "json"]), default="plain", show_default=True,
              envvar="MOOSE_LOG_FORMAT", help="Log lines as plain text or one JSON object per line.")
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
@click.version_option(__version__, prog_name="moose")
@click.pass_context
def main(ctx: click.Context, database_url: str | None, log_format: str, verbose: bool) -> None:
    """Moose Mission Control ops core: budget, kill switch, stuck work, escalations and alerts,
    kept in PostgreSQL and driven by this runner.

    Quick start: `moose db up && moose migrate && moose run`.
    """
    logs.configure(log_format, verbose)
    ctx.obj = Context(database_url)


for _command in (*db.COMMANDS, *migrate.COMMANDS, *test.COMMANDS, *jobs.COMMANDS, *status.COMMANDS,
                 *budget.COMMANDS, *limits.COMMANDS, *prices.COMMANDS, *escalations.COMMANDS, *config.COMMANDS,
                 *alerts.COMMANDS):
    main.add_command(_command)

__all__ = ["Context", "main"]
