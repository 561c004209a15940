"""One error format for every command group (message and SQLSTATE, then the hint) and no
traceback for a database error, against real databases: a migrated one that refuses calls, an
empty one where the functions and views are missing, and a port where nothing listens. And the
kill switch's alias under `moose budget` keeps `moose kill`'s confirmation."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator

import psycopg
import pytest
from click.testing import CliRunner
from psycopg import sql
from service_helpers import PROJECT_ROOT, scalar

from runner.cli import main
from runner.cli.budget import budget, kill
from runner.db import with_database

# click prints "Error: " before the message; the hint, when the database gave one, on the next line.
FORMAT = re.compile(r"Error: (?P<message>[^\n]+) \(SQLSTATE (?P<sqlstate>[0-9A-Z]{5})\)\n(?P<hint>hint: [^\n]+\n)?")
MISSING_FUNCTION = re.compile(r"Error: function public\.\w+\([^\n]*\) does not exist \(SQLSTATE 42883\)\n"
                              r"hint: No function matches the given name and argument types\. "
                              r"You might need to add explicit type casts\.\n")
UNKNOWN_ESCALATION = "00000000-0000-0000-0000-00000000dead"


def moose_process(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MOOSE_DATABASE_URL=url)
    return subprocess.run([sys.executable, "-m", "runner.cli", *args], capture_output=True, text=True, env=env,
                          cwd=PROJECT_ROOT, timeout=60, check=False)


@pytest.fixture
def empty_db_url(server_url: str) -> Iterator[str]:
    """A database on the same server with nothing of moose in it: every function is missing."""
    name = f"moose_pytest_empty_{os.getpid()}"
    admin = with_database(server_url, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield with_database(server_url, name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_a_missing_function_reads_the_same_in_every_group(empty_db_url: str) -> None:
    commands = [("budget", "status"), ("budget", "expire"), ("kill", "--reason", "drill", "--yes"),
                ("budget", "kill", "--reason", "drill", "--yes"), ("resume", "--note", "ok"),
                ("config", "set", "daily_budget_limit", "5"), ("backup-config",), ("jobs", "enable", "x"),
                ("schedule", "--pg-cron"), ("escalations", "list"), ("alerts", "retry", "1"),
                ("alerts", "test-channel", "x"), ("status",)]
    for command in commands:
        result = moose_process(empty_db_url, *command)
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        assert MISSING_FUNCTION.fullmatch(result.stderr), (command, result.stderr)


@pytest.mark.parametrize("command", [("alerts", "list"), ("alerts", "channels"), ("jobs", "list"),
                                     ("config", "get")])
def test_a_missing_relation_is_an_error_line_not_a_traceback(empty_db_url: str, command: tuple[str, ...]) -> None:
    result = moose_process(empty_db_url, *command)
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    match = FORMAT.fullmatch(result.stderr)
    assert match, result.stderr
    assert match["sqlstate"] == "42P01" and "does not exist" in match["message"]


def test_a_refused_call_reads_the_same_in_every_group(db_url: str) -> None:
    runner = CliRunner()
    refusals = {("jobs", "run", "nope"): "P0002", ("alerts", "retry", "999999"): "P0002",
                ("escalations", "decide", UNKNOWN_ESCALATION, "--acknowledge"): "P0002",
                ("config", "set", "no_such_key", "1"): "P0002",
                ("budget", "kill", "--reason", "  ", "--yes"): "22023", ("kill", "--reason", "  ", "--yes"): "22023",
                ("alerts", "test-channel", "nope"): "P0002"}
    for command, sqlstate in refusals.items():
        result = runner.invoke(main, ["--database-url", db_url, *command], catch_exceptions=False)
        assert result.exit_code == 1, (command, result.output)
        match = FORMAT.fullmatch(result.stderr)
        assert match and match["sqlstate"] == sqlstate and match["hint"], (command, result.stderr)


def test_no_server_reads_the_same_in_every_group() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again below: nothing listens there
    url = f"postgresql://postgres@127.0.0.1:{port}/moose"
    for command in (("alerts", "list"), ("alerts", "channels"), ("budget",), ("escalations", "list"),
                    ("jobs", "list"), ("config", "get")):
        result = CliRunner().invoke(main, ["--database-url", url, *command], catch_exceptions=False)
        assert result.exit_code == 1, (command, result.output)
        assert result.stderr.startswith("Error: cannot reach the database: "), (command, result.stderr)
        assert result.stderr.count("\n") == result.stderr.rstrip("\n").count("\n") + 1


def test_budget_kill_is_the_kill_command_with_its_confirmation(db_url: str, conn: psycopg.Connection) -> None:
    alias = budget.commands["kill"]
    assert alias.callback is kill.callback and alias.params == kill.params
    assert "Alias of `moose kill`" in (alias.help or "")
    runner = CliRunner()
    refused = runner.invoke(main, ["--database-url", db_url, "budget", "kill", "--reason", "drill"], input="n\n")
    assert refused.exit_code == 1 and "Stop all LLM operations now (drill)?" in refused.output
    no_answer = runner.invoke(main, ["--database-url", db_url, "budget", "kill", "--reason", "drill"], input="")
    assert no_answer.exit_code == 1
    assert scalar(conn, "SELECT active FROM budget_kill_switch") is False, "no confirmation, no kill"
    positional = runner.invoke(main, ["--database-url", db_url, "budget", "kill", "drill"])
    assert positional.exit_code == 2, "the reason is --reason, as for moose kill"
    confirmed = runner.invoke(main, ["--database-url", db_url, "budget", "kill", "--reason", "drill"], input="y\n")
    assert confirmed.exit_code == 0, confirmed.output
    assert "KILL SWITCH ON" in confirmed.output
    assert scalar(conn, "SELECT active FROM budget_kill_switch") is True
    resumed = runner.invoke(main, ["--database-url", db_url, "budget", "resume", "--note", "drill over"])
    assert resumed.exit_code == 0 and "operations resumed" in resumed.output
    assert scalar(conn, "SELECT active FROM budget_kill_switch") is False
