"""`moose db long-transactions [--terminate PID]`: what holds the database's xmin horizon back
(long_transactions()), and ending one of them (terminate_long_transaction(), which decides
whether that pid may be ended). Only draws what SQL returns."""

from __future__ import annotations

from typing import Any

import click

from runner.cli.context import Context, call, echo_json, pass_context, records
from runner.cli.draw import short, span, table

COLUMNS = (("kind", "<16"), ("pid/name", "<14"), ("user", "<14"), ("application", "<18"), ("state", "<21"),
           ("age", ">8"), ("xids", ">7"), ("query", ""))


def _age(row: dict[str, Any]) -> str:
    return "?" if row["age_seconds"] is None else span(int(row["age_seconds"]))


def _cells(row: dict[str, Any]) -> tuple[str, ...]:
    who = str(row["pid"]) if row["kind"] == "session" else str(row["name"])
    return (row["kind"], short(who, 14), short(row["usename"], 14), short(row["application_name"], 18),
            short(row["state"], 21), _age(row), str(row["xid_age"] if row["xid_age"] is not None else "-"),
            short(row["query_start"], 80))


@click.command("long-transactions")
@click.option("--min-age", default=None, metavar="INTERVAL",
              help="Only those open at least this long, e.g. '5 minutes' "
                   "(default: the config key health_long_transaction_warning, 60 s).")
@click.option("--terminate", "pid", type=int, default=None, metavar="PID",
              help="End this session's transaction (pg_terminate_backend): only a session listed as a long "
                   "transaction is ended. Asks for confirmation unless --yes.")
@click.option("--yes", is_flag=True, help="With --terminate: do not ask for confirmation (for scripts).")
@click.option("--json", "as_json", is_flag=True, help="The rows as JSON.")
@pass_context
def long_transactions(ctx: Context, min_age: str | None, pid: int | None, yes: bool, as_json: bool) -> None:
    """What holds the xmin horizon back, oldest first: sessions with an open transaction or
    snapshot, prepared transactions and replication slots (SELECT * FROM long_transactions();).
    While one is open VACUUM cannot clean up behind the budget gate and every call slows down.
    With --terminate PID: end that session (SELECT terminate_long_transaction(PID);), audited."""
    if pid is None:
        rows = records(ctx, "SELECT * FROM public.long_transactions(p_min_age => %s::interval)", (min_age,))
        if as_json:
            echo_json(rows)
            return
        table(COLUMNS, (_cells(r) for r in rows), "no long transactions")
        return
    if not yes:
        found = records(ctx, "SELECT * FROM public.long_transactions() WHERE kind = 'session' AND pid = %s", (pid,))
        if found:
            row = found[0]
            click.echo(f"session {pid}: user {row['usename']}, application {row['application_name'] or '-'}, "
                       f"{row['state']}, open {_age(row)}: {short(row['query_start'], 100)}")
            click.confirm(f"End session {pid} (its transaction rolls back)?", abort=True)
    # SQL decides whether the pid may be ended (an unknown or young session is refused there).
    result = call(ctx, "SELECT public.terminate_long_transaction(p_pid => %s)", (pid,))
    if as_json:
        echo_json(result)
        return
    state = "ended" if result.get("terminated") else "signalled (not gone after 5 s)"
    click.echo(click.style(f"session {pid} {state}", fg="yellow", bold=True))
