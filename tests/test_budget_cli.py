"""`moose budget` calls the budget functions on a real database and prints their JSON; SQL errors
come back as clear messages with SQLSTATE and hint."""

from __future__ import annotations

import json

import psycopg
from click.testing import CliRunner

from runner.cli import main


def test_status_kill_resume_expire(conn: psycopg.Connection, db_url: str) -> None:
    runner = CliRunner()
    conn.execute("INSERT INTO public.cost_tracking (service_name, cost) VALUES ('legacy', 12.5)")
    status = runner.invoke(main, ["--database-url", db_url, "budget", "status"])
    assert status.exit_code == 0, status.output
    assert json.loads(status.output)["daily_total"] == 12.5

    # `moose budget kill` is `moose kill`: --reason, and --yes to skip the confirmation.
    killed = runner.invoke(main, ["--database-url", db_url, "budget", "kill", "--reason", "cli drill", "--yes"])
    assert killed.exit_code == 0, killed.output
    assert json.loads(killed.output[killed.output.index("{"):])["killed"] is True
    assert conn.execute("SELECT active FROM public.budget_kill_switch").fetchone()[0] is True

    resumed = runner.invoke(main, ["--database-url", db_url, "budget", "resume", "--note", "drill over"])
    assert resumed.exit_code == 0, resumed.output
    assert json.loads(resumed.output[resumed.output.index("{"):])["resumed"] is True

    expired = runner.invoke(main, ["--database-url", db_url, "budget", "expire"])
    assert expired.exit_code == 0, expired.output
    assert expired.output.strip() == "0"


def test_bad_reason_is_a_clear_error(db_url: str) -> None:
    result = CliRunner().invoke(main, ["--database-url", db_url, "budget", "kill", "--reason", "   ", "--yes"])
    assert result.exit_code != 0
    assert "SQLSTATE 22023" in result.output
    assert "hint:" in result.output
