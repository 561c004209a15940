"""`python -m bench.budget --snapshot SECONDS`: what one long open transaction does to a variant.

For each variant: a quiet run (no other transaction open), then one `REPEATABLE READ`
transaction on its own connection runs a `SELECT` of a scratch table (so it holds a snapshot,
as pg_dump, a report or a forgotten `BEGIN` in psql does) and stays open while the variant runs
for SECONDS; the transaction then ends and the scratch database is vacuumed before the next
variant. Reports tps, mean and p95 latency per window (default 30 s) from pgbench's
per-transaction log, and the last window against the quiet run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from bench._pgbench import Result, mean_ms, p95_ms, run_pgbench
from runner.db import connect

# Tables whose size shows the version chains a held snapshot keeps (those of the variant run grow).
HOT_TABLES = ("public.bench_floor", "public.bench_gate_stripe", "public.bench_gate_reservation",
              "public.budget_stripes", "public.budget_reservations", "public.rate_limits")


def relation_sizes(scratch: str) -> dict[str, int]:
    """Total size (table and indexes) in bytes of each of HOT_TABLES that exists."""
    sizes: dict[str, int] = {}
    with connect(scratch, autocommit=True) as conn:
        for table in HOT_TABLES:
            row = conn.execute("SELECT pg_total_relation_size(to_regclass(%s))", (table,)).fetchone()
            if row and row[0] is not None:
                sizes[table] = int(row[0])
    return sizes


def windows(result: Result, seconds: int, width: int) -> list[tuple[float, float, list[int]]]:
    """(from, to, latencies) per window of `width` seconds from the run's first transaction start,
    then the last `width` seconds of the run as one more window."""
    if not result.ends_s:
        return []
    start = min(end - lat / 1e6 for end, lat in zip(result.ends_s, result.latencies_us, strict=True))
    bounds = [(float(lo), float(min(lo + width, seconds))) for lo in range(0, seconds, width)]
    if seconds % width:
        bounds.append((float(max(0, seconds - width)), float(seconds)))
    out = []
    for lo, hi in bounds:
        lats = [lat for end, lat in zip(result.ends_s, result.latencies_us, strict=True)
                if lo <= end - start < hi]
        out.append((lo, hi, lats))
    return out


def show(label: str, clients: int, quiet: Result, quiet_seconds: int, held: Result, seconds: int, width: int,
         sizes_before: dict[str, int], sizes_after: dict[str, int]) -> None:
    quiet_tps = len(quiet.latencies_us) / quiet_seconds
    print(f"\n{label}, {clients} clients, one REPEATABLE READ snapshot held for {seconds} s")
    print(f"{'window':<14}{'tps':>10}{'mean ms':>10}{'p95 ms':>10}{'vs quiet':>10}")
    print(f"{'quiet run':<14}{quiet_tps:>10.1f}{mean_ms(quiet.latencies_us):>10.2f}"
          f"{p95_ms(quiet.latencies_us):>10.2f}{1:>10.2f}")
    spans = windows(held, seconds, width)
    for lo, hi, lats in spans:
        tps = len(lats) / (hi - lo)
        print(f"{f'{lo:.0f}-{hi:.0f} s':<14}{tps:>10.1f}{mean_ms(lats):>10.2f}{p95_ms(lats):>10.2f}"
              f"{tps / quiet_tps if quiet_tps else math.nan:>10.2f}")
    if spans:
        lo, hi, lats = spans[-1]
        tps = len(lats) / (hi - lo)
        print(f"last {hi - lo:.0f} s with the snapshot open: {tps:.1f} tps = "
              f"{tps / quiet_tps if quiet_tps else math.nan:.2f} of quiet ({quiet_tps:.1f} tps), "
              f"p95 {p95_ms(lats):.2f} ms (quiet {p95_ms(quiet.latencies_us):.2f} ms)")
    grown = [f"{table.removeprefix('public.')} {sizes_before[table] / 1024:,.0f} -> {size / 1024:,.0f} kB"
             for table, size in sizes_after.items() if table in sizes_before and size != sizes_before[table]]
    if grown:
        print("size (table and indexes) while the snapshot was held: " + "; ".join(grown))


def run_snapshot(scratch: str, variants: list[str], scripts: Callable[[str], str], labels: dict[str, str],
                 clients: int, seconds: int, quiet_seconds: int, width: int, workdir: Path,
                 synchronous_commit: str) -> None:
    """For each variant in turn: quiet run, held-snapshot run, report, end the transaction, VACUUM."""
    for variant in variants:
        label = labels[variant]
        print(f"\n{label}: quiet run, {quiet_seconds} s at {clients} clients...", flush=True)
        quiet = run_pgbench(scratch, variant, scripts(variant), clients, quiet_seconds, workdir,
                            synchronous_commit)
        sizes_before = relation_sizes(scratch)
        holder = connect(scratch, application_name="moose-bench-snapshot")
        try:
            # The database's default idle-in-transaction timeout (docs/OPERATIONS.md, "Timeouts")
            # would end a snapshot held past it: this one is held on purpose.
            holder.execute("SET idle_in_transaction_session_timeout = 0")
            holder.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            holder.execute("SELECT count(*) FROM public.bench_floor").fetchone()
            print(f"{label}: snapshot open (backend {holder.info.backend_pid}); {seconds} s at {clients} clients, "
                  f"progress every {width} s...", flush=True)
            held = run_pgbench(scratch, variant, scripts(variant), clients, seconds, workdir,
                               synchronous_commit, progress=width)
            sizes_after = relation_sizes(scratch)
        finally:
            holder.rollback()
            holder.close()
        show(label, clients, quiet, quiet_seconds, held, seconds, width, sizes_before, sizes_after)
        with connect(scratch, autocommit=True) as conn:
            conn.execute("VACUUM")
