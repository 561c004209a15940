"""`moose db`: the embedded PostgreSQL cluster (runner/embedded.py does the work)."""

from __future__ import annotations

import os
import sys

import click

from runner import embedded_version, nodes, preload
from runner.cli.context import Context, cluster_or_fail, pass_context
from runner.cli.long_transactions import long_transactions
from runner.db import redact
from runner.embedded import ClusterError, EmbeddedCluster


@click.group("db")
def db() -> None:
    """The embedded PostgreSQL cluster (data in .moose/, its own port and socket)."""


@db.command("up")
@pass_context
def db_up(ctx: Context) -> None:
    """Create (first time) and start the embedded cluster; safe to repeat. Points pg_net's worker
    back at its database when an interrupted `moose test` left it serving the test database."""
    if ctx.database_url:
        click.echo(f"using {redact(ctx.database_url)} (MOOSE_DATABASE_URL): no embedded cluster needed")
        return
    cluster = cluster_or_fail()
    try:
        port = cluster.up()
    except ClusterError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"embedded PostgreSQL running on 127.0.0.1:{port} (data {cluster.data_dir})")
    left = preload.reset_test_override(cluster.url())
    if left:
        click.echo(f"pg_net's worker was left serving {left} by an interrupted `moose test`: "
                   f"it serves {preload.pg_net_database()} again")
    versions = cluster.version_check()
    if versions.restart_needed:
        click.echo(f"warning: {versions.advice()}", err=True)


@db.command("restart")
def db_restart() -> None:
    """Stop and start the embedded cluster (same port, data kept, connections dropped), e.g. so
    it runs the server binaries installed by a package upgrade; starts it if it was stopped."""
    cluster = cluster_or_fail()
    try:
        port = cluster.restart()
    except ClusterError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"embedded PostgreSQL restarted on 127.0.0.1:{port} (server {cluster.version_check().running})")


@db.command("down")
def db_down() -> None:
    """Stop the embedded cluster (data is kept)."""
    cluster = cluster_or_fail()
    try:
        stopped = cluster.down()
    except ClusterError as error:
        raise click.ClickException(str(error)) from error
    click.echo("embedded PostgreSQL stopped" if stopped else "embedded PostgreSQL was not running")


@db.command("status")
@pass_context
def db_status(ctx: Context) -> None:
    """Whether the embedded cluster exists and runs, and where; whether the running server is
    the installed version (after a package upgrade it says to run `moose db restart`); the
    preloaded libraries and the database pg_net's worker serves. Exit 1 when it is not running.
    With --database-url / MOOSE_DATABASE_URL: each server the URL names (several for a Patroni
    pair) and its role, primary or standby; exit 1 when none is the primary."""
    if ctx.database_url:
        found = nodes.node_roles(ctx.database_url)
        for node in found:
            click.echo(f"{node.address}: {node.role}" + (f" ({node.detail})" if node.detail else ""))
        sys.exit(0 if any(node.role == "primary" for node in found) else 1)
    cluster = cluster_or_fail()
    status = cluster.status()
    state = "running" if status.running else ("stopped" if status.initialized else "not created")
    click.echo(f"state: {state}")
    click.echo(f"port: {status.port if status.port else '-'}")
    click.echo(f"data: {status.data_dir}")
    click.echo(f"log: {status.log_file}")
    if status.running:
        for line in embedded_version.status_lines(cluster.version_check()):
            click.echo(line)
        _echo_preload(cluster)
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


db.add_command(long_transactions)

COMMANDS = (db,)
