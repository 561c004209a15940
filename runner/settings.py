"""Where things are: the project root, the state folder and the database the runner talks to."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DB_DIR = PROJECT_ROOT / "db"
MIGRATIONS_DIR = DB_DIR / "migrations"
# Behaviour files live in db/<kind>/<domain>/; migrate applies every domain's functions, then
# every domain's views, then every domain's triggers.
BEHAVIOUR_ROOT = DB_DIR
BEHAVIOUR_KINDS = ("functions", "views", "triggers")
TESTS_DIR = DB_DIR / "tests"

DEFAULT_DATABASE = "moose"
DEFAULT_TEST_DATABASE = "moose_test"


def state_dir() -> Path:
    """The git-ignored folder holding the embedded cluster (MOOSE_STATE_DIR overrides)."""
    override = os.environ.get("MOOSE_STATE_DIR")
    return Path(override).resolve() if override else PROJECT_ROOT / ".moose"


def external_database_url() -> str | None:
    """The URL of a server the operator chose instead of the embedded cluster, if any."""
    return os.environ.get("MOOSE_DATABASE_URL") or None
