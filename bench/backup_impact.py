"""What a backup does to the budget gate: (b) `check_and_reserve_budget` under pgbench at 32
clients on the primary of a two-node Patroni cluster (deploy/patroni/local-cluster, synchronous
mode, hot_standby_feedback off), in one run:

  quiet       nothing else runs (the baseline)
  standby     a `pg_dump` of the database runs against the standby
  primary     a `pg_dump` of the database runs against the primary
  basebackup  a `pg_basebackup` (file-level, no snapshot) runs against the primary
  quiet       the baseline again (load that drifted during the run shows here)

Each dump is read slowly (as over a slow link, or a large database) so that it holds its snapshot
for the whole phase, and pg_basebackup is rate-limited (--max-rate) for the same reason; each is
stopped when the phase ends. Between phases a VACUUM clears what the
last phase left. Prints tps and p95 per phase, the ratios against the first baseline, the oldest
xmin on the primary during each phase, whether the standby cancelled its dump (a conflict with
replay after max_standby_streaming_delay) and the machine's load (`uptime`).

By default it starts a throwaway local cluster and destroys it afterwards; `--url` uses a running
one (its multi-host URL, `deploy/patroni/local-cluster url`).
Run: `.venv/bin/python -m bench.backup_impact [--duration 60] [--clients 32] [--url URL]`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from psycopg.conninfo import make_conninfo

from bench.budget import AMOUNT, SCRATCH_DB, SCRIPTS, prepare, run_pgbench, summarise
from runner.db import connect, with_database
from runner.embedded import PG_BIN_DIR
from runner.nodes import Node, node_roles

LOCAL_CLUSTER = Path(__file__).resolve().parent.parent / "deploy" / "patroni" / "local-cluster"
READ_CHUNK = 8192  # bytes of pg_dump's output read per READ_EVERY seconds: about 80 kB/s
READ_EVERY = 0.1


@dataclass
class Phase:
    name: str
    tps: float
    p95_ms: float
    oldest_xmin_s: float
    dump: str  # what happened to the dump: "-", "held", or why it ended early


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def single(url: str, node: Node, dbname: str) -> str:
    return make_conninfo(with_database(url, dbname), host=node.host, port=node.port, target_session_attrs="any")


class SlowDump:
    """`pg_dump` of the scratch database on one node, its output read slowly and thrown away (or
    another backup program writing to stdout)."""

    def __init__(self, argv: list[str], read_chunk: int = READ_CHUNK) -> None:
        self.read_chunk = read_chunk
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.started = time.monotonic()
        self.ended: float | None = None
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        while self.process.stdout.read(self.read_chunk):
            time.sleep(READ_EVERY)
        self.ended = time.monotonic()

    def wait_until(self, conninfo: str, query: str, timeout: float = 60) -> None:
        """Until `query` on the node says the program is at work (one row counted)."""
        deadline = time.monotonic() + timeout
        with connect(conninfo, autocommit=True) as conn:
            while conn.execute(query).fetchone() != (1,):
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise SystemExit(f"pg_dump did not start: {self.stop()}")
                time.sleep(0.05)

    def stop(self) -> str:
        """End the dump; say whether it held its snapshot until now."""
        code = self.process.poll()
        if code is None:
            self.process.terminate()
            self.process.wait(timeout=30)
            return "held"
        stderr = self.process.stderr.read().decode().strip() if self.process.stderr else ""
        took = (self.ended or time.monotonic()) - self.started
        last = stderr.splitlines()[-1] if stderr else f"exit {code}"
        return f"ended after {took:.0f} s: {last}"


def oldest_xmin_age(conninfo: str) -> float:
    with connect(conninfo, autocommit=True) as conn:
        row = conn.execute("SELECT coalesce(extract(epoch FROM max(now() - xact_start)), 0) FROM pg_stat_activity "
                           "WHERE backend_xmin IS NOT NULL AND pid <> pg_backend_pid()").fetchone()
    return float(row[0]) if row else 0.0


DUMP_AT_WORK = ("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pg_dump' "
                "AND backend_xmin IS NOT NULL")
BASEBACKUP_AT_WORK = "SELECT count(*) FROM pg_stat_progress_basebackup WHERE phase = 'streaming database files'"


def start_backup(kind: str, url: str, node: Node) -> SlowDump:
    """A pg_dump of the scratch database (holding its snapshot), or a pg_basebackup of the node
    as a tar stream on stdout at 1 MB/s (the file copy alone: WAL is not included, `-X none`);
    both running once this returns."""
    conninfo = single(url, node, SCRATCH_DB)
    if kind == "pg_dump":
        backup = SlowDump([str(PG_BIN_DIR / "pg_dump"), "-d", conninfo, "-Fp"])
        backup.wait_until(conninfo, DUMP_AT_WORK)
    else:
        backup = SlowDump([str(PG_BIN_DIR / "pg_basebackup"), "-d", conninfo, "-D", "-", "-Ft", "-X", "none",
                           "-c", "fast", "--max-rate=1M"], read_chunk=1 << 20)
        backup.wait_until(conninfo, BASEBACKUP_AT_WORK)
    return backup


def run_phase(name: str, url: str, primary: Node, backup_on: tuple[str, Node] | None, clients: int, duration: int,
              workdir: Path) -> Phase:
    on_primary = single(url, primary, SCRATCH_DB)
    dump = start_backup(backup_on[0], url, backup_on[1]) if backup_on is not None else None
    script = SCRIPTS["b_reserve"].format(amount=AMOUNT, day="", day_start="")
    result = run_pgbench(on_primary, f"b_{name}", script, clients, duration, workdir)
    xmin_age = oldest_xmin_age(on_primary)
    outcome = dump.stop() if dump is not None else "-"
    with connect(on_primary, autocommit=True) as conn:
        conn.execute("VACUUM")
    summary = summarise([result])
    phase = Phase(name, summary.tps, summary.p95_ms, xmin_age, outcome)
    print(f"  {name:<10} {phase.tps:9.1f} tps  p95 {phase.p95_ms:7.2f} ms  oldest xmin on the primary "
          f"{phase.oldest_xmin_s:5.0f} s  backup: {outcome}", flush=True)
    return phase


def report(phases: list[Phase], clients: int, duration: int) -> None:
    base = phases[0]
    print(f"\n(b) at {clients} clients, {duration} s per phase")
    print(f"{'phase':<12}{'tps':>10}{'p95 ms':>10}{'tps/quiet':>11}{'p95/quiet':>11}   backup")
    for phase in phases:
        print(f"{phase.name:<12}{phase.tps:>10.1f}{phase.p95_ms:>10.2f}{phase.tps / base.tps:>11.2f}"
              f"{phase.p95_ms / base.p95_ms:>11.2f}   {phase.dump}")


def measure(url: str, clients: int, duration: int) -> None:
    found = {node.role: node for node in node_roles(url)}
    if set(found) != {"primary", "standby"}:
        raise SystemExit(f"need a primary and a standby, got {[f'{n.address} {n.role}' for n in found.values()]}")
    primary, standby = found["primary"], found["standby"]
    print(f"load before: {uptime()}")
    print(f"preparing {SCRATCH_DB} on the primary {primary.address} (standby {standby.address})...", flush=True)
    prepare(url)
    with connect(single(url, standby, "postgres"), autocommit=True) as conn:
        settings = conn.execute("SELECT string_agg(name || '=' || setting, ', ' ORDER BY name) FROM pg_settings "
                                "WHERE name IN ('hot_standby_feedback', 'max_standby_streaming_delay')").fetchone()
    print(f"standby settings: {settings[0] if settings else '?'}")
    phases: list[Phase] = []
    with tempfile.TemporaryDirectory(prefix="moose-bench-") as tmp:
        workdir = Path(tmp)
        print("warming up (not counted)...", flush=True)
        run_phase("warm-up", url, primary, None, clients, min(duration, 15), workdir)
        for name, backup_on in (("quiet", None), ("standby", ("pg_dump", standby)), ("primary", ("pg_dump", primary)),
                                ("basebackup", ("pg_basebackup", primary)), ("quiet again", None)):
            phases.append(run_phase(name, url, primary, backup_on, clients, duration, workdir))
    print(f"load after: {uptime()}")
    report(phases, clients, duration)
    with connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=60, help="seconds per phase (default 60)")
    parser.add_argument("--clients", type=int, default=32, help="pgbench clients (default 32)")
    parser.add_argument("--url", help="multi-host URL of a running Patroni pair (default: start a throwaway one)")
    args = parser.parse_args(argv if argv is not None else [])
    if args.url:
        measure(args.url, args.clients, args.duration)
        return
    if shutil.which("patroni") is None or shutil.which("etcd") is None:
        raise SystemExit("needs the Debian packages patroni and etcd-server (scripts/bootstrap.sh installs them)")
    root = Path(tempfile.mkdtemp(prefix="moose-bench-patroni-", dir="/tmp"))
    root.chmod(0o755)
    env = dict(os.environ, MOOSE_PATRONI_DIR=str(root / "cluster"))
    try:
        up = subprocess.run([str(LOCAL_CLUSTER), "up"], env=env, capture_output=True, text=True, check=False)
        if up.returncode != 0:
            raise SystemExit(f"local-cluster up failed:\n{up.stdout}{up.stderr}")
        url = subprocess.run([str(LOCAL_CLUSTER), "url"], env=env, capture_output=True, text=True,
                             check=True).stdout.strip()
        measure(url, args.clients, args.duration)
    finally:
        subprocess.run([str(LOCAL_CLUSTER), "destroy"], env=env, capture_output=True, check=False)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
