"""Growth benchmark: does one write cost more when there is more data behind it?

For each write path (bench/_growth_paths.py: outcome vectors through record_outcome and plain
INSERT, failed and successful, for a work order in a retry storm; a cost_tracking insert; a
budget reservation, its settle and its release; an escalation for a work order with many past
escalations; raise_alert with many past alerts and deliveries; a status change of a work order
with a long history; escalate_stuck_work_orders with many open stuck episodes) it seeds the data
behind the path to 1x, 10x and 100x of a base size in one run, and times single calls at each
size (median and p95, each call its own transaction). The baseline is the same path at 1x: the
ratio 100x / 1x of the medians is the figure, and the target is at most 1.5 (flat within noise).
docs/performance/growth.md records the figures and explains any path that must grow.

Each size of each group of paths gets its own scratch database (moose_bench_growth_0, _1, _2),
migrated, jobs off, and the calls go round-robin over the three sizes, so the load of a shared
machine falls on every size alike.
Commits do not wait for the WAL flush (synchronous_commit = off in the timing session), so the
disk's noise does not hide the work; the seeding is set-based (seconds, not minutes).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from typing import Any

import psycopg
from psycopg import sql

from bench._growth_paths import GROUPS, Group
from bench._server import server_url
from runner.db import connect, with_database
from runner.migrations import migrate
from runner.testing import recreate_database

DBNAME = "moose_bench_growth"
TARGET = 1.5
WARM_UP = int(os.environ.get("MOOSE_BENCH_GROWTH_WARM_UP", "20"))


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.growth", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", type=int, default=int(os.environ.get("MOOSE_BENCH_GROWTH_BASE", "1000")),
                        help="rows behind each path at 1x (10x and 100x follow); env MOOSE_BENCH_GROWTH_BASE, "
                             "default 1000")
    parser.add_argument("--samples", type=int, default=int(os.environ.get("MOOSE_BENCH_GROWTH_SAMPLES", "40")),
                        help="timed calls per path and size, after 20 warm-up calls (env MOOSE_BENCH_GROWTH_WARM_UP); "
                             "default 40")
    parser.add_argument("--only", action="append", default=[], metavar="GROUP",
                        help=f"run only this group (repeatable): {', '.join(g.name for g in GROUPS)}")
    return parser.parse_args(argv)


def describe(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def seed(server: str, group: Group, index: int, size: int) -> psycopg.Connection:
    """A scratch database for one size of one group, seeded and analysed; returns its session."""
    url = recreate_database(with_database(server, "postgres"), f"{DBNAME}_{index}")
    migrate(url, echo=lambda _line: None)
    conn = connect(url, autocommit=True)
    conn.execute("UPDATE public.jobs SET enabled = false")
    conn.execute("SET synchronous_commit = off")
    started = time.perf_counter()
    group.setup(conn)
    group.grow(conn, 0, size)
    conn.execute("VACUUM (ANALYZE)")  # what autovacuum would have done by then, before the clock runs
    print(f"  {group.name}: {size:,} {group.behind} seeded in {time.perf_counter() - started:.1f} s", flush=True)
    return conn


def run_group(server: str, group: Group, sizes: list[int], samples: int) -> dict[str, list[tuple[float, float]]]:
    """Seed one database per size, then time each path round-robin over the sizes, so a busy
    moment of the shared machine lands on every size alike rather than on whichever ran then."""
    conns = [seed(server, group, index, size) for index, size in enumerate(sizes)]
    results: dict[str, list[tuple[float, float]]] = {}
    try:
        for name, call in group.calls.items():
            states: list[dict[str, Any]] = [{} for _ in sizes]
            timings: list[list[float]] = [[] for _ in sizes]
            for i in range(samples + WARM_UP):
                for conn, state, kept in zip(conns, states, timings, strict=True):
                    query, params = call(conn, state)
                    began = time.perf_counter()
                    conn.execute(query.encode(), params)
                    if i >= WARM_UP:
                        kept.append((time.perf_counter() - began) * 1000)
            results[name] = [describe(kept) for kept in timings]
    finally:
        for conn in conns:
            conn.close()
    return results


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    server = server_url()
    sizes = [args.base, args.base * 10, args.base * 100]
    groups = [g for g in GROUPS if not args.only or g.name in args.only]
    print(f"sizes {', '.join(f'{s:,}' for s in sizes)}; {args.samples} timed calls per path and size", flush=True)
    rows: list[tuple[str, list[tuple[float, float]]]] = []
    try:
        for group in groups:
            rows.extend(run_group(server, group, sizes, args.samples).items())
    finally:
        with connect(with_database(server, "postgres"), autocommit=True) as admin:
            for index in range(len(sizes)):
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(f"{DBNAME}_{index}")))
    print("\nper call, ms: median / p95 at each size; ratio = median 100x / median 1x (target <= 1.5)")
    header = "".join(f"{f'{s:,}':>18}" for s in sizes)
    print(f"  {'path':<42}{header}  ratio")
    for name, figures in rows:
        cells = "".join(f"{f'{m:.2f} / {p:.2f}':>18}" for m, p in figures)
        ratio = figures[-1][0] / figures[0][0]
        print(f"  {name:<42}{cells}  {ratio:5.2f}{'' if ratio <= TARGET else '  OVER'}")


if __name__ == "__main__":
    main()
