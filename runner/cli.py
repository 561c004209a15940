"""The `moose` command: the embedded database, migrations, the service and the tests."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import click

from runner import __version__, logs, settings
from runner.db import redact, with_database
from runner.embedded import ClusterError, EmbeddedCluster
from runner.migrations import MigrationError, migrate, plan


@dataclass
class Context:
    database_url: str | None

    def url(self, dbname: str | None = None) -> str:
        """The operator's server when one was given, else the embedded cluster (which must be up)."""
        if self.database_url:
            return with_database(self.database_url, dbname) if dbname else self.database_url
        cluster = EmbeddedCluster()
        if not cluster.running:
            raise click.ClickException(
                "the embedded PostgreSQL cluster is not running: start it with `moose db up`, "
                "or point moose at a server with --database-url / MOOSE_DATABASE_URL")
        return cluster.url(dbname or settings.DEFAULT_DATABASE)


pass_context = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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


# -- moose db ------------------------------------------------------------------------------

@main.group()
def db() -> None:
    """The embedded PostgreSQL cluster (data in .moose/, its own port and socket)."""


def _cluster_or_fail() -> EmbeddedCluster:
    try:
        return EmbeddedCluster()
    except ClusterError as error:
        raise click.ClickException(str(error)) from error


@db.command("up")
@pass_context
def db_up(ctx: Context) -> None:
    """Create (first time) and start the embedded cluster; safe to repeat."""
    if ctx.database_url:
        click.echo(f"using {redact(ctx.database_url)} (MOOSE_DATABASE_URL): no embedded cluster needed")
        return
    cluster = _cluster_or_fail()
    try:
        port = cluster.up()
    except ClusterError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"embedded PostgreSQL running on 127.0.0.1:{port} (data {cluster.data_dir})")


@db.command("down")
def db_down() -> None:
    """Stop the embedded cluster (data is kept)."""
    cluster = _cluster_or_fail()
    try:
        stopped = cluster.down()
    except ClusterError as error:
        raise click.ClickException(str(error)) from error
    click.echo("embedded PostgreSQL stopped" if stopped else "embedded PostgreSQL was not running")


@db.command("status")
def db_status() -> None:
    """Whether the embedded cluster exists and runs, and where; the preloaded libraries and the
    database pg_net's worker serves. Exit 1 when it is not running."""
    status = _cluster_or_fail().status()
    state = "running" if status.running else ("stopped" if status.initialized else "not created")
    click.echo(f"state: {state}")
    click.echo(f"port: {status.port if status.port else '-'}")
    click.echo(f"data: {status.data_dir}")
    click.echo(f"log: {status.log_file}")
    if status.running:
        _echo_preload(_cluster_or_fail())
    sys.exit(0 if status.running else 1)


def _echo_preload(cluster: EmbeddedCluster) -> None:
    """The preloaded libraries and where pg_net's worker is (it serves one database)."""
    pg_net = cluster.pg_net_status()
    click.echo(f"preload: {', '.join(pg_net.preloaded) or '-'}")
    if pg_net.database is None:
        click.echo("pg_net: not preloaded (alerts go through the runner; see docs/ALERTS.md)")
    else:
        worker = f"worker connected to {pg_net.worker_database}" if pg_net.worker_database else "worker not connected"
        click.echo(f"pg_net: database {pg_net.database}, {worker}")


@db.command("url")
@click.option("--database", default=None, help="Database name (default: moose).")
@pass_context
def db_url(ctx: Context, database: str | None) -> None:
    """Print the connection URL moose uses."""
    click.echo(ctx.url(database))


@db.command("psql", context_settings={"ignore_unknown_options": True})
@click.argument("psql_args", nargs=-1, type=click.UNPROCESSED)
@pass_context
def db_psql(ctx: Context, psql_args: tuple[str, ...]) -> None:
    """Open psql on the moose database; extra arguments go to psql."""
    url = ctx.url()
    os.execvp("psql", ["psql", url, *psql_args])


# -- moose migrate -------------------------------------------------------------------------

@main.command("migrate")
@click.option("--dry-run", is_flag=True, help="List what would run, change nothing.")
@pass_context
def migrate_command(ctx: Context, dry_run: bool) -> None:
    """Apply pending migrations from db/migrations, then re-apply every domain's functions,
    views and triggers (db/<domain>/{functions,views,triggers}), under one lock."""
    url = ctx.url()
    try:
        if dry_run:
            pending = plan(url)
            click.echo(f"pending migrations: {len(pending.pending_migrations)}")
            for name in pending.pending_migrations:
                click.echo(f"  {name}")
            click.echo(f"behaviour files to re-apply: {len(pending.behaviour_files)}")
            for path in pending.behaviour_files:
                click.echo(f"  {path.relative_to(settings.PROJECT_ROOT)}")
            return
        click.echo(f"migrating {redact(url)}")
        applied = migrate(url, echo=click.echo)
    except MigrationError as error:
        raise click.ClickException(f"migration failed, nothing from the failing step was kept:\n{error}") from error
    click.echo(f"done: {len(applied)} migration(s) applied")


# -- moose test ----------------------------------------------------------------------------

@main.command("test", context_settings={"ignore_unknown_options": True})
@click.option("--sql-only", is_flag=True, help="Only pg_prove over db/tests.")
@click.option("--python-only", is_flag=True, help="Only pytest and ruff.")
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
@pass_context
def test_command(ctx: Context, sql_only: bool, python_only: bool, pytest_args: tuple[str, ...]) -> None:
    """Recreate the test database (MOOSE_TEST_DATABASE, default moose_test), migrate it, then run
    pg_prove over db/tests, pytest (extra arguments go to pytest) and ruff."""
    from runner.testing import run_all

    if ctx.database_url:
        server_url = ctx.database_url
    else:
        cluster = _cluster_or_fail()
        try:
            cluster.up()
        except ClusterError as error:
            raise click.ClickException(str(error)) from error
        server_url = cluster.url()
    try:
        code = run_all(server_url, sql_only=sql_only, python_only=python_only,
                       pytest_args=list(pytest_args), echo=click.echo)
    except MigrationError as error:
        raise click.ClickException(f"the test database could not be migrated:\n{error}") from error
    sys.exit(code)


# -- moose alerts (runner/alerts_cli.py) ----------------------------------------------------

from runner.alerts_cli import alerts as alerts_group  # noqa: E402

main.add_command(alerts_group)

# -- moose budget (runner/budget_cli.py) ----------------------------------------------------

from runner.budget_cli import budget  # noqa: E402

main.add_command(budget)

# -- the service and operator commands (runner/service_cli.py, runner/operator_cli.py): `run`,
# `jobs`, `schedule`, `status`, `kill`, `resume`, `escalations`, `config`, backup and restore;
# `budget` keeps its subcommands and draws the bar when given none.
from runner import service_cli  # noqa: E402

main.add_command(service_cli.run_command)
main.add_command(service_cli.jobs)
main.add_command(service_cli.schedule)

from runner import operator_cli  # noqa: E402

for _command in operator_cli.COMMANDS:
    main.add_command(_command)


if __name__ == "__main__":
    main()

