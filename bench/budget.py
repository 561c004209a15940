"""Benchmark of the budget gate: pgbench at 1, 8 and 32 clients, all in one run, against a scratch
database on the server `moose db url` points to (or MOOSE_DATABASE_URL).

Variants, each a pgbench script:
  (a)  floor     a bare single-row `UPDATE ... SET reserved = reserved + x` (the old one-row ledger's
                 floor: one row lock and one commit)
  (s)  stripes   the same bare UPDATE spread over K = 8 rows by pg_backend_pid() (the floor of
                 the striped design)
  (b)  reserve   `SELECT check_and_reserve_budget(...)` with only the global day budget
  (b3) scoped    the same with the global, a service and a work-order budget all applying (8
                 stripes each; each call names one of 64 work orders at random)
  (c)  settle    reserve, then `settle_reservation(...)` (two transactions per script run)
  (p)  priced    `reserve_llm_call(...)`: priced from model_prices, with one service rate limit of
                 each kind (requests and tokens per minute) that never binds
  (pc) priced    (p), then `settle_llm_call(...)` (two transactions per script run)
  (d)  naive     the design the runbook implies: under one lock, SUM(cost) over 200,000 of today's
                 cost rows, then insert a row (not run by default)

Prints tps, mean and p95 latency per variant and clients, with ratios against (a).
The machine is shared, so each client count runs the variants in interleaved rounds (a s b b3 c
a s b b3 c ...) and reports the median tps and the median of the per-round ratios: load that
drifts during the run hits every variant alike.
Run: `.venv/bin/python -m bench.budget [--duration 5] [--rounds 2] [--clients 1,8,32] [--keep]`, or with
the defaults through `make bench` / `python -m bench budget`.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from bench._server import server_url
from runner.db import connect, with_database
from runner.embedded import PG_BIN_DIR
from runner.migrations import migrate

SCRATCH_DB = "moose_bench_budget"
NAIVE_ROWS = 200_000
AMOUNT = "0.01"

WORK_ORDERS = 64
SCRIPTS: dict[str, str] = {
    "a_floor": "UPDATE public.bench_floor SET reserved = reserved + {amount} WHERE id = 0;\n",
    "s_stripes": "UPDATE public.bench_floor SET reserved = reserved + {amount} WHERE id = 1 + pg_backend_pid() % 8;\n",
    "b_reserve": "SELECT public.check_and_reserve_budget({amount}, 'bench', '{{}}'::jsonb);\n",
    "b3_scoped": (
        "\\set wo random(1, " + str(WORK_ORDERS) + ")\n"
        "SELECT public.check_and_reserve_budget({amount}, 'bench-scoped',"
        " format('{{\"work_order_id\": \"00000000-0000-4000-8000-%s\"}}', lpad(:wo::text, 12, '0'))::jsonb);\n"
    ),
    "c_reserve_settle": (
        "SELECT quote_literal(public.check_and_reserve_budget({amount}, 'bench', '{{}}'::jsonb)"
        " ->> 'reservationId') AS rid \\gset\n"
        "SELECT public.settle_reservation(:rid::uuid, {amount});\n"
    ),
    "p_priced": "SELECT public.reserve_llm_call('bench-priced', 'bench-model', 1000, 500, '{{}}'::jsonb);\n",
    "pc_priced_settle": (
        "SELECT quote_literal(public.reserve_llm_call('bench-priced', 'bench-model', 1000, 500, '{{}}'::jsonb)"
        " ->> 'reservationId') AS rid \\gset\n"
        "SELECT public.settle_llm_call(:rid::uuid, 1000, 300, 200);\n"
    ),
    "d_naive_sum": (
        "BEGIN;\n"
        "SELECT pg_advisory_xact_lock(4242);\n"
        "SELECT coalesce(sum(cost), 0) FROM public.bench_naive_cost WHERE created_at >= '{day_start}';\n"
        "INSERT INTO public.bench_naive_cost (service_name, cost) VALUES ('bench', {amount});\n"
        "COMMIT;\n"
    ),
}
DEFAULT_VARIANTS = ["a_floor", "s_stripes", "b_reserve", "b3_scoped", "c_reserve_settle", "p_priced",
                    "pc_priced_settle"]
LABELS = {
    "a_floor": "(a) floor UPDATE",
    "s_stripes": "(s) UPDATE over 8 rows",
    "b_reserve": "(b) reserve, global",
    "b3_scoped": "(b3) reserve, 3 scopes",
    "c_reserve_settle": "(c) reserve+settle",
    "p_priced": "(p) priced + limits",
    "pc_priced_settle": "(pc) priced + settle",
    "d_naive_sum": "(d) naive SUM",
}


@dataclass
class Result:
    variant: str
    clients: int
    tps: float
    latencies_us: list[int] = field(default_factory=list)


@dataclass
class Summary:
    tps: float
    mean_ms: float
    p95_ms: float
    rounds: list[float]


def summarise(results: list[Result]) -> Summary:
    latencies = sorted(lat for r in results for lat in r.latencies_us)
    mean = sum(latencies) / len(latencies) / 1000 if latencies else math.nan
    p95 = latencies[min(len(latencies) - 1, math.ceil(0.95 * len(latencies)) - 1)] / 1000 if latencies else math.nan
    rounds = [r.tps for r in results]
    return Summary(statistics.median(rounds), mean, p95, rounds)


def pgbench_path() -> str:
    candidate = PG_BIN_DIR / "pgbench"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("pgbench")
    if not found:
        raise SystemExit("pgbench not found: install postgresql-15 (contrib) or set MOOSE_PG_BIN")
    return found


def prepare(url: str, scope_stripes: int = 8) -> tuple[str, str, str]:
    """Fresh scratch database, migrated, with a huge limit and 200,000 naive cost rows for today;
    the service and work-order budgets of (b3) on `scope_stripes` stripes."""
    with connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(SCRATCH_DB)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(SCRATCH_DB)))
    scratch = with_database(url, SCRATCH_DB)
    migrate(scratch, echo=lambda _line: None)
    with connect(scratch, autocommit=True) as conn:
        conn.execute("UPDATE public.system_config SET value = '1000000' WHERE key = 'daily_budget_limit'")
        day, day_start = conn.execute(
            "SELECT private.budget_day(now())::text, private.budget_day_start(private.budget_day(now()))::text"
        ).fetchone() or ("", "")
        conn.execute("UPDATE public.system_config SET value = %s::jsonb WHERE key = 'budget_scope_stripes'",
                     (str(scope_stripes),))
        conn.execute("SELECT public.set_budget('service', 'bench-scoped', 'day', 1000000)")
        conn.execute("SELECT public.set_budget('work_order', '*', 'total', 1000000)")
        # (p): a price, and a service rate limit of each kind far above what any run draws.
        conn.execute("INSERT INTO public.model_prices (model, effective_from, input_usd_per_mtok, output_usd_per_mtok,"
                     " cached_input_usd_per_mtok, max_output_tokens) VALUES ('bench-model', now() - interval '1 hour',"
                     " 2.5, 10, 1.25, 4096)")
        conn.execute("SELECT public.set_rate_limit('service', 'bench-priced', 2000000000, 1000000000000)")
        conn.execute(
            "INSERT INTO public.work_orders (id, title, status)"
            " SELECT format('00000000-0000-4000-8000-%%s', lpad(i::text, 12, '0'))::uuid, 'bench ' || i, 'in_progress'"
            " FROM generate_series(1, %s) AS i", (WORK_ORDERS,))
        conn.execute("CREATE TABLE public.bench_floor (id int PRIMARY KEY, reserved numeric(16, 6) NOT NULL)"
                     " WITH (fillfactor = 50)")
        conn.execute("INSERT INTO public.bench_floor SELECT i, 0 FROM generate_series(0, 8) AS i")
        conn.execute("CREATE TABLE public.bench_naive_cost (LIKE public.cost_tracking INCLUDING ALL)")
        conn.execute("ALTER TABLE public.bench_naive_cost ENABLE ROW LEVEL SECURITY")
        conn.execute(
            "INSERT INTO public.bench_naive_cost (service_name, cost, created_at)"
            " SELECT 'seed', round((random() * 0.05)::numeric, 6),"
            "        %s::timestamptz + random() * (now() - %s::timestamptz)"
            " FROM generate_series(1, %s)",
            (day_start, day_start, NAIVE_ROWS),
        )
        conn.execute("VACUUM ANALYZE public.bench_naive_cost")
    return scratch, day, day_start


def run_pgbench(scratch: str, variant: str, script: str, clients: int, duration: int, workdir: Path,
                synchronous_commit: str = "on") -> Result:
    info = conninfo_to_dict(scratch)
    script_path = workdir / f"{variant}.sql"
    script_path.write_text(script)
    prefix = workdir / f"log_{variant}_{clients}"
    env = dict(os.environ)
    for key, var in (("host", "PGHOST"), ("port", "PGPORT"), ("user", "PGUSER"), ("password", "PGPASSWORD")):
        if info.get(key):
            env[var] = str(info[key])
    # Same durability setting for every variant: "off" takes the disk's fsync out of the figures,
    # leaving the CPU and lock cost of each design.
    env["PGOPTIONS"] = f"-c synchronous_commit={synchronous_commit}"
    argv = [pgbench_path(), "-n", "-T", str(duration), "-c", str(clients), "-j", str(min(clients, 2)),
            "-l", "--log-prefix", str(prefix), "-f", str(script_path), SCRATCH_DB]
    done = subprocess.run(argv, env=env, cwd=workdir, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"pgbench failed for {variant} at {clients} clients:\n{done.stdout}\n{done.stderr}")
    match = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", done.stdout)
    tps = float(match.group(1)) if match else 0.0
    latencies: list[int] = []
    for log in workdir.glob(f"log_{variant}_{clients}*"):
        for line in log.read_text().splitlines():
            fields = line.split()
            if len(fields) >= 3:
                latencies.append(int(fields[2]))
        log.unlink()
    return Result(variant, clients, tps, latencies)


def report(results: list[Result], clients_list: list[int]) -> None:
    def of(variant: str, clients: int) -> list[Result]:
        return [r for r in results if r.variant == variant and r.clients == clients]

    def ratio(top: str, bottom: str, clients: int) -> float:
        pairs = zip(of(top, clients), of(bottom, clients), strict=True)
        return statistics.median(t.tps / b.tps for t, b in pairs)

    ran = [variant for variant in SCRIPTS if any(r.variant == variant for r in results)]
    has_floor = "a_floor" in ran
    print(f"\n{'variant':<24}{'clients':>8}{'tps':>10}{'mean ms':>10}{'p95 ms':>10}{'vs (a)':>9}   tps per round")
    for clients in clients_list:
        for variant in ran:
            summary = summarise(of(variant, clients))
            rounds = " ".join(f"{t:.0f}" for t in summary.rounds)
            versus = f"{ratio(variant, 'a_floor', clients):>9.2f}" if has_floor else f"{'-':>9}"
            print(f"{LABELS[variant]:<24}{clients:>8}{summary.tps:>10.1f}{summary.mean_ms:>10.2f}{summary.p95_ms:>10.2f}"
                  f"{versus}   {rounds}")
    wanted = [("s_stripes", "a_floor", "(s)/(a) = {:.2f}"),
              ("b_reserve", "a_floor", "(b)/(a) = {:.2f}"),
              ("b3_scoped", "a_floor", "(b3)/(a) = {:.2f}"),
              ("c_reserve_settle", "a_floor", "(c)/(a) = {:.2f}"),
              ("p_priced", "a_floor", "(p)/(a) = {:.2f}"),
              ("pc_priced_settle", "a_floor", "(pc)/(a) = {:.2f}"),
              ("b_reserve", "s_stripes", "(b)/(s) = {:.2f}"),
              ("b_reserve", "d_naive_sum", "(b)/(d) = {:.0f}x")]
    shown = [(top, bottom, form) for top, bottom, form in wanted if top in ran and bottom in ran]
    if not shown:
        return
    print("\nmedian of per-round ratios")
    for clients in clients_list:
        parts = [form.format(ratio(top, bottom, clients)) for top, bottom, form in shown]
        print(f"  {clients:>2} clients: " + "   ".join(parts))


def _variant(parser: argparse.ArgumentParser, given: str) -> str:
    """A variant by its full name (`b_reserve`) or its letter (`b`); anything else stops with the list."""
    for name in SCRIPTS:
        if given in (name, name.split("_", 1)[0]):
            return name
    parser.error(f"unknown variant {given!r}: choose from {', '.join(SCRIPTS)} (or a, s, b, b3, c, p, pc, d)")


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark; argv are the command-line options (none: the defaults, as `make bench` runs it)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=5, help="seconds per pgbench run (default 5)")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds per client count (default 2)")
    parser.add_argument("--clients", default="1,8,32", help="comma-separated client counts (default 1,8,32)")
    parser.add_argument("--variants", default=",".join(DEFAULT_VARIANTS),
                        help="comma-separated variants to run, by name or letter (default "
                             f"{','.join(DEFAULT_VARIANTS)}; d_naive_sum on request)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database afterwards")
    parser.add_argument("--scope-stripes", type=int, default=8,
                        help="stripes of (b3)'s service and work-order budgets (default 8)")
    parser.add_argument("--synchronous-commit", choices=["on", "off"], default="on",
                        help="synchronous_commit for every variant (default on; off measures CPU and locks, not fsync)")
    args = parser.parse_args(argv if argv is not None else [])
    clients_list = [int(c) for c in args.clients.split(",")]
    variants = [_variant(parser, v) for v in args.variants.split(",") if v]

    url = server_url()
    print(f"preparing scratch database {SCRATCH_DB} ({NAIVE_ROWS:,} naive cost rows), "
          f"synchronous_commit={args.synchronous_commit}...")
    scratch, day, day_start = prepare(url, args.scope_stripes)
    results: list[Result] = []
    try:
        with tempfile.TemporaryDirectory(prefix="moose-bench-") as tmp:
            workdir = Path(tmp)
            for clients in clients_list:
                for round_number in range(1, args.rounds + 1):
                    for variant in variants:
                        script = SCRIPTS[variant].format(amount=AMOUNT, day=day, day_start=day_start)
                        result = run_pgbench(scratch, variant, script, clients, args.duration, workdir,
                                             args.synchronous_commit)
                        results.append(result)
                        print(f"  round {round_number} {LABELS[variant]:<24} {clients:>2} clients: "
                              f"{result.tps:9.1f} tps")
        report(results, clients_list)
    finally:
        if not args.keep:
            with connect(with_database(url, "postgres"), autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(SCRATCH_DB)))


if __name__ == "__main__":
    main(sys.argv[1:])
