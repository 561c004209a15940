"""An operator's first hour, through `moose` against a real database: ids accepted as `moose
status` prints them (a unique prefix; ambiguous and unknown ids are one clear error in every
command), `escalations show` readable first with `--json` for the raw answer, `--json` on every
list and show command, create_work_order as the docs use it, and the messages and hints that
used to mislead (resume with nothing killed, an unpriced model, a word for a number, a rate
limit with no kind, aligned job names, `run --help`)."""

from __future__ import annotations

import json

import click
import psycopg
from service_helpers import scalar
from test_operator_cli import moose

from runner.cli import main

WO = "780205e1-0000-4000-8000-0000000000a1"
ESC = "780205e1-1111-4000-8000-000000000001"
TWIN = "780205e2-2222-4000-8000-000000000002"


def open_escalations(conn: psycopg.Connection) -> None:
    conn.execute("INSERT INTO work_orders (id, title, status) VALUES (%s, 'w', 'in_progress'), "
                 "('780205e1-0000-4000-8000-0000000000a2', 'twin', 'in_progress')", (WO,))
    conn.execute("INSERT INTO escalations (id, work_order_id, trigger_type, context) VALUES "
                 "(%s, %s, 'aider_failure', '{\"output\": \"merge conflict in app.py\"}'), "
                 "(%s, '780205e1-0000-4000-8000-0000000000a2', 'aider_failure', '{}')", (ESC, WO, TWIN))


def test_ids_as_status_prints_them(db_url: str, conn: psycopg.Connection) -> None:
    open_escalations(conn)
    status = moose(db_url, "status").output
    assert f"id {ESC[:8]}" in status, status
    shown = moose(db_url, "escalations", "show", ESC[:8])
    assert shown.exit_code == 0, shown.output
    assert shown.output.splitlines()[0] == f"escalation {ESC}"
    assert "output: merge conflict in app.py" in shown.output
    assert "retry_clean_state: Retry with clean state" in shown.output and "recommendation: " in shown.output
    assert moose(db_url, "escalations", "show", ESC.upper()).exit_code == 0, "the whole id, any case"

    ambiguous = moose(db_url, "escalations", "show", "780205e")
    assert ambiguous.exit_code == 1
    assert f"escalation id '780205e' is ambiguous: it starts {ESC}, {TWIN} (SQLSTATE 22023)" in ambiguous.output
    assert "hint: Give more characters of the id." in ambiguous.output

    unknown = "Error: escalation 99999999 does not exist (SQLSTATE P0002)"
    for args in (("show", "99999999"), ("decide", "99999999", "--acknowledge"),
                 ("decide", "99999999", "--dismiss", "--notes", "n"),
                 ("decide", "99999999", "--option", "retry_clean_state", "--notes", "n")):
        result = moose(db_url, "escalations", *args)
        assert result.exit_code == 1 and unknown in result.output, (args, result.output)
    delivery = moose(db_url, "alerts", "retry", "999")
    assert delivery.exit_code == 1 and "Error: alert delivery 999 does not exist (SQLSTATE P0002)" in delivery.output
    not_hex = moose(db_url, "escalations", "decide", "wo-42", "--acknowledge")
    assert not_hex.exit_code == 1 and "is not an id or the start of one" in not_hex.output, not_hex.output

    acknowledged = moose(db_url, "escalations", "decide", ESC[:8], "--acknowledge", "--notes", "on it")
    assert acknowledged.exit_code == 0, acknowledged.output
    decided = moose(db_url, "escalations", "decide", TWIN[:8], "--option", "retry_clean_state", "--notes", "lock")
    assert decided.exit_code == 0, decided.output
    assert scalar(conn, "SELECT array_agg(status ORDER BY id) FROM escalations") == ["acknowledged", "resolved"]


def test_escalations_show_is_readable_first_and_json_gives_the_raw_answer(db_url: str,
                                                                          conn: psycopg.Connection) -> None:
    open_escalations(conn)
    shown = moose(db_url, "escalations", "show", ESC[:8]).output
    head = shown.splitlines()[:8]
    assert not any(line.lstrip().startswith(("{", "}", '"')) for line in head), shown
    assert any(line.startswith("  type:       aider_failure") for line in head), shown
    assert any(line.startswith("  status:     pending, due in") for line in head), shown
    raw = json.loads(moose(db_url, "escalations", "show", ESC[:8], "--json").output)
    assert raw["escalation"]["id"] == ESC and raw["escalation"]["context"] == {"output": "merge conflict in app.py"}
    assert "retry_clean_state" in [option["key"] for option in raw["options"]]
    assert raw["recommendation"]["option"] == "retry_clean_state"


