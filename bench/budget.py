"""Benchmark of the budget gate: pgbench at 1, 8 and 32 clients, all in one run, against a scratch
database on the server `moose db url` points to (or MOOSE_DATABASE_URL).

Variants, each a pgbench script:
  (a)  floor     a bare single-row `UPDATE ... SET reserved = reserved + x` (the old one-row ledger's
                 floor: one row lock and one commit)
  (s)  stripes   the same bare UPDATE spread over K = 8 rows by pg_backend_pid() (the floor of
                 the striped design)
  (f)  floor gate one PL/pgSQL call (`bench_gate_reserve`, created in the scratch database only):
                 a conditional UPDATE of one of 32 stripe rows (pg_backend_pid() % 32,
                 reserved + amount <= limit), an INSERT of a reservation row (uuid primary key,
                 expiry index, 6 columns), a jsonb answer: the least work of any exact gate
  (b)  reserve   `SELECT check_and_reserve_budget(...)` with only the global day budget
  (b3) scoped    the same with the global, a service and a work-order budget all applying (8
                 stripes each; each call names one of 64 work orders at random)
  (c)  settle    reserve, then `settle_reservation(...)` (two transactions per script run)
  (p)  priced    `reserve_llm_call(...)`: priced from model_prices, with one service rate limit of
                 each kind (requests and tokens per minute) that never binds
  (pc) priced    (p), then `settle_llm_call(...)` (two transactions per script run)
  (d)  naive     the design the runbook implies: under one lock, SUM(cost) over 200,000 of today's
                 cost rows, then insert a row (not run by default)

Prints tps, mean and p95 latency per variant and clients, with ratios against (a) and (f).
The machine is shared, so each client count runs the variants in interleaved rounds (a s f b b3
c ... a s f b ...) and reports the median tps and the median of the per-round ratios: load that
drifts during the run hits every variant alike.
Run: `.venv/bin/python -m bench.budget [--duration 5] [--rounds 2] [--clients 1,8,32] [--keep]`, or with
the defaults through `make bench` / `python -m bench budget`.
`--snapshot SECONDS` instead measures one long open transaction: per variant (default b; also
a or f, to compare) a quiet run of --quiet-seconds, then the same variant for SECONDS while one
REPEATABLE READ transaction that ran a SELECT stays open; tps, mean and p95 per --window seconds
and the last window against the quiet run (at --clients, default 32).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from psycopg import sql

from bench._budget_snapshot import run_snapshot
from bench._pgbench import Result, run_pgbench, summarise
from bench._server import server_url
from runner.db import connect, with_database
from runner.migrations import migrate

SCRATCH_DB = "moose_bench_budget"
NAIVE_ROWS = 200_000
AMOUNT = "0.01"

WORK_ORDERS = 64
SCRIPTS: dict[str, str] = {
    "a_floor": "UPDATE public.bench_floor SET reserved = reserved + {amount} WHERE id = 0;\n",
    "s_stripes": "UPDATE public.bench_floor SET reserved = reserved + {amount} WHERE id = 1 + pg_backend_pid() % 8;\n",
    "f_floor_gate": "SELECT public.bench_gate_reserve({amount});\n",
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
# (f): the floor of any exact gate with a settle, in the scratch database only (never in db/):
# one conditional UPDATE of one of 32 stripes, one reservation row, a jsonb answer.
FLOOR_GATE_SQL = """
CREATE TABLE public.bench_gate_stripe (
    id       smallint PRIMARY KEY,
    "limit"  numeric(16, 6) NOT NULL,
    reserved numeric(16, 6) NOT NULL DEFAULT 0
) WITH (fillfactor = 50);
INSERT INTO public.bench_gate_stripe (id, "limit") SELECT i, 1000000.0 / 32 FROM generate_series(0, 31) AS i;
CREATE TABLE public.bench_gate_reservation (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    stripe     smallint NOT NULL,
    amount     numeric(14, 6) NOT NULL,
    status     text NOT NULL DEFAULT 'open',
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX ON public.bench_gate_reservation (expires_at);
ALTER TABLE public.bench_gate_stripe ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.bench_gate_reservation ENABLE ROW LEVEL SECURITY;
CREATE FUNCTION public.bench_gate_reserve(p_amount numeric) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_stripe smallint := pg_backend_pid() % 32;
    v_id uuid;
BEGIN
    UPDATE public.bench_gate_stripe SET reserved = reserved + p_amount
     WHERE id = v_stripe AND reserved + p_amount <= "limit";
    IF NOT FOUND THEN
        RETURN jsonb_build_object('allowed', false, 'stripe', v_stripe);
    END IF;
    INSERT INTO public.bench_gate_reservation (stripe, amount, expires_at)
    VALUES (v_stripe, p_amount, now() + interval '10 minutes')
    RETURNING id INTO v_id;
    RETURN jsonb_build_object('allowed', true, 'reservationId', v_id, 'amount', p_amount);
END
$$;
"""
DEFAULT_VARIANTS = ["a_floor", "s_stripes", "f_floor_gate", "b_reserve", "b3_scoped", "c_reserve_settle", "p_priced",
                    "pc_priced_settle"]
LABELS = {
    "a_floor": "(a) floor UPDATE",
    "s_stripes": "(s) UPDATE over 8 rows",
    "f_floor_gate": "(f) floor gate, 32 rows",
    "b_reserve": "(b) reserve, global",
    "b3_scoped": "(b3) reserve, 3 scopes",
    "c_reserve_settle": "(c) reserve+settle",
    "p_priced": "(p) priced + limits",
    "pc_priced_settle": "(pc) priced + settle",
    "d_naive_sum": "(d) naive SUM",
}


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
        conn.execute(FLOOR_GATE_SQL)
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


def report(results: list[Result], clients_list: list[int]) -> None:
    def of(variant: str, clients: int) -> list[Result]:
        return [r for r in results if r.variant == variant and r.clients == clients]

    def ratio(top: str, bottom: str, clients: int) -> float:
        pairs = zip(of(top, clients), of(bottom, clients), strict=True)
        return statistics.median(t.tps / b.tps for t, b in pairs)

    def versus(variant: str, base: str, clients: int) -> str:
        return f"{ratio(variant, base, clients):>9.2f}" if base in ran else f"{'-':>9}"

    ran = [variant for variant in SCRIPTS if any(r.variant == variant for r in results)]
    print(f"\n{'variant':<24}{'clients':>8}{'tps':>10}{'mean ms':>10}{'p95 ms':>10}{'vs (a)':>9}{'vs (f)':>9}"
          "   tps per round")
    for clients in clients_list:
        for variant in ran:
            summary = summarise(of(variant, clients))
            rounds = " ".join(f"{t:.0f}" for t in summary.rounds)
            print(f"{LABELS[variant]:<24}{clients:>8}{summary.tps:>10.1f}{summary.mean_ms:>10.2f}{summary.p95_ms:>10.2f}"
                  f"{versus(variant, 'a_floor', clients)}{versus(variant, 'f_floor_gate', clients)}   {rounds}")
    letters = {name: "(" + name.split("_", 1)[0] + ")" for name in SCRIPTS}
    wanted = [(top, "a_floor") for top in ("s_stripes", "f_floor_gate", "b_reserve", "b3_scoped", "c_reserve_settle",
                                           "p_priced", "pc_priced_settle")]
    wanted += [(top, "f_floor_gate") for top in ("b_reserve", "b3_scoped", "c_reserve_settle", "p_priced",
                                                "pc_priced_settle")]
    wanted += [("b_reserve", "s_stripes"), ("b_reserve", "d_naive_sum")]
    shown = [(top, bottom) for top, bottom in wanted if top in ran and bottom in ran]
    if not shown:
        return
    print("\nmedian of per-round ratios")
    for clients in clients_list:
        parts = [f"{letters[top]}/{letters[bottom]} = {ratio(top, bottom, clients):.2f}" for top, bottom in shown]
        print(f"  {clients:>2} clients: " + "   ".join(parts))


def _variant(parser: argparse.ArgumentParser, given: str) -> str:
    """A variant by its full name (`b_reserve`) or its letter (`b`); anything else stops with the list."""
    for name in SCRIPTS:
        if given in (name, name.split("_", 1)[0]):
            return name
    parser.error(f"unknown variant {given!r}: choose from {', '.join(SCRIPTS)} (or a, s, f, b, b3, c, p, pc, d)")


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark; argv are the command-line options (none: the defaults, as `make bench` runs it)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=5, help="seconds per pgbench run (default 5)")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds per client count (default 2)")
    parser.add_argument("--clients", help="comma-separated client counts (default 1,8,32; with --snapshot one, 32)")
    parser.add_argument("--variants", help="comma-separated variants to run, by name or letter (default "
                                           f"{','.join(DEFAULT_VARIANTS)}, d_naive_sum on request; with --snapshot b)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database afterwards")
    parser.add_argument("--scope-stripes", type=int, default=8,
                        help="stripes of (b3)'s service and work-order budgets (default 8)")
    parser.add_argument("--synchronous-commit", choices=["on", "off"], default="on",
                        help="synchronous_commit for every variant (default on; off measures CPU and locks, not fsync)")
    parser.add_argument("--snapshot", type=int, metavar="SECONDS",
                        help="instead of the rounds: run each variant SECONDS with one REPEATABLE READ snapshot open")
    parser.add_argument("--quiet-seconds", type=int, default=30,
                        help="with --snapshot: the quiet run before it, in seconds (default 30)")
    parser.add_argument("--window", type=int, default=30,
                        help="with --snapshot: seconds per reported window (default 30)")
    args = parser.parse_args(argv if argv is not None else [])
    clients_list = [int(c) for c in (args.clients or ("32" if args.snapshot else "1,8,32")).split(",")]
    given = args.variants or ("b" if args.snapshot else ",".join(DEFAULT_VARIANTS))
    variants = [_variant(parser, v) for v in given.split(",") if v]
    if args.snapshot is not None and (args.snapshot < args.window or len(clients_list) != 1):
        parser.error("--snapshot takes at least --window seconds and exactly one client count")

    url = server_url()
    print(f"preparing scratch database {SCRATCH_DB} ({NAIVE_ROWS:,} naive cost rows), "
          f"synchronous_commit={args.synchronous_commit}...")
    scratch, day, day_start = prepare(url, args.scope_stripes)

    def script(variant: str) -> str:
        return SCRIPTS[variant].format(amount=AMOUNT, day=day, day_start=day_start)

    results: list[Result] = []
    try:
        with tempfile.TemporaryDirectory(prefix="moose-bench-") as tmp:
            workdir = Path(tmp)
            if args.snapshot is not None:
                run_snapshot(scratch, variants, script, LABELS, clients_list[0], args.snapshot, args.quiet_seconds,
                             args.window, workdir, args.synchronous_commit)
                return
            for clients in clients_list:
                for round_number in range(1, args.rounds + 1):
                    for variant in variants:
                        result = run_pgbench(scratch, variant, script(variant), clients, args.duration, workdir,
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
