"""private.budget_config (the budget gate's typed copy of its system_config keys) under two
concurrent config changes: each transaction rewrites the copy, and the second one, which waits
for the first's row lock, must still carry the first one's committed change, not its own stale
snapshot of it."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import psycopg


def _copy(conn: psycopg.Connection) -> tuple[Decimal, Decimal]:
    row = conn.execute("SELECT daily_limit, warning_pct FROM private.budget_config").fetchone()
    assert row is not None
    return row[0], row[1]


def _waiting_on_lock(conn: psycopg.Connection, pid: int) -> bool:
    row = conn.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()
    return row is not None and row[0] == "Lock"


def test_two_concurrent_changes_of_different_keys_both_reach_the_copy(conn: psycopg.Connection, db_url: str) -> None:
    first = psycopg.connect(db_url)
    second = psycopg.connect(db_url)
    try:
        first.execute("UPDATE public.system_config SET value = '77' WHERE key = 'daily_budget_limit'")
        second_pid = second.execute("SELECT pg_backend_pid()").fetchone()[0]
        errors: list[BaseException] = []

        def change_other_key() -> None:
            try:
                second.execute("UPDATE public.system_config SET value = '33' WHERE key = 'tier_warning_pct'")
                second.commit()
            except BaseException as error:
                errors.append(error)

        worker = threading.Thread(target=change_other_key)
        worker.start()
        deadline = time.monotonic() + 60
        while not _waiting_on_lock(conn, second_pid):
            assert time.monotonic() < deadline, "the second change never waited for the first one's copy"
            time.sleep(0.02)
        first.commit()
        worker.join(timeout=60)
        assert errors == []
        assert _copy(conn) == (Decimal("77"), Decimal("33")), "both changes are in the copy"
        answer = conn.execute("SELECT public.check_and_reserve_budget(1, 'coder')").fetchone()[0]
        assert Decimal(str(answer["limit"])) == Decimal("77")
    finally:
        first.close()
        second.close()


def test_a_rolled_back_change_leaves_the_copy_as_committed(conn: psycopg.Connection, db_url: str) -> None:
    before = _copy(conn)
    with psycopg.connect(db_url) as other:
        other.execute("UPDATE public.system_config SET value = '5' WHERE key = 'daily_budget_limit'")
        other.rollback()
    assert _copy(conn) == before
