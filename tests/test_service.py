"""`moose run` as an operator runs it: a real process against a real database, logging the
health line and stopping cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psycopg


def test_health_heartbeat_counts_what_the_database_holds(conn: psycopg.Connection) -> None:
    conn.execute(
        "INSERT INTO work_orders (title, status) VALUES ('a', 'pending'), ('b', 'pending'), ('c', 'in_progress')"
    )
    conn.execute("INSERT INTO cost_tracking (service_name, cost) VALUES ('openai', 1.25), ('anthropic', 2.50)")
    summary = conn.execute("SELECT health_heartbeat()").fetchone()[0]
    assert summary["work_orders"] == {"in_progress": 1, "pending": 2}
    assert summary["open_escalations"] == 0
    assert summary["spend_today"] == 3.75
    assert summary["daily_limit"] == 100


def test_run_logs_health_lines_and_stops_on_sigterm(db_url: str, conn: psycopg.Connection) -> None:
    conn.execute("INSERT INTO work_orders (title) VALUES ('waiting')")
    env = dict(os.environ, MOOSE_DATABASE_URL=db_url)
    proc = subprocess.Popen([sys.executable, "-m", "runner.cli", "run", "--interval", "0.2"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines: list[str] = []
    try:
        # Read until two health lines (the first loop also runs every due job, which on a busy
        # machine may take longer than a couple of intervals), then stop it.
        deadline = time.monotonic() + 120
        assert proc.stdout is not None
        while sum("health:" in line for line in lines) < 2 and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    output = "".join(lines) + rest
    assert proc.returncode == 0, output
    health_lines = [line for line in output.splitlines() if "health:" in line]
    assert len(health_lines) >= 2, output
    assert "pending=1" in health_lines[0]
    assert "spend_today=0/100" in health_lines[0]
    assert "received SIGTERM, stopping" in output
    assert output.rstrip().endswith("moose run: stopped")
