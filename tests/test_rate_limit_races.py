"""Rate limits changed while a call waits for one of their stripes (tests/step_helpers.py steps
the connections with locks): the call is held to the limit in force when it gets the row, even
when its own stripe is removed by the change, and a limit removed meanwhile no longer applies."""

from __future__ import annotations

import psycopg
from step_helpers import Step, connect, connect_where, pid_of


def _available(conn: psycopg.Connection, key: str) -> tuple[int, object]:
    row = conn.execute("SELECT count(*), sum(available) FROM public.rate_limits WHERE key = %s", (key,)).fetchone()
    assert row is not None
    return int(row[0]), row[1]


def _reserve_across(conn: psycopg.Connection, db_url: str, change: str, caller: psycopg.Connection) -> dict:
    """H runs `change` and holds it uncommitted; `caller` reserves 0.01 for svc and waits for a
    row H holds; H commits. Returns the caller's answer."""
    h = connect(db_url, autocommit=False, role=None)
    try:
        h_pid = pid_of(h)
        h.execute(change)
        t = Step(caller, "SELECT check_and_reserve_budget(0.01, 'svc')")
        t.wait_blocked_by(conn, h_pid)
        h.commit()
        answer = t.value()
        t.conn.close()
    finally:
        h.close()
    return answer


def test_a_call_waiting_on_its_stripe_is_held_to_the_lowered_limit(conn: psycopg.Connection, db_url: str) -> None:
    """100 requests a minute (25 stripes of 4). H lowers the limit to 1 a minute and has not
    committed (it holds every stripe, and the change removes all but stripe 0); T, whose own
    stripe is not 0, waits for its stripe. H commits: T finds its stripe gone, pools what is
    left (1 request) and is admitted; the next call is refused."""
    conn.execute("SELECT set_rate_limit('service', 'svc', 100, NULL)")
    assert _available(conn, "svc")[0] == 25
    answer = _reserve_across(conn, db_url, "SELECT set_rate_limit('service', 'svc', 1, NULL)",
                             connect_where(db_url, lambda pid: pid % 25 != 0))
    assert answer["canProceed"], answer
    with connect(db_url) as u:
        refused = u.execute("SELECT check_and_reserve_budget(0.01, 'svc')").fetchone()[0]
    assert (refused["canProceed"], refused["reason"], refused["limit"]["perMinute"]) == (False, "rate_limited", 1)
    stripes, available = _available(conn, "svc")
    assert stripes == 1 and available < 1  # the one request it allowed is spent (plus a moment's refill)


def test_a_call_waiting_on_a_removed_limit_is_no_longer_limited(conn: psycopg.Connection, db_url: str) -> None:
    """T waits for its stripe while H removes the limit; once H commits, T is admitted and holds
    nothing on a limit that no longer exists."""
    conn.execute("SELECT set_rate_limit('service', 'svc', 100, NULL)")
    answer = _reserve_across(conn, db_url, "SELECT remove_rate_limit('service', 'svc')", connect(db_url))
    assert answer["canProceed"], answer
    holds = conn.execute("SELECT rate_holds FROM budget_reservations WHERE id = %s",
                         (answer["reservationId"],)).fetchone()[0]
    assert holds is None
    assert _available(conn, "svc") == (0, None)
