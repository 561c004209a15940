"""`moose test`: a fresh, migrated test database; pg_prove, squawk, pytest and ruff (runner/testing.py)."""

from __future__ import annotations

import sys

import click

from runner.cli.context import Context, cluster_or_fail, pass_context
from runner.embedded import ClusterError
from runner.migrations import MigrationError
from runner.testing import run_all


@click.command("test", context_settings={"ignore_unknown_options": True})
@click.option("--sql-only", is_flag=True, help="Only pg_prove over db/tests and squawk over db/migrations.")
@click.option("--python-only", is_flag=True, help="Only pytest and ruff.")
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
@pass_context
def test_command(ctx: Context, sql_only: bool, python_only: bool, pytest_args: tuple[str, ...]) -> None:
    """Recreate the test database (MOOSE_TEST_DATABASE, default moose_test), migrate it, then run
    pg_prove over db/tests, squawk over db/migrations (.squawk.toml), pytest and ruff. Without
    extra arguments pytest runs the whole suite over parallel workers (MOOSE_TEST_WORKERS, default
    twice the cores), then the `serial` tests alone; extra arguments go to one plain pytest run.
    On the embedded cluster pg_net's worker serves the test database during the run, the main one
    again after."""
    if ctx.database_url:
        server_url = ctx.database_url
    else:
        cluster = cluster_or_fail()
        try:
            cluster.up()
        except ClusterError as error:
            raise click.ClickException(str(error)) from error
        server_url = cluster.url()
    try:
        code = run_all(server_url, sql_only=sql_only, python_only=python_only,
                       pytest_args=list(pytest_args), echo=click.echo, embedded=not ctx.database_url)
    except MigrationError as error:
        raise click.ClickException(f"the test database could not be migrated:\n{error}") from error
    sys.exit(code)


COMMANDS = (test_command,)
