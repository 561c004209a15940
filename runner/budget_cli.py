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


def _call(obj: _HasUrl, query: str, params: tuple[Any, ...] = ()) -> Any:
    try:
        with connect(obj.url(), autocommit=True) as conn:
            row = conn.execute(query.encode(), params).fetchone()
    except psycopg.Error as error:
        diag = error.diag
        hint = f"\nhint: {diag.message_hint}" if diag.message_hint else ""
        raise click.ClickException(f"{diag.message_primary or error} (SQLSTATE {diag.sqlstate}){hint}") from error
    return row[0] if row else None


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
    orchestrator, pause pending/approved work orders, escalate. Safe to repeat."""
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
