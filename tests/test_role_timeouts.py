"""The role timeouts of migration 0071 acting for real: the runner's login starts with its
statement and idle-in-transaction timeouts; an API role's request, made the way PostgREST makes
it (SET LOCAL ROLE, then the impersonated role's settings from pg_db_role_setting as
transaction-scoped settings), has its statement cancelled and, left idle inside its
transaction, its session ended by the server. Waits are for the server to act, with deadlines."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql
from service_helpers import scalar, wait_for


def impersonate(db_url: str, role: str, application: str) -> psycopg.Connection:
    """A session inside a transaction as PostgREST opens one for a request of `role`."""
    api = psycopg.connect(db_url, application_name=application)
    api.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
    settings = api.execute("""
        SELECT split_part(c, '=', 1), substr(c, strpos(c, '=') + 1)
        FROM pg_db_role_setting AS d, unnest(d.setconfig) AS c
        WHERE d.setdatabase = 0 AND d.setrole = %s::regrole""", (role,)).fetchall()
    assert {name for name, _value in settings} == {"statement_timeout", "idle_in_transaction_session_timeout"}
    for name, value in settings:
        api.execute("SELECT set_config(%s, %s, true)", (name, value))
    return api


def test_runner_login_starts_with_its_timeouts(db_url: str, conn: psycopg.Connection) -> None:
    runner_url = db_url.replace(f"//{conn.info.user}@", "//moose_runner@", 1)
    with psycopg.connect(runner_url, autocommit=True) as runner:
        assert runner.execute("SELECT current_setting('statement_timeout'), "
                              "current_setting('idle_in_transaction_session_timeout')").fetchone() == ("10min", "1min")


def test_api_role_statement_is_cancelled(db_url: str) -> None:
    api = impersonate(db_url, "anon", "api-slow")
    try:
        assert api.execute("SHOW statement_timeout").fetchone() == ("3s",)
        with pytest.raises(psycopg.errors.QueryCanceled, match="statement timeout"):
            api.execute("SELECT pg_sleep(60)")
    finally:
        api.close()


@pytest.mark.parametrize("role", ["anon", "authenticated"])
def test_api_role_idle_in_transaction_is_ended(db_url: str, conn: psycopg.Connection, role: str) -> None:
    api = impersonate(db_url, role, f"api-idle-{role}")
    pid = api.info.backend_pid
    try:
        assert api.execute("SHOW idle_in_transaction_session_timeout").fetchone() == ("10s",)
        # Now idle in its transaction: the server ends the session after the role's 10 s.
        wait_for(lambda: scalar(conn, "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,)) == 0,
                 timeout=120, every=0.5, what=f"the idle {role} session {pid} to be ended")
        with pytest.raises(psycopg.errors.IdleInTransactionSessionTimeout,
                           match="terminating connection due to idle-in-transaction timeout"):
            api.execute("SELECT 1")
    finally:
        api.close()
