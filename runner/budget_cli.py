"""`moose budget`: the operator's view of the budget engine. Every command calls one SQL function
(budget_status, emergency_kill, resume_operations, expire_reservations) and prints its JSON, so
psql, PostgREST and the CLI give the same answer."""

from __future__ import annotations

import json
from typing import Any, Protocol

import click
import psycopg

from runner.db import connect


class _HasUrl(Protocol):
    def url(self, dbname: str | None = None) -> str: ...


RETRIED = (psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected)  # 40001, 40P01


def call_retrying(url: str, query: str, params: tuple[Any, ...] = (), attempts: int = 5) -> Any:
    """One function call in its own transaction, retried on a serialization failure or deadlock
    (the kill must not fail because something else ran at that moment); the SQL is safe to repeat."""
    for attempt in range(1, attempts + 1):
        try:
            with connect(url, autocommit=True) as conn:
                row = conn.execute(query.encode(), params).fetchone()
            return row[0] if row else None
        except RETRIED:
            if attempt == attempts:
                raise
    return None


def _call(obj: _HasUrl, query: str, params: tuple[Any, ...] = ()) -> Any:
    try:
        return call_retrying(obj.url(), query, params, attempts=5 if "emergency_kill" in query else 1)
    except psycopg.Error as error:
        diag = error.diag
        hint = f"\nhint: {diag.message_hint}" if diag.message_hint else ""
        raise click.ClickException(f"{diag.message_primary or error} (SQLSTATE {diag.sqlstate}){hint}") from error


def _echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, sort_keys=True, default=str))


@click.group()
def budget() -> None:
    """Today's budget, the emergency kill switch and reservation expiry (docs/BUDGET.md)."""


@budget.command("status")
@click.pass_obj
def budget_status(obj: _HasUrl) -> None:
    """Print budget_status(): spend, limit, percentage, status, tier, reserved, kill switch."""
    _echo_json(_call(obj, "SELECT public.budget_status()"))


@budget.command("kill")
@click.argument("reason")
@click.pass_obj
def budget_kill(obj: _HasUrl, reason: str) -> None:
    """Engage the emergency kill switch (runbook 5.1) with REASON: refuse all reservations, stop the
    orchestrator, pause pending/approved work orders, escalate. Safe to repeat; retried by itself
    on a deadlock or serialization failure (SQLSTATE 40P01, 40001)."""
    _echo_json(_call(obj, "SELECT public.emergency_kill(%s)", (reason,)))


@budget.command("resume")
@click.argument("note")
@click.pass_obj
def budget_resume(obj: _HasUrl, note: str) -> None:
    """Undo the emergency kill with NOTE (why it is safe): unpause what the kill paused, restart the
    orchestrator if the kill stopped it, admit reservations again. Safe to repeat."""
    _echo_json(_call(obj, "SELECT public.resume_operations(%s)", (note,)))


@budget.command("expire")
@click.pass_obj
def budget_expire(obj: _HasUrl) -> None:
    """Expire open reservations past their expiry and free their amounts; prints how many."""
    click.echo(_call(obj, "SELECT public.expire_reservations()"))
