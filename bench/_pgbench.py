"""pgbench for the budget benchmark: one run of one script, its tps and per-transaction figures
(latency and completion instant from pgbench's per-transaction log), and their summaries."""

from __future__ import annotations

import math
import os
import re
import shutil
import statistics
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict

from runner.db import database_name
from runner.embedded import PG_BIN_DIR


@dataclass
class Result:
    variant: str
    clients: int
    tps: float
    latencies_us: list[int] = field(default_factory=list)
    ends_s: list[float] = field(default_factory=list)  # completion instants (epoch seconds), same order


@dataclass
class Summary:
    tps: float
    mean_ms: float
    p95_ms: float
    rounds: list[float]


def p95_ms(latencies_us: list[int]) -> float:
    """The 95th percentile in ms (nearest rank), NaN when there is nothing to rank."""
    if not latencies_us:
        return math.nan
    ordered = sorted(latencies_us)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)] / 1000


def mean_ms(latencies_us: list[int]) -> float:
    return sum(latencies_us) / len(latencies_us) / 1000 if latencies_us else math.nan


def summarise(results: list[Result]) -> Summary:
    latencies = [lat for r in results for lat in r.latencies_us]
    rounds = [r.tps for r in results]
    return Summary(statistics.median(rounds), mean_ms(latencies), p95_ms(latencies), rounds)


def pgbench_path() -> str:
    candidate = PG_BIN_DIR / "pgbench"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("pgbench")
    if not found:
        raise SystemExit("pgbench not found: install postgresql-15 (contrib) or set MOOSE_PG_BIN")
    return found


def run_pgbench(scratch: str, variant: str, script: str, clients: int, duration: int, workdir: Path,
                synchronous_commit: str = "on", progress: int = 0) -> Result:
    """Run `script` on `clients` connections for `duration` seconds; progress > 0 lets pgbench print
    a progress line every that many seconds (to this process's stderr)."""
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
            "-l", "--log-prefix", str(prefix), "-f", str(script_path)]
    if progress > 0:
        argv += ["--progress", str(progress)]
    argv.append(database_name(scratch))
    done = subprocess.run(argv, env=env, cwd=workdir, stdout=subprocess.PIPE,
                          stderr=None if progress > 0 else subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"pgbench failed for {variant} at {clients} clients:\n{done.stdout}\n{done.stderr or ''}")
    match = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", done.stdout)
    tps = float(match.group(1)) if match else 0.0
    latencies: list[int] = []
    ends: list[float] = []
    # Per-transaction log: client_id transaction_no time_us script_no time_epoch time_us_part
    for log in workdir.glob(f"log_{variant}_{clients}*"):
        for line in log.read_text().splitlines():
            fields = line.split()
            if len(fields) >= 6:
                latencies.append(int(fields[2]))
                ends.append(int(fields[4]) + int(fields[5]) / 1e6)
        log.unlink()
    return Result(variant, clients, tps, latencies, ends)