def test_every_list_and_show_command_takes_json(db_url: str, conn: psycopg.Connection) -> None:
    def walk(command: click.Command, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], click.Command]]:
        found = [(path, command)]
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                found += walk(sub, (*path, name))
        return found

    listing = [(path, command) for path, command in walk(main, ())
               if path and path[-1] in ("list", "show", "channels", "get", "status")]
    assert len(listing) >= 9
    exempt = {("db", "status"), ("budget", "status")}  # the cluster's state; budget status is JSON already
    lacking = [" ".join(path) for path, command in listing
               if path not in exempt and "--json" not in [opt for p in command.params for opt in p.opts]]
    assert lacking == [], "list and show commands without --json"

    open_escalations(conn)
    conn.execute("SELECT set_rate_limit('service', 'architect', 60, NULL)")
    conn.execute("SELECT add_alert_channel('ops', 'webhook', 'http://127.0.0.1:9/ops')")
    conn.execute("SELECT raise_alert('warning', 'test.first_hour', 'title', 'body', 'first-hour')")
    answers = {args: moose(db_url, *args, "--json") for args in (
        ("limits", "list"), ("escalations", "list"), ("alerts", "list"), ("alerts", "channels"),
        ("config", "get", "daily_budget_limit"))}
    for args, result in answers.items():
        assert result.exit_code == 0, (args, result.output)
    parsed = {args: json.loads(result.output) for args, result in answers.items()}
    assert parsed[("limits", "list")][0]["key"] == "architect"
    assert {row["id"] for row in parsed[("escalations", "list")]} == {ESC, TWIN}
    assert parsed[("alerts", "list")][0]["kind"] == "test.first_hour"
    assert parsed[("alerts", "channels")][0]["name"] == "ops"
    assert parsed[("config", "get", "daily_budget_limit")][0]["value"] == 100


def test_create_work_order_as_the_docs_use_it(conn: psycopg.Connection) -> None:
    made = scalar(conn, "SELECT create_work_order('stuck demo')")
    conn.execute("UPDATE work_orders SET updated_at = now() - interval '3 hours' WHERE id = %s", (made,))
    assert scalar(conn, "SELECT escalate_stuck_work_orders()") == 1
    assert scalar(conn, "SELECT trigger_type FROM open_escalations WHERE work_order_id = %s", (made,)) \
        == "stuck_work_order"


def test_messages_that_used_to_mislead(db_url: str, conn: psycopg.Connection) -> None:
    resumed = moose(db_url, "resume", "--note", "nothing happened")
    assert resumed.exit_code == 0
    assert "nothing to resume: the kill switch is off" in resumed.output
    assert "operations resumed" not in resumed.output

    unpriced = moose(db_url, "prices", "list", "--model", "nosuch")
    assert unpriced.exit_code == 1 and "no price for model 'nosuch'" in unpriced.output

    word = moose(db_url, "config", "set", "daily_budget_limit", "abc")
    assert word.exit_code == 1 and "must be a JSON number" in word.output
    assert "hint: Give a JSON number from 0 to 1000000; it is 100 now" in word.output, word.output
    assert "value = '0'" not in word.output
    assert scalar(conn, "SELECT value FROM system_config WHERE key = 'daily_budget_limit'") == 100

    kindless = moose(db_url, "limits", "set", "service", "foo")
    assert kindless.exit_code == 2 and "`moose limits remove service foo`" in kindless.output
    assert "SELECT" not in kindless.output
    assert scalar(conn, "SELECT count(*) FROM rate_limits") == 0

    jobs = moose(db_url, "jobs", "list").output.splitlines()
    rows = [line for line in jobs if line.split()[0] in ("name", "escalate_stuck_work_orders", "retention")]
    assert len(rows) == 3 and len({line.index(" yes ") if " yes " in line else line.index(" on ")
                                   for line in rows}) == 1, "\n".join(jobs)

    run_help = moose(db_url, "run", "--help").output
    config_help = " ".join(run_help[run_help.index("--config"):].split())
    assert "deliver" in config_help[:config_help.index("--iterations")]
