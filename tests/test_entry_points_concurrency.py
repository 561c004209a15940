"""The two shared entry points under real concurrency: callers on separate connections racing on
the same work order and type (create_escalation) or the same dedupe key (raise_alert) end with
one row, and a new alert wakes listeners with NOTIFY moose_alerts at commit."""

from __future__ import annotations

import threading
from collections.abc import Callable

import psycopg
from thread_helpers import in_threads

WORKERS = 8


def race(db_url: str, statement: str, params: tuple[object, ...]) -> list[object]:
    """Run `statement` on WORKERS connections at once, each in its own transaction held open
    briefly so the others must wait on it; returns each caller's result."""
    barrier = threading.Barrier(WORKERS)
    results: list[object] = [None] * WORKERS

    def worker(index: int) -> None:
        with psycopg.connect(db_url) as conn:
            barrier.wait(timeout=120)
            results[index] = conn.execute(statement, params).fetchone()[0]
            conn.execute("SELECT pg_sleep(0.05)")
            conn.commit()

    errors = in_threads(WORKERS, worker)
    assert not errors, errors
    return results


def scalar(conn: psycopg.Connection, sql: str, *params: object) -> object:
    return conn.execute(sql, params).fetchone()[0]


def test_concurrent_create_escalation_opens_one(db_url: str, conn: psycopg.Connection) -> None:
    work_order = scalar(conn, "INSERT INTO work_orders (title) VALUES ('raced') RETURNING id")
    ids = race(db_url, "SELECT create_escalation(%s, 'retry_exhausted', '{}')", (work_order,))
    assert len(set(ids)) == 1 and ids[0] is not None
    assert scalar(conn, "SELECT count(*) FROM escalations WHERE work_order_id = %s", work_order) == 1
    assert scalar(conn, "SELECT count(*) FROM alerts WHERE kind = 'escalation.opened'") == 1


def test_concurrent_system_wide_create_escalation_opens_one(db_url: str, conn: psycopg.Connection) -> None:
    ids = race(db_url, "SELECT create_escalation(NULL, 'budget_critical', %s::jsonb)", ('{"daily_total": 101}',))
    assert len(set(ids)) == 1
    assert scalar(conn, "SELECT count(*) FROM escalations WHERE trigger_type = 'budget_critical'") == 1


def test_concurrent_raise_alert_counts_occurrences_on_one_row(db_url: str, conn: psycopg.Connection) -> None:
    ids = race(db_url, "SELECT raise_alert('warning', 'budget.tier', 'Budget at 55%%', '', %s, '{}')",
               ("budget_tier:hard_cap:raced",))
    assert len(set(ids)) == 1
    assert conn.execute("SELECT count(*), sum(occurrences) FROM alerts WHERE dedupe_key = 'budget_tier:hard_cap:raced'"
                        ).fetchone() == (1, WORKERS)


SENTINEL = "sentinel"


def listen(db_url: str) -> tuple[psycopg.Connection, Callable[[], list[str]]]:
    """A listener, and what it received so far: each call sends a sentinel NOTIFY from a
    connection of its own and returns what came before it. Notifications arrive in commit
    order, so whatever an earlier commit announced is there, and nothing is waited for by the
    clock (neither a present nor an absent notification)."""
    listener = psycopg.connect(db_url, autocommit=True)
    listener.execute("LISTEN moose_alerts")

    def received() -> list[str]:
        with psycopg.connect(db_url, autocommit=True) as other:
            other.execute("SELECT pg_notify('moose_alerts', %s)", (SENTINEL,))
        payloads: list[str] = []
        for notice in listener.notifies(timeout=60):
            if notice.payload == SENTINEL:
                return payloads
            payloads.append(notice.payload)
        raise AssertionError(f"the sentinel notification never arrived (got {payloads})")

    return listener, received


def test_a_new_alert_notifies_at_commit_and_a_repeat_does_not(db_url: str) -> None:
    listener, received = listen(db_url)
    with listener, psycopg.connect(db_url) as conn:
        alert_id = scalar(conn, "SELECT raise_alert('error', 'test.notify', 't', '', 'notify-key', '{}')")
        assert received() == [], "nothing is announced before commit"
        conn.commit()
        assert received() == [str(alert_id)]
        scalar(conn, "SELECT raise_alert('error', 'test.notify', 't', '', 'notify-key', '{}')")
        conn.commit()
        assert received() == [], "a deduplicated repeat wakes nobody"
        scalar(conn, "SELECT raise_alert('error', 'test.notify', 't', '', 'rolled-back-key', '{}')")
        conn.rollback()
        assert received() == [], "a rolled-back alert is never announced"
