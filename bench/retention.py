"""Retention benchmark: purge expired outcome vectors while writers insert new ones and touch
old ones, and report purge rows per second and the writers' worst wait, against baselines
measured in the same run: the writers with no purge running (the floor), and the runbook 6.2
way, one `DELETE ... WHERE created_at < now() - interval '90 days'` in a single transaction.

Run: `.venv/bin/python -m bench.retention` (needs `moose db up`, or MOOSE_DATABASE_URL pointing
at a server where it may create and drop a scratch database). Rows per phase:
MOOSE_BENCH_RETENTION_ROWS (default 200,000, a short run; docs/performance/retention.md records
5,000,000 and 1,000,000); writers: MOOSE_BENCH_RETENTION_WRITERS (4); batch:
MOOSE_BENCH_RETENTION_BATCH (5,000); or the options below. The expired rows belong to many work
orders (one per 20 rows), a few failures each, loaded by one set-based INSERT with the triggers on
(their running figures and refinement attempts move once per statement), so loading takes seconds.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import threading
import time
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from bench._server import server_url
from runner.db import connect, with_database
from runner.migrations import migrate
from runner.testing import recreate_database

ROWS = int(os.environ.get("MOOSE_BENCH_RETENTION_ROWS", "200000"))
WRITERS = int(os.environ.get("MOOSE_BENCH_RETENTION_WRITERS", "4"))
BATCH = int(os.environ.get("MOOSE_BENCH_RETENTION_BATCH", "5000"))
IDLE_SECONDS = 5.0
ROWS_PER_WORK_ORDER = 20  # two of them failed: below max_refinement_attempts, nothing escalates


@dataclass
class Writers:
    """Threads that each loop: one transaction inserting a fresh outcome vector and updating a
    random expired one (a late metadata fix-up), recording each transaction's latency."""

    url: str
    expired_ids: tuple[int, int]
    work_orders: int
    count: int = WRITERS
    stop: threading.Event = field(default_factory=threading.Event)
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    threads: list[threading.Thread] = field(default_factory=list)

    def _loop(self, seed: int) -> None:
        rng = random.Random(seed)
        low, high = self.expired_ids
        with connect(self.url) as conn:
            while not self.stop.is_set():
                started = time.perf_counter()
                with conn.transaction():
                    conn.execute("INSERT INTO public.outcome_vectors (work_order_id, model_used, cost, success) "
                                 "VALUES (md5(%s::text)::uuid, 'gpt-4o-mini', 0.01, true)",
                                 (rng.randint(1, self.work_orders),))
                    conn.execute("UPDATE public.outcome_vectors SET metadata = '{\"late_fix\": true}' WHERE id = %s",
                                 (rng.randint(low, high),))
                elapsed = time.perf_counter() - started
                with self.lock:
                    self.latencies.append(elapsed)

    def start(self) -> None:
        for seed in range(self.count):
            thread = threading.Thread(target=self._loop, args=(seed,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def finish(self) -> list[float]:
        self.stop.set()
        for thread in self.threads:
            thread.join()
        return self.latencies


def work_order_count(rows: int) -> int:
    return max(1, rows // ROWS_PER_WORK_ORDER)


def load_expired(conn: psycopg.Connection, rows: int) -> tuple[int, int]:
    conn.execute("TRUNCATE public.outcome_vectors")
    conn.execute("UPDATE public.work_orders SET refinement_attempts = 0 WHERE refinement_attempts <> 0")
    started = time.perf_counter()
    conn.execute("""INSERT INTO public.outcome_vectors (work_order_id, model_used, cost, success, created_at)
                    SELECT md5((1 + g %% %s)::text)::uuid, 'gpt-4o', 0.02, (g / %s) %% 10 <> 0,
                           now() - interval '120 days' + g * interval '1 millisecond'
                    FROM generate_series(1, %s) AS g""", (work_order_count(rows), work_order_count(rows), rows))
    conn.execute("VACUUM (ANALYZE) public.outcome_vectors")
    low, high = conn.execute("SELECT min(id), max(id) FROM public.outcome_vectors").fetchone()  # type: ignore[misc]
    print(f"  loaded {rows:,} expired rows of {work_order_count(rows):,} work orders in "
          f"{time.perf_counter() - started:.1f} s", flush=True)
    return int(low), int(high)


def summary(latencies: list[float]) -> str:
    if not latencies:
        return "no writes"
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (f"{len(ordered):,} writes, median {statistics.median(ordered) * 1000:.1f} ms, "
            f"p99 {p99 * 1000:.1f} ms, worst {ordered[-1] * 1000:.1f} ms")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.retention", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=ROWS, help=f"expired rows per phase (default {ROWS:,})")
    parser.add_argument("--writers", type=int, default=WRITERS, help=f"writer threads (default {WRITERS})")
    parser.add_argument("--batch", type=int, default=BATCH, help=f"run_retention batch size (default {BATCH:,})")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    rows, batch = args.rows, args.batch
    server = server_url()
    url = recreate_database(with_database(server, "postgres"), "moose_bench_retention")
    try:
        migrate(url, echo=lambda _line: None)
        with connect(url, autocommit=True) as conn:
            conn.execute("UPDATE public.jobs SET enabled = false")
            conn.execute("""INSERT INTO public.work_orders (id, title, status)
                            SELECT md5(i::text)::uuid, 'bench ' || i, 'in_progress'
                            FROM generate_series(1, %s) AS i""", (work_order_count(rows),))
            print(f"rows per phase {rows:,}, writers {args.writers}, batch {batch:,}", flush=True)

            # (a) the floor: writers alone
            ids = load_expired(conn, rows)
            writers = Writers(url, ids, work_order_count(rows), args.writers)
            writers.start()
            time.sleep(IDLE_SECONDS)
            idle = writers.finish()
            print(f"(a) writers alone for {IDLE_SECONDS:.0f} s: {summary(idle)}", flush=True)

            # (b) run_retention in bounded batches, one transaction each (what the scheduler does)
            writers = Writers(url, ids, work_order_count(rows), args.writers)
            writers.start()
            started = time.perf_counter()
            purged = batches = 0
            while True:
                row = conn.execute("SELECT public.run_retention(NULL, %s)", (batch,)).fetchone()
                assert row is not None
                purged += int(row[0]["deleted"]["outcome_vectors"])
                batches += 1
                if not row[0]["more"]:
                    break
            batched_seconds = time.perf_counter() - started
            batched = writers.finish()
            batched_rate = purged / batched_seconds
            print(f"(b) run_retention: {purged:,} rows in {batches} batches, {batched_seconds:.1f} s, "
                  f"{batched_rate:,.0f} rows/s; writers: {summary(batched)}", flush=True)

            # (c) the runbook's single DELETE in one transaction
            ids = load_expired(conn, rows)
            writers = Writers(url, ids, work_order_count(rows), args.writers)
            writers.start()
            started = time.perf_counter()
            deleted = conn.execute(sql.SQL("DELETE FROM public.outcome_vectors "
                                           "WHERE created_at < now() - interval '90 days'")).rowcount
            single_seconds = time.perf_counter() - started
            single = writers.finish()
            single_rate = deleted / single_seconds
            print(f"(c) single DELETE: {deleted:,} rows in {single_seconds:.1f} s, {single_rate:,.0f} rows/s; "
                  f"writers: {summary(single)}", flush=True)

        worst = {name: max(values) if values else 0.0 for name, values in
                 (("a", idle), ("b", batched), ("c", single))}
        print("ratios:")
        print(f"  purge rate (b)/(c): {batched_rate / single_rate:.2f}")
        print(f"  writers' worst wait (b)/(a): {worst['b'] / worst['a']:.1f}x, "
              f"(c)/(a): {worst['c'] / worst['a']:.1f}x, (c)/(b): {worst['c'] / worst['b']:.1f}x")
    finally:
        with connect(with_database(server, "postgres"), autocommit=True) as admin:
            admin.execute("DROP DATABASE IF EXISTS moose_bench_retention WITH (FORCE)")


if __name__ == "__main__":
    main()
