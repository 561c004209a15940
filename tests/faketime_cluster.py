"""A PostgreSQL cluster whose clock the test sets (libfaketime), for the calendar tests: initdb on
the real clock, then the server started with libfaketime preloaded and frozen at the instant
written in a file the test replaces (FAKETIME_TIMESTAMP_FILE, re-read on every clock read with
FAKETIME_NO_CACHE=1). Timeouts keep the real monotonic clock (FAKETIME_DONT_FAKE_MONOTONIC=1).
A frozen clock breaks anything that waits for wall time to pass (pg_sleep, statement_timeout
tests): run only calendar tests here."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from runner.embedded import EmbeddedCluster
from runner.migrations import migrate

LIBFAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")
TEMPLATE = "moose_calendar_template"


class FakedClockCluster:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.clock_file = root / "clock"
        self.cluster = EmbeddedCluster(root / "state")

    def set_clock(self, instant: datetime) -> None:
        """Freeze the server's clock at this (aware) instant for every backend, from its next clock read."""
        staged = self.clock_file.with_suffix(".new")
        staged.write_text(instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") + "\n")
        staged.chmod(0o644)
        os.replace(staged, self.clock_file)

    def start(self) -> None:
        self.set_clock(datetime(2028, 1, 1, tzinfo=UTC))
        cluster = self.cluster
        cluster._prepare_folders()  # the embedded cluster's own set-up, reused
        cluster._initdb()
        env = {**os.environ, "LD_PRELOAD": str(LIBFAKETIME), "FAKETIME_TIMESTAMP_FILE": str(self.clock_file),
               "FAKETIME_NO_CACHE": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1", "TZ": "UTC"}
        cluster.start_server(env, "-c autovacuum=off")
        with psycopg.connect(cluster.url("postgres"), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {TEMPLATE}")
        migrate(cluster.url(TEMPLATE), echo=lambda _line: None)

    def stop(self) -> None:
        self.cluster.down()
        shutil.rmtree(self.root, ignore_errors=True)

    def fresh_database(self, name: str) -> str:
        """A copy of the migrated template; returns its URL."""
        with psycopg.connect(self.cluster.url("postgres"), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return self.cluster.url(name)


@contextmanager
def faked_clock_cluster() -> Iterator[FakedClockCluster]:
    root = Path(tempfile.mkdtemp(prefix="moose-faketime-", dir="/tmp"))
    root.chmod(0o755)
    faked = FakedClockCluster(root)
    try:
        faked.start()
        yield faked
    finally:
        faked.stop()
