"""check_and_reserve_budget decides admission under the stripes' locks and the tier from the
committed spend. These tests hold spend or the kill in a second connection's open transaction
while a reservation runs, and check what the answer and the recorded rows say: admission and
the kill follow the locked rows; the tier lags by exactly what is in flight."""

from __future__ import annotations

import threading
import time
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.types.json import Jsonb


def _reserve_in_thread(db_url: str, amount: str, metadata: dict[str, Any]) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []

    def run() -> None:
        try:
            with psycopg.connect(db_url, autocommit=True) as c:
                c.execute("SET ROLE service_role")
                c.execute("SET application_name = 'reserve_paths_waiter'")
                out.append(c.execute("SELECT public.check_and_reserve_budget(%s, 'coder', %s)",
                                     (Decimal(amount), Jsonb(metadata))).fetchone()[0])
        except BaseException as error:  # reported by the test
            out.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


def _wait_until_blocked(conn: psycopg.Connection) -> None:
    """Until the reserving connection waits for a lock (a stripe the holder has). Only this
    test's database: another test of the same name may be waiting on the same server."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'reserve_paths_waiter'"
            " AND datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()
        if row is not None and row[0] == 1:
            return
        time.sleep(0.02)
    raise AssertionError("the reservation never waited for a stripe lock")


# Over every budget day (the test's own database holds only its own days): a figure read for
# "today" after the test ran would change meaning at midnight.
def _open_sum(conn: psycopg.Connection) -> Decimal:
    return conn.execute(
        "SELECT coalesce(sum(amount), 0) FROM public.budget_reservations WHERE status = 'open'"
    ).fetchone()[0]


def _reserved(conn: psycopg.Connection) -> Decimal:
    return conn.execute("SELECT coalesce(sum(reserved), 0) FROM public.budget_ledger").fetchone()[0]


def test_tier_lags_by_what_is_in_flight_and_no_more(conn: psycopg.Connection, db_url: str) -> None:
    """The tier is read from the committed spend of the day's stripes (docs/BUDGET.md, "The tier
    lag"): while a cost that crosses into warning is in flight (written, not committed), a
    reservation still gets the normal tier's model; the lag is exactly that in-flight cost. Once
    it commits, the next reservation is in warning and gets the cheaper model."""
    conn.execute("INSERT INTO public.cost_tracking (service_name, cost) VALUES ('legacy', 19)")  # 19%: normal
    with psycopg.connect(db_url) as holder:  # a transaction: the cost is in flight until commit
        holder.execute("INSERT INTO public.cost_tracking (service_name, cost) VALUES ('legacy', 2)")  # 21%
        thread, out = _reserve_in_thread(db_url, "1", {"model": "gpt-4o", "idempotency_key": "wo-9-step-1"})
        thread.join(timeout=120)
        answer = out[0]
        assert not isinstance(answer, BaseException), answer
        assert answer["canProceed"] is True
        assert (answer["tier"], answer["model"], answer["modelDecision"]) == ("normal", "gpt-4o", "as_is")
        assert Decimal(str(answer["currentTotal"])) == Decimal(19), "the committed total: lags by the 2 in flight"
        holder.commit()
    answer = conn.execute(
        "SELECT public.check_and_reserve_budget(1, 'coder', %s)", (Jsonb({"model": "gpt-4o"}),)
    ).fetchone()[0]
    assert (answer["tier"], answer["model"], answer["modelDecision"]) == ("warning", "gpt-4o-mini", "downgraded")
    assert Decimal(str(answer["currentTotal"])) == Decimal(21)
    assert _reserved(conn) == _open_sum(conn) == Decimal(2)


def test_critical_tier_refuses_other_models_and_leaves_nothing(conn: psycopg.Connection) -> None:
    """In the critical tier a call naming another model is refused (model_not_allowed): no
    reservation left, nothing reserved, and the idempotency key is free for a retry."""
    conn.execute("INSERT INTO public.cost_tracking (service_name, cost) VALUES ('legacy', 81)")  # 81%
    answer = conn.execute(
        "SELECT public.check_and_reserve_budget(1, 'coder', %s)",
        (Jsonb({"model": "gpt-4o", "idempotency_key": "wo-9-step-2"}),),
    ).fetchone()[0]
    assert (answer["canProceed"], answer["reason"], answer["tier"]) == (False, "model_not_allowed", "critical")
    assert answer["reservationId"] is None
    assert conn.execute("SELECT count(*) FROM public.budget_reservations").fetchone()[0] == 0, \
        "a refused call leaves no reservation"
    assert _reserved(conn) == _open_sum(conn) == Decimal(0)
    retry = conn.execute(
        "SELECT public.check_and_reserve_budget(1, 'coder', %s)",
        (Jsonb({"model": "gpt-4o-mini", "idempotency_key": "wo-9-step-2"}),),
    ).fetchone()[0]
    assert retry["canProceed"] is True and "idempotentReplay" not in retry


def test_a_call_that_looked_refused_is_recorded_when_admitted(conn: psycopg.Connection) -> None:
    """The day is full, but partly with a reservation past its expiry: the call sweeps it, is
    admitted and recorded; the ledger matches the open reservations."""
    conn.execute("UPDATE public.system_config SET value = '10' WHERE key = 'daily_budget_limit'")
    first = conn.execute("SELECT public.check_and_reserve_budget(9.5, 'coder') ->> 'reservationId'").fetchone()[0]
    conn.execute("UPDATE public.budget_reservations SET expires_at = now() - interval '1 second' WHERE id = %s",
                 (first,))
    answer = conn.execute("SELECT public.check_and_reserve_budget(2, 'coder')").fetchone()[0]
    assert answer["canProceed"] is True and answer["reservationId"] is not None
    assert conn.execute(
        "SELECT amount, status, tier, model_decision FROM public.budget_reservations WHERE id = %s",
        (answer["reservationId"],),
    ).fetchone() == (Decimal(2), "open", "normal", "any")
    assert conn.execute("SELECT status FROM public.budget_reservations WHERE id = %s", (first,)).fetchone()[0] \
        == "expired"
    assert _reserved(conn) == _open_sum(conn) == Decimal(2)


def test_kill_while_waiting_refuses_and_leaves_nothing(conn: psycopg.Connection, db_url: str) -> None:
    """The day is open when the call starts, then the kill commits while the call waits: refused
    with kill_switch, no reservation left, nothing reserved."""
    with psycopg.connect(db_url) as holder:
        holder.execute("SELECT public.emergency_kill('test: kill while a reservation waits')")
        thread, out = _reserve_in_thread(db_url, "1", {"idempotency_key": "wo-9-step-3"})
        _wait_until_blocked(conn)
        holder.commit()
    thread.join(timeout=120)
    answer = out[0]
    assert not isinstance(answer, BaseException), answer
    assert (answer["canProceed"], answer["reason"]) == (False, "kill_switch")
    assert conn.execute("SELECT count(*) FROM public.budget_reservations").fetchone()[0] == 0
    assert _reserved(conn) == Decimal(0)
