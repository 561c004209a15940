"""A price in effect is never rewritten (docs/BUDGET.md, "History"), stepped with real connections:
whether a row is in effect is decided with the clock (not the writer's transaction start) under
the model's price lock, which reserve_llm_call takes shared before it reads the price.

1. A writer whose transaction began before a scheduled row's instant tries to replace it after
   a call was reserved at it: 55000, and the settle books the price the call was reserved at.
2. A writer replaced a scheduled row before its instant and has not committed when the instant
   passes: a reservation waits for the writer and then reads the row it committed, so the
   reservation and its settle price the same row.

The instants are a few seconds ahead of the database clock; the test waits until the clock has
passed them (a condition with a deadline), so no assertion depends on the machine's speed."""

from __future__ import annotations

import json
import time
from datetime import datetime
from decimal import Decimal

import psycopg
import pytest
from step_helpers import DEADLINE, Step, connect, pid_of

AHEAD = "5 seconds"  # room for the writers' first steps before the instant passes


def wait_for_clock(conn: psycopg.Connection, instant: datetime) -> None:
    deadline = time.monotonic() + DEADLINE + 10
    while not conn.execute("SELECT clock_timestamp() > %s", (instant,)).fetchone()[0]:
        assert time.monotonic() < deadline, f"the clock never passed {instant}"
        time.sleep(0.05)


def scheduled(conn: psycopg.Connection, model: str) -> datetime:
    """A price of 2/2 for the model from a few seconds ahead of the database clock: its instant."""
    row = conn.execute("SELECT (set_model_price(%s, 2, 2, p_max_output_tokens => 1000, p_effective_from =>"
                       f" clock_timestamp() + interval '{AHEAD}') ->> 'effectiveFrom')::timestamptz",
                       (model,)).fetchone()
    assert row is not None
    return row[0]


def test_a_row_in_effect_is_never_rewritten_by_a_transaction_begun_before_it(db_url: str,
                                                                            conn: psycopg.Connection) -> None:
    conn.execute("SELECT set_model_price('early', 1, 1, p_max_output_tokens => 1000)")
    at = scheduled(conn, "early")
    conn.execute("SELECT set_model_price('late', 1, 1, p_max_output_tokens => 1000)")
    late_at = scheduled(conn, "late")

    # (1) The writer's transaction starts before the instant.
    writer = connect(db_url, autocommit=False)
    writer.execute("SELECT now()")
    # (2) Another writer replaces the 'late' row while it is still scheduled, and holds on.
    holder = connect(db_url, autocommit=False)
    holder_pid = pid_of(holder)
    replaced = holder.execute("SELECT set_model_price('late', 50, 50, p_max_output_tokens => 1000,"
                              " p_effective_from => %s) ->> 'outcome'", (late_at,)).fetchone()[0]
    assert replaced == "replaced", "the machine took longer than the margin: the row was already in effect"
    wait_for_clock(conn, max(at, late_at))

    with connect(db_url) as caller:
        reserved = caller.execute("SELECT reserve_llm_call('svc', 'early', 1000, 1000)::text").fetchone()[0]
        reserved = json.loads(reserved, parse_float=Decimal)
        assert reserved["priced"]["amount"] == Decimal("0.004"), reserved  # 1000 x 2 + 1000 x 2, the row from `at`
        with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState, match="is in effect and cannot be changed"):
            writer.execute("SELECT set_model_price('early', 100, 100, p_max_output_tokens => 1000,"
                           " p_effective_from => %s)", (at,))
        writer.rollback()
        settled = caller.execute("SELECT (settle_llm_call(%s, 1000, 1000) ->> 'actualCost')::numeric",
                                 (reserved["reservationId"],)).fetchone()[0]
        assert settled == Decimal("0.004"), "the settle books the price the call was reserved at"

        # (2) A reservation after the instant waits for the holder, then reads the row it committed.
        late = Step(connect(db_url), "SELECT reserve_llm_call('svc', 'late', 1000, 1000)::text")
        late.wait_blocked_by(conn, holder_pid)
        holder.commit()
        answer = json.loads(late.value(), parse_float=Decimal)
        assert answer["priced"]["amount"] == Decimal("0.1"), "priced at the row the holder committed (50 + 50)"
        settled = caller.execute("SELECT (settle_llm_call(%s, 1000, 1000) ->> 'actualCost')::numeric",
                                 (answer["reservationId"],)).fetchone()[0]
        assert settled == Decimal("0.1"), "reserved and settled at the same row"
        late.conn.close()
    writer.close()
    holder.close()
