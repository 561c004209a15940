"""A multi-host URL (a Patroni pair, docs/OPERATIONS.md "High availability") without Patroni:
the test's own server plus a port nothing listens on. `moose db status` lists each host with its
role, `moose migrate` runs through such a URL (yoyo reads only its first host) whichever host
comes first, and the URL helpers keep user, password, database and options. The real failover is
tests/test_patroni_failover.py."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from psycopg.conninfo import conninfo_to_dict
from service_helpers import PROJECT_ROOT

from runner.db import first_host
from runner.nodes import hosts


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def moose(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "runner.cli", *args], capture_output=True, text=True,
                          env=dict(os.environ, MOOSE_DATABASE_URL=url), cwd=PROJECT_ROOT, timeout=300, check=False)


def pair(db_url: str, dead: int, *, dead_first: bool) -> str:
    info = conninfo_to_dict(db_url)
    live = f"{info['host']}:{info['port']}"
    listed = f"127.0.0.1:{dead},{live}" if dead_first else f"{live},127.0.0.1:{dead}"
    auth = info["user"] + (f":{info['password']}" if info.get("password") else "")
    return f"postgresql://{auth}@{listed}/{info['dbname']}?target_session_attrs=read-write"


def test_url_helpers_keep_everything_but_the_other_hosts() -> None:
    url = "postgresql://moose:s3cret@10.0.0.1:5433,10.0.0.2:5434/moose?target_session_attrs=read-write"
    assert first_host(url) == "postgresql://moose:s3cret@10.0.0.1:5433/moose?target_session_attrs=read-write"
    assert hosts(url) == [("10.0.0.1", "5433"), ("10.0.0.2", "5434")]
    assert hosts("postgresql://u@a,b:6000/db") == [("a", "5432"), ("b", "6000")]  # libpq: a on the default port


def test_db_status_names_the_primary_and_the_unreachable_host(db_url: str) -> None:
    dead = closed_port()
    info = conninfo_to_dict(db_url)
    result = moose(pair(db_url, dead, dead_first=True), "db", "status")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"127.0.0.1:{dead}: unreachable (")
    assert lines[1] == f"{info['host']}:{info['port']}: primary"
    alone = moose(f"postgresql://postgres@127.0.0.1:{dead}/moose", "db", "status")
    assert alone.returncode == 1 and "unreachable" in alone.stdout


def test_migrate_through_a_multi_host_url(db_url: str) -> None:
    for dead_first in (True, False):
        result = moose(pair(db_url, closed_port(), dead_first=dead_first), "migrate")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "done: 0 migration(s) applied" in result.stdout
