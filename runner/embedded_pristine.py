"""One initdb for many throw-away clusters: a data folder as initdb leaves it, never started,
which `EmbeddedCluster` copies (`cp -a`) instead of running initdb when MOOSE_INITDB_TEMPLATE
names it. `moose test` makes it once and hands it to the tests' clusters."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from runner.embedded import INITDB_OPTIONS, PG_BIN_DIR, ClusterError, EmbeddedCluster


def pristine_data_dir(folder: Path) -> Path:
    """The pristine data folder for this initdb (named after its version and arguments) under
    `folder`'s cluster root, made there when absent; two makers at once both succeed."""
    version = subprocess.run([str(PG_BIN_DIR / "initdb"), "--version"], capture_output=True, text=True,
                             check=True).stdout
    key = hashlib.sha1(" ".join([version, *INITDB_OPTIONS]).encode()).hexdigest()[:12]
    home = EmbeddedCluster(folder)
    target = home.root / f"pristine-{key}"
    if (target / "PG_VERSION").is_file():
        return target
    home._prepare_folders()
    staging = home.root / f".pristine-{key}-{os.getpid()}"
    home._run([str(PG_BIN_DIR / "initdb"), *INITDB_OPTIONS, "-D", str(staging)])
    try:
        staging.rename(target)
    except OSError:
        if not (target / "PG_VERSION").is_file():
            raise
    finally:
        if staging.exists():
            home._run(["rm", "-rf", str(staging)], check=False)
            shutil.rmtree(staging, ignore_errors=True)
    return target


def initdb_template_env(folder: Path) -> dict[str, str]:
    """MOOSE_INITDB_TEMPLATE for the tests (kept when already set); empty when no pristine
    folder can be made here (no PostgreSQL binaries), and then each cluster runs initdb."""
    if os.environ.get("MOOSE_INITDB_TEMPLATE"):
        return {"MOOSE_INITDB_TEMPLATE": os.environ["MOOSE_INITDB_TEMPLATE"]}
    try:
        return {"MOOSE_INITDB_TEMPLATE": str(pristine_data_dir(folder))}
    except (OSError, subprocess.CalledProcessError, ClusterError):
        return {}
