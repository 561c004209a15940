"""Every benchmark answers --help without running: it prints its options and exits 0 before
touching a database (MOOSE_DATABASE_URL points at a port nothing listens on, so a benchmark that
started would fail)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("module", ["bench", "bench.budget", "bench.growth", "bench.health", "bench.retention"])
def test_help_exits_without_running(module: str) -> None:
    env = {**os.environ, "MOOSE_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none"}
    done = subprocess.run([sys.executable, "-m", module, "--help"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "usage" in done.stdout.lower() or "benchmarks:" in done.stdout
    assert "Traceback" not in done.stderr
