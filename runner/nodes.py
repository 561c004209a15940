"""The servers a database URL names and which of them is the primary. A multi-host URL
(`postgresql://u@h1:p1,h2:p2/moose?target_session_attrs=read-write`, a Patroni pair) lets libpq
connect to whichever host takes writes now, so the runner follows a failover by reconnecting;
`moose db status` asks each host for its role (pg_is_in_recovery())."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from runner.db import APPLICATION_NAME


@dataclass(frozen=True)
class Node:
    host: str
    port: str
    role: str  # primary, standby or unreachable
    detail: str  # the error when unreachable, else ""

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def hosts(url: str) -> list[tuple[str, str]]:
    """(host, port) of every server in the URL, in the order libpq tries them."""
    info = conninfo_to_dict(url)
    names = str(info.get("host") or "localhost").split(",")
    ports = str(info.get("port") or "5432").split(",")
    if len(ports) == 1:
        ports = ports * len(names)
    return [(name, port or "5432") for name, port in zip(names, ports, strict=True)]


def node_roles(url: str, timeout: int = 3) -> list[Node]:
    """Each server of the URL with its role now: one connection to each, any role accepted."""
    nodes = []
    for host, port in hosts(url):
        one = make_conninfo(url, host=host, port=port, target_session_attrs="any", connect_timeout=timeout,
                            application_name=APPLICATION_NAME)
        try:
            with psycopg.connect(one, autocommit=True) as conn:
                row = conn.execute("SELECT pg_catalog.pg_is_in_recovery()").fetchone()
        except psycopg.Error as error:
            nodes.append(Node(host, port, "unreachable", str(error).strip().splitlines()[0] if str(error) else ""))
            continue
        nodes.append(Node(host, port, "standby" if row and row[0] else "primary", ""))
    return nodes
