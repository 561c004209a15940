"""The running figures per work order (private.outcome_figures: totals plus pending deltas) under
real concurrency: writers on their own connections insert outcome vectors (failed and
successful), correct costs, delete rows and touch expired ones while run_retention purges in
batches, or while the runbook's single DELETE purges in one transaction. Nobody deadlocks, the
purge finishes, and at the end every work order's figures equal what summing its rows gives
and refinement_attempts counts every committed failure."""

from __future__ import annotations

import random
import threading

import psycopg
import pytest

WORK_ORDERS = 10
EXPIRED = 3000
WRITERS = 6
TRANSACTIONS = 60
EXPIRED_ROWS = "created_at < now() - interval '90 days'"
INSERT = "INSERT INTO outcome_vectors (work_order_id, model_used, cost, success) VALUES (%s, 'm', %s, %s) RETURNING id"
DELETE_RECENT = ("DELETE FROM outcome_vectors WHERE id = (SELECT max(id) FROM outcome_vectors "
                 "WHERE work_order_id = %s AND success AND created_at > now() - interval '1 day')")


def work_order(index: int) -> str:
    return f"00000000-0000-0000-0000-{index:012d}"


@pytest.mark.parametrize("single_delete", [False, True], ids=["run_retention", "single DELETE"])
def test_figures_equal_sums_under_concurrent_writers_and_purge(db_url: str, conn: psycopg.Connection,
                                                              single_delete: bool) -> None:
    conn.execute("UPDATE system_config SET value = '100' WHERE key = 'max_refinement_attempts'")
    conn.execute("""INSERT INTO work_orders (id, title, status)
                    SELECT ('00000000-0000-0000-0000-' || lpad(i::text, 12, '0'))::uuid, 'wo ' || i, 'in_progress'
                    FROM generate_series(1, %s) AS i""", (WORK_ORDERS,))
    conn.execute("""INSERT INTO outcome_vectors (work_order_id, model_used, cost, success, created_at)
                    SELECT ('00000000-0000-0000-0000-' || lpad((1 + g %% %s)::text, 12, '0'))::uuid, 'gpt-4o',
                           round((g * 0.0007)::numeric, 6), g %% 10 <> 3,
                           now() - interval '120 days' + g * interval '1 second'
                    FROM generate_series(1, %s) AS g""", (WORK_ORDERS, EXPIRED))
    failures = {work_order(i): 0 for i in range(1, WORK_ORDERS + 1)}
    for wo, n in conn.execute("SELECT work_order_id::text, count(*) FROM outcome_vectors WHERE NOT success GROUP BY 1"):
        failures[wo] = n
    low, high = conn.execute("SELECT min(id), max(id) FROM outcome_vectors").fetchone()  # type: ignore[misc]
    lock = threading.Lock()
    errors: list[BaseException] = []
    writers_done = threading.Event()

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        try:
            with psycopg.connect(db_url) as wconn:
                for _ in range(TRANSACTIONS):
                    wo = work_order(rng.randint(1, WORK_ORDERS))
                    failed = 0
                    with wconn.transaction():
                        for _ in range(rng.randint(1, 3)):
                            success = rng.random() < 0.7
                            failed += not success
                            row = wconn.execute(INSERT, (wo, round(rng.random(), 6), success)).fetchone()
                        wconn.execute("UPDATE outcome_vectors SET metadata = '{\"late_fix\": true}' WHERE id = %s",
                                      (rng.randint(low, high),))
                        wconn.execute("UPDATE outcome_vectors SET cost = cost + 0.000001 WHERE id = %s", (row[0],))
                        if rng.random() < 0.2:
                            wconn.execute(DELETE_RECENT, (wo,))
                    with lock:
                        failures[wo] += failed
        except BaseException as error:  # reported by the test
            errors.append(error)

    def purger() -> None:
        try:
            with psycopg.connect(db_url, autocommit=True) as pconn:
                if single_delete:  # the runbook's hand-written purge, one transaction
                    pconn.execute(f"DELETE FROM outcome_vectors WHERE {EXPIRED_ROWS}")
                while True:
                    more = pconn.execute("SELECT (run_retention(NULL, 100) ->> 'more')::boolean").fetchone()[0]  # type: ignore[index]
                    if not more and writers_done.is_set():
                        left = pconn.execute(f"SELECT count(*) FROM outcome_vectors WHERE {EXPIRED_ROWS}").fetchone()[0]  # type: ignore[index]
                        if left == 0:
                            return
        except BaseException as error:  # reported by the test
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(seed,)) for seed in range(WRITERS)]
    purge = threading.Thread(target=purger)
    for thread in [*threads, purge]:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    writers_done.set()
    purge.join(timeout=120)
    assert not errors, errors
    assert not purge.is_alive(), "the purge did not finish"

    drift = conn.execute("""
        SELECT count(*) FROM work_orders AS w CROSS JOIN LATERAL private.outcome_figures(w.id) AS f
        LEFT JOIN (SELECT work_order_id, count(*) AS n, count(*) FILTER (WHERE NOT success) AS fl, sum(cost) AS c
                   FROM outcome_vectors GROUP BY work_order_id) AS s ON s.work_order_id = w.id
        WHERE (f.outcomes, f.failures, f.cost) IS DISTINCT FROM (coalesce(s.n, 0), coalesce(s.fl, 0), coalesce(s.c, 0))
        """).fetchone()[0]  # type: ignore[index]
    assert drift == 0
    assert conn.execute(f"SELECT count(*) FROM outcome_vectors WHERE {EXPIRED_ROWS}").fetchone() == (0,)
    attempts = dict(conn.execute("SELECT id::text, refinement_attempts FROM work_orders").fetchall())
    assert attempts == failures
