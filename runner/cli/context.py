"""What every `moose` command shares: the context object (where the database is), `call` and
`rows` (run SQL, return what it returns) and the one formatter for a database error."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import click
import psycopg
from psycopg.rows import dict_row

from runner import settings
from runner.db import connect, with_database
from runner.embedded import ClusterError, EmbeddedCluster

Params = tuple[Any, ...] | dict[str, Any]


@dataclass
class Context:
    """ctx.obj of every command: the operator's --database-url, or None for the embedded cluster."""

    database_url: str | None

    def url(self, dbname: str | None = None) -> str:
        """The operator's server when one was given, else the embedded cluster (which must be up)."""
        if self.database_url:
            return with_database(self.database_url, dbname) if dbname else self.database_url
        cluster = cluster_or_fail()
        if not cluster.running:
            raise click.ClickException(
                "the embedded PostgreSQL cluster is not running: start it with `moose db up`, "
                "or point moose at a server with --database-url / MOOSE_DATABASE_URL")
        return cluster.url(dbname or settings.DEFAULT_DATABASE)


pass_context = click.make_pass_decorator(Context)


def cluster_or_fail() -> EmbeddedCluster:
    try:
        return EmbeddedCluster()
    except ClusterError as error:
        raise click.ClickException(str(error)) from error


def database_error(error: psycopg.Error) -> click.ClickException:
    """A database error as every command prints it (click adds `Error: `):

        <message> (SQLSTATE <code>)
        hint: <hint>

    or `cannot reach the database: <reason>` when there was no server to answer."""
    diag = error.diag
    if diag.sqlstate is None or diag.sqlstate.startswith("08"):
        text = f"cannot reach the database: {str(error).strip()}"
        return click.ClickException(text + (f" (SQLSTATE {diag.sqlstate})" if diag.sqlstate else ""))
    text = f"{(diag.message_primary or str(error)).strip()} (SQLSTATE {diag.sqlstate})"
    if diag.message_hint:
        text += f"\nhint: {diag.message_hint}"
    return click.ClickException(text)


# Errors after which the same statement may simply run again: a serialization failure, a deadlock.
RETRYABLE = (psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected)  # 40001, 40P01


def rows(ctx: Context, query: str, params: Params = (), *, attempts: int = 1) -> list[tuple[Any, ...]]:
    """Every row of one statement, run in its own transaction (committed). With attempts > 1 a
    serialization failure or deadlock runs it again (for statements safe to repeat)."""
    for attempt in range(1, attempts + 1):
        try:
            with connect(ctx.url()) as conn:
                # No server-side prepared statements: PgBouncer in transaction mode.
                conn.prepare_threshold = None
                result = conn.execute(query, params).fetchall()
                conn.commit()
            return result
        except RETRYABLE as error:
            if attempt == attempts:
                raise database_error(error) from error
        except psycopg.Error as error:
            raise database_error(error) from error
    return []


def records(ctx: Context, query: str, params: Params = ()) -> list[dict[str, Any]]:
    """Every row of one statement as a dict by column name (for JSON and for drawing)."""
    try:
        with connect(ctx.url()) as conn:
            conn.prepare_threshold = None
            with conn.cursor(row_factory=dict_row) as cursor:
                result = cursor.execute(query, params).fetchall()
            conn.commit()
    except psycopg.Error as error:
        raise database_error(error) from error
    return result


def call(ctx: Context, query: str, params: Params = (), *, attempts: int = 1) -> Any:
    """Run one SQL function call in its own transaction and return its single value."""
    result = rows(ctx, query, params, attempts=attempts)
    return result[0][0] if result else None


def echo_json(value: Any, *, sort_keys: bool = False) -> None:
    click.echo(json.dumps(value, indent=2, sort_keys=sort_keys, default=str))
