"""The server-side libraries the embedded cluster preloads (pg_cron, pg_net) and their settings.

They live in one file in the data folder, `moose_preload.conf`, which postgresql.conf includes
last; `moose db up` rewrites it when what is installed changes and restarts the cluster then
(shared_preload_libraries is read at server start only). pg_net's worker serves one database
per cluster (`pg_net.database_name`): the main database, `moose`, where `dispatch_alerts()`
of `make run` queues its requests (MOOSE_PG_NET_DATABASE chooses another). `moose test` points
it at the test database for the run (`serving`: ALTER SYSTEM, a reload and a worker restart,
about a second, no server restart) and back afterwards. pg_cron installs only in the database
`cron.database_name` names, the main one: `moose db up` creates the extension there
(`create_pg_cron`) and pg_cron runs its jobs in background workers."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from runner import settings
from runner.db import connect, with_database

PRELOAD_FILE = "moose_preload.conf"
INCLUDE_LINE = f"include_if_exists = '{PRELOAD_FILE}'"
# In the order they are loaded; each is preloaded when its library is installed.
LIBRARIES = ("pg_cron", "pg_net")
# pg_stat_activity.backend_type of pg_net's background worker starts with this.
PG_NET_WORKER = "pg_net"


def installed_libraries(lib_dir: Path) -> list[str]:
    return [name for name in LIBRARIES if (lib_dir / f"{name}.so").exists()]


def pg_net_database() -> str:
    """The database pg_net's worker serves in the embedded cluster: the main one, unless
    MOOSE_PG_NET_DATABASE names another."""
    return os.environ.get("MOOSE_PG_NET_DATABASE") or settings.DEFAULT_DATABASE


def preload_conf(lib_dir: Path) -> str:
    libraries = installed_libraries(lib_dir)
    lines = ["# Written by `moose db up` (runner/preload.py) from what is installed; do not edit.",
             f"shared_preload_libraries = '{','.join(libraries)}'"]
    if "pg_cron" in libraries:
        # Jobs run in background workers, not over a libpq connection that would need a login.
        lines += [f"cron.database_name = '{settings.DEFAULT_DATABASE}'", "cron.use_background_workers = on"]
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


def create_pg_cron(server_url: str) -> bool:
    """CREATE EXTENSION pg_cron in the database cron.database_name names, the only one where it
    installs, when the running server preloads it, so `moose schedule --pg-cron` works on the
    embedded cluster (superuser connection). True when it created it now."""
    with connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        row = conn.execute("SELECT current_setting('cron.database_name', true)").fetchone()
    if row is None or not row[0]:
        return False
    with connect(with_database(server_url, str(row[0])), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_cron'").fetchone():
            return False
        conn.execute("CREATE EXTENSION pg_cron")
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


def _setting_in_new_sessions(server_url: str) -> str | None:
    with connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        row = conn.execute("SELECT current_setting('pg_net.database_name', true)").fetchone()
    return row[0] if row else None


def point_worker(server_url: str, dbname: str | None, timeout: float = 30.0) -> None:
    """Make pg_net's worker serve `dbname` (None: what the configuration files say) without a
    server restart: pg_net.database_name is read when the worker starts, so set it (ALTER SYSTEM),
    reload, wait until new sessions see it, then end the worker; the postmaster starts it again
    within a second, connected to the new database (superuser connection)."""
    with connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        if dbname is None:
            conn.execute("ALTER SYSTEM RESET pg_net.database_name")
        else:
            conn.execute(sql.SQL("ALTER SYSTEM SET pg_net.database_name = {}").format(sql.Literal(dbname)))
        conn.execute("SELECT pg_reload_conf()")
        wanted = dbname
        if wanted is None:
            row = conn.execute("SELECT setting FROM pg_file_settings WHERE name = 'pg_net.database_name' "
                               "AND applied ORDER BY seqno DESC LIMIT 1").fetchone()
            wanted = row[0] if row else None
        deadline = time.monotonic() + timeout
        while wanted is not None and _setting_in_new_sessions(server_url) != wanted:
            if time.monotonic() > deadline:
                raise TimeoutError("the server did not reload pg_net.database_name in time")
            time.sleep(0.05)
        conn.execute("SELECT pg_terminate_backend(a.pid) FROM pg_stat_activity AS a WHERE a.backend_type LIKE %s",
                     (PG_NET_WORKER + "%",))


def reset_test_override(server_url: str) -> str | None:
    """The database an interrupted `moose test` left pg_net's worker serving (its ALTER SYSTEM in
    postgresql.auto.conf, which `serving` undoes when the run ends normally), put back to what
    the configuration files say; None when nothing was left (superuser connection)."""
    with connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        row = conn.execute("SELECT setting FROM pg_file_settings WHERE name = 'pg_net.database_name' "
                           "AND sourcefile LIKE '%%postgresql.auto.conf' AND applied").fetchone()
    if row is None:
        return None
    point_worker(server_url, None)
    return str(row[0])


@contextmanager
def serving(server_url: str, dbname: str) -> Iterator[bool]:
    """pg_net's worker serves `dbname` inside the block and what the configuration says after it
    (`moose test` on the embedded cluster). Yields False, changing nothing, when pg_net is not
    preloaded or already serves `dbname`."""
    with connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        status = server_status(conn)
    if status.database is None or status.database == dbname:
        yield False
        return
    point_worker(server_url, dbname)
    try:
        yield True
    finally:
        point_worker(server_url, None)
