"""Connections: one place that knows how the runner connects and how URLs are rewritten."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

APPLICATION_NAME = "moose"


def connect(url: str, *, autocommit: bool = False, application_name: str = APPLICATION_NAME
            ) -> psycopg.Connection:
    """Open a connection with the runner's application_name so pg_stat_activity names it."""
    return psycopg.connect(url, autocommit=autocommit, application_name=application_name,
                           connect_timeout=10)


def with_database(url: str, dbname: str) -> str:
    """The same server and credentials, another database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, parts.fragment))


def first_host(url: str) -> str:
    """A multi-host URL (`postgresql://u@h1:p1,h2:p2/db?target_session_attrs=read-write`, libpq
    tries each host in turn) cut to its first host, for tools that parse one host only."""
    parts = urlsplit(url)
    userinfo, _, hosts = parts.netloc.rpartition("@")
    netloc = (userinfo + "@" if userinfo else "") + hosts.split(",")[0]
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/") or "postgres"


def redact(url: str) -> str:
    """The URL with any password replaced, for logs and error messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(":" + parts.password + "@", ":***@")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def copy_database_settings(conn: psycopg.Connection, template: str, dbname: str) -> None:
    """Give `dbname` the database-wide settings of `template` (ALTER DATABASE ... SET, such as
    the default idle_in_transaction_session_timeout a migration sets): CREATE DATABASE ...
    TEMPLATE copies the data but not pg_db_role_setting."""
    rows = conn.execute(
        "SELECT unnest(s.setconfig) FROM pg_catalog.pg_db_role_setting s"
        " JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase WHERE s.setrole = 0 AND d.datname = %s",
        (template,)).fetchall()
    for (setting,) in rows:
        name, _, value = setting.partition("=")
        conn.execute(sql.SQL("ALTER DATABASE {} SET {} TO {}").format(
            sql.Identifier(dbname), sql.Identifier(name), sql.Literal(value)))
