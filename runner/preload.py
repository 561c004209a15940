"""The server-side libraries the embedded cluster preloads (pg_cron, pg_net) and their settings.

They live in one file in the data folder, `moose_preload.conf`, which postgresql.conf includes
last; `moose db up` rewrites it when what is installed changes and restarts the cluster then
(shared_preload_libraries is read at server start only). pg_net's worker serves one database
per cluster (`pg_net.database_name`): here the test database, where the tests of the pg_net
alert path run (MOOSE_PG_NET_DATABASE chooses another)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from runner import settings

PRELOAD_FILE = "moose_preload.conf"
INCLUDE_LINE = f"include_if_exists = '{PRELOAD_FILE}'"
# In the order they are loaded; each is preloaded when its library is installed.
LIBRARIES = ("pg_cron", "pg_net")
# pg_stat_activity.backend_type of pg_net's background worker starts with this.
PG_NET_WORKER = "pg_net"


def installed_libraries(lib_dir: Path) -> list[str]:
    return [name for name in LIBRARIES if (lib_dir / f"{name}.so").exists()]


def pg_net_database() -> str:
    """The database pg_net's worker serves in the embedded cluster: the one `moose test` tests in."""
    return (os.environ.get("MOOSE_PG_NET_DATABASE") or os.environ.get("MOOSE_TEST_DATABASE")
            or settings.DEFAULT_TEST_DATABASE)


def preload_conf(lib_dir: Path) -> str:
    libraries = installed_libraries(lib_dir)
    lines = ["# Written by `moose db up` (runner/preload.py) from what is installed; do not edit.",
             f"shared_preload_libraries = '{','.join(libraries)}'"]
    if "pg_cron" in libraries:
        lines.append(f"cron.database_name = '{settings.DEFAULT_DATABASE}'")
    if "pg_net" in libraries:
        lines.append(f"pg_net.database_name = '{pg_net_database()}'")
    return "\n".join(lines) + "\n"


def write_preload_conf(data_dir: Path, lib_dir: Path, owner: tuple[int, int] | None) -> bool:
    """Make the data folder's preload file say what is installed and postgresql.conf include it.
    Returns True when the file changed (the server must restart to apply it)."""
    conf = data_dir / "postgresql.conf"
    if INCLUDE_LINE not in conf.read_text().splitlines():
        with conf.open("a") as handle:
            handle.write(f"{INCLUDE_LINE}\n")
    target = data_dir / PRELOAD_FILE
    wanted = preload_conf(lib_dir)
    if target.exists() and target.read_text() == wanted:
        return False
    target.write_text(wanted)
    if owner is not None:
        os.chown(target, *owner)
    return True


@dataclass(frozen=True)
class PgNetStatus:
    preloaded: list[str]
    database: str | None  # pg_net.database_name, None when pg_net is not preloaded
    worker_database: str | None  # where pg_net's worker is connected now, None when it is not


def server_status(conn: psycopg.Connection) -> PgNetStatus:
    """What the running server preloads and where pg_net's worker is (superuser connection)."""
    row = conn.execute(
        "SELECT current_setting('shared_preload_libraries'), current_setting('pg_net.database_name', true), "
        "(SELECT a.datname FROM pg_stat_activity AS a WHERE a.backend_type LIKE %s LIMIT 1)",
        (PG_NET_WORKER + "%",)).fetchone()
    assert row is not None
    preloaded = [name.strip().strip('"') for name in str(row[0]).split(",") if name.strip()]
    return PgNetStatus(preloaded, row[1] if "pg_net" in preloaded else None, row[2])


def serves_this_database(conn: psycopg.Connection) -> bool:
    """pg_net is created in the connected database and its worker is meant to serve it."""
    row = conn.execute("SELECT current_setting('pg_net.database_name', true) = current_database() "
                       "AND EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_net')").fetchone()
    return bool(row and row[0])


def wait_for_pg_net_worker(conn: psycopg.Connection, timeout: float = 60.0) -> None:
    """Wait until pg_net's worker is connected to this database. After the database is dropped
    (DROP ... WITH (FORCE) ends the worker too) and created again, or after a server restart, the
    postmaster starts it again every second until it can connect."""
    deadline = time.monotonic() + timeout
    query = ("SELECT EXISTS (SELECT 1 FROM pg_stat_activity AS a WHERE a.backend_type LIKE %s "
             "AND a.datid = (SELECT d.oid FROM pg_database AS d WHERE d.datname = current_database()))")
    while conn.execute(query, (PG_NET_WORKER + "%",)).fetchone() != (True,):
        if time.monotonic() > deadline:
            raise TimeoutError(f"pg_net's worker did not connect to this database within {timeout:.0f} s "
                               "(see the server log)")
        time.sleep(0.1)
