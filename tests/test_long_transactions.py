"""Long transactions seen for real: a second connection opens a REPEATABLE READ transaction and
holds its snapshot while the health is read (thresholds pinned through system_config, nothing
waits for time to pass). system_health() names it for every role that reads the health (its
SECURITY DEFINER owner sees other users' sessions and query text); ops_metrics() shows the
horizon's age; the health check alerts once per episode; `moose db long-transactions` lists it
and `--terminate PID` ends it after a confirmation, refusing a session that is not one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from click.testing import CliRunner, Result
from service_helpers import scalar

from runner.cli import main

QUERY = "SELECT count(*) AS held_here FROM public.work_orders"


def moose(db_url: str, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env={"MOOSE_DATABASE_URL": db_url}, input=input,
                              catch_exceptions=False)


@contextmanager
def holding(db_url: str, application: str = "lt-holder") -> Iterator[tuple[psycopg.Connection, int]]:
    """A second session inside a REPEATABLE READ transaction whose snapshot holds the horizon,
    idle in transaction until the block ends. Then rolled back (if it is still alive), which
    releases the snapshot before it returns: a close alone leaves the backend for a moment."""
    holder = psycopg.connect(db_url, application_name=application)
    try:
        holder.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        holder.execute(QUERY).fetchone()
        yield holder, holder.info.backend_pid
        if not holder.closed:
            holder.rollback()
    finally:
        holder.close()


def pin(conn: psycopg.Connection, warning: str, error: str = "1 day") -> None:
    conn.execute("SELECT public.update_config('health_long_transaction_warning', %s::jsonb)", (f'"{warning}"',))
    conn.execute("SELECT public.update_config('health_long_transaction_error', %s::jsonb)", (f'"{error}"',))


def health_as(db_url: str, conn: psycopg.Connection, role: str) -> dict:
    """system_health() as PostgREST's roles (SET LOCAL ROLE) or as the runner's own login."""
    if role == "moose_runner":
        runner_url = db_url.replace(f"//{conn.info.user}@", "//moose_runner@", 1)
        with psycopg.connect(runner_url, autocommit=True) as runner:
            return runner.execute("SELECT public.system_health()").fetchone()[0]
    with psycopg.connect(db_url) as api:
        api.execute(f"SET LOCAL ROLE {role}")
        return api.execute("SELECT public.system_health()").fetchone()[0]


def long_reason(health: dict) -> str:
    found = [r for r in health["reasons"] if r.startswith("long transaction:")]
    assert len(found) == 1, health["reasons"]
    return found[0]


@pytest.mark.parametrize("role", ["postgres", "authenticated", "service_role", "moose_runner"])
def test_health_names_the_oldest_transaction(db_url: str, conn: psycopg.Connection, role: str) -> None:
    pin(conn, "0 seconds")
    assert health_as(db_url, conn, role)["status"] == "healthy"
    with holding(db_url) as (_holder, pid):
        health = health_as(db_url, conn, role)
        assert health["status"] == "warning"
        reason = long_reason(health)
        assert reason.startswith(f"long transaction: pid {pid} (user {conn.info.user}, application lt-holder, "
                                 "idle in transaction) open for ")
        assert reason.endswith(QUERY), reason
        oldest = health["long_transactions"]["oldest"]
        assert (oldest["kind"], oldest["pid"], oldest["query_start"]) == ("session", pid, QUERY)
        assert health["long_transactions"]["horizon_age_seconds"] > 0
        pin(conn, "0 seconds", "0 seconds")
        health = health_as(db_url, conn, role)
        assert health["status"] == "error" and health["long_transactions"]["level"] == "error"
        assert long_reason(health).startswith(f"long transaction: pid {pid} ")
    pin(conn, "0 seconds", "0 seconds")
    assert health_as(db_url, conn, role)["status"] == "healthy"


def test_listing_metrics_and_thresholds(db_url: str, conn: psycopg.Connection) -> None:
    with holding(db_url) as (_holder, pid):
        listed = conn.execute("SELECT kind, pid, usename, application_name, state FROM public.long_transactions('0')"
                              ).fetchall()
        assert listed == [("session", pid, conn.info.user, "lt-holder", "idle in transaction")]
        assert conn.execute("SELECT count(*) FROM public.long_transactions('1 day')").fetchone()[0] == 0
        assert scalar(conn, "SELECT public.system_health() ->> 'status'") == "healthy", "younger than the default 60 s"
        age = scalar(conn, "SELECT value FROM public.ops_metrics() WHERE name = 'moose_xmin_horizon_age_seconds'")
        assert age > 0
    assert scalar(conn, "SELECT value FROM public.ops_metrics() WHERE name = 'moose_xmin_horizon_age_seconds'") == 0


def test_one_alert_per_episode(db_url: str, conn: psycopg.Connection) -> None:
    pin(conn, "0 seconds")

    def check() -> int | None:
        return conn.execute("SELECT public.alert_on_health_change() ->> 'long_transaction_alert_id'").fetchone()[0]

    def alerts() -> list[tuple[str, str]]:
        return conn.execute("SELECT severity, title FROM public.alerts WHERE kind = 'database.long_transaction' "
                            "ORDER BY id").fetchall()

    with holding(db_url) as (_holder, pid):
        assert check() is not None
        assert check() is None and check() is None, "not again while the episode lasts"
        assert [severity for severity, _title in alerts()] == ["warning"]
        assert f"session {pid} ({conn.info.user})" in alerts()[0][1]
    assert check() is None
    assert scalar(conn, "SELECT long_transaction_since FROM public.health_checks") is None, "the episode ended"
    with holding(db_url, "lt-second") as (_holder, pid):
        assert check() is not None, "a new episode alerts again"
        assert f"session {pid} " in alerts()[1][1]
    assert len(alerts()) == 2


def test_cli_lists_and_terminates(db_url: str, conn: psycopg.Connection) -> None:
    pin(conn, "0 seconds")
    with holding(db_url) as (holder, pid), psycopg.connect(db_url, autocommit=True) as idle:
        listed = moose(db_url, "db", "long-transactions")
        assert listed.exit_code == 0 and "lt-holder" in listed.output and f" {pid} " in listed.output

        young = moose(db_url, "db", "long-transactions", "--terminate", str(idle.info.backend_pid), "--yes")
        assert young.exit_code == 1
        assert f"session {idle.info.backend_pid} is not a long transaction" in young.output
        assert "(SQLSTATE 55000)" in young.output and "hint: " in young.output
        unknown = moose(db_url, "db", "long-transactions", "--terminate", "0", "--yes")
        assert unknown.exit_code == 1 and "session 0 does not exist (SQLSTATE P0002)" in unknown.output

        declined = moose(db_url, "db", "long-transactions", "--terminate", str(pid), input="n\n")
        assert declined.exit_code == 1 and f"End session {pid}" in declined.output
        assert holder.execute("SELECT 1").fetchone() == (1,), "declined: the session lives on"

        ended = moose(db_url, "db", "long-transactions", "--terminate", str(pid), input="y\n")
        assert ended.exit_code == 0, ended.output
        assert f"session {pid} ended" in ended.output
        with pytest.raises(psycopg.OperationalError):
            holder.execute("SELECT 1")
        assert idle.execute("SELECT 1").fetchone() == (1,), "the young session was left alone"
    assert scalar(conn, "SELECT details ->> 'application_name' FROM public.audit_log "
                        "WHERE action = 'database.terminate_long_transaction'") == "lt-holder"
    assert moose(db_url, "db", "long-transactions").output.strip() == "no long transactions"
