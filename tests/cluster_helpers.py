"""`moose` run as an operator runs it, in throw-away state folders: the embedded cluster's life
cycle tested for real, never on the worktree's own cluster (which the tests are using)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from runner import settings
from runner.embedded import ClusterError, EmbeddedCluster


def moose(*args: str, state_dir: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `moose` as an operator would: a new process, its own environment."""
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("MOOSE_DATABASE_URL", "MOOSE_PG_PORT", "MOOSE_STATE_DIR")}
    if state_dir is not None:
        environment["MOOSE_STATE_DIR"] = str(state_dir)
    environment.update(env)
    return subprocess.run([sys.executable, "-m", "runner.cli", *args], capture_output=True, text=True,
                          env=environment, cwd=settings.PROJECT_ROOT, timeout=180, check=False)


def new_state_dir() -> Path:
    """A folder the `postgres` user can enter (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="moose-cli-test-", dir="/tmp"))
    path.chmod(0o755)
    return path / "state"


@contextmanager
def state_folder() -> Iterator[Path]:
    """A throw-away state folder; afterwards the cluster started in it, if any, is stopped and the
    folder removed."""
    path = new_state_dir()
    try:
        yield path
    finally:
        # In-process: what `moose db down` does, without a `moose` start-up per test.
        cluster = EmbeddedCluster(path)
        with contextlib.suppress(ClusterError):
            cluster.down()
        shutil.rmtree(path.parent, ignore_errors=True)
