"""Fixtures on a real PostgreSQL server: the one `moose test` started (MOOSE_SERVER_URL), or the
embedded cluster when pytest is run by hand. pytest-postgresql's noproc factory migrates a
template database once per session and gives each test its own fresh copy."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict
from pytest_postgresql import factories

from runner.embedded import EmbeddedCluster
from runner.migrations import migrate


def _server_url() -> str:
    url = os.environ.get("MOOSE_SERVER_URL")
    if url:
        return url
    cluster = EmbeddedCluster()
    if cluster.running:
        return cluster.url()
    raise RuntimeError("no PostgreSQL server: run the tests with `make test`, or start one with `moose db up`")


SERVER_URL = _server_url()
# Every `moose run` a test starts serves no HTTP unless the test says where (MOOSE_LISTEN in its
# environment): the default port is shared by every checkout on the machine.
os.environ.setdefault("MOOSE_LISTEN", "off")
_SERVER = conninfo_to_dict(SERVER_URL)


def url_for(host: str, port: int | str, user: str, dbname: str, password: str | None = None) -> str:
    auth = f"{user}:{password}" if password else user
    return f"postgresql://{auth}@{host}:{port}/{dbname}"


def load_schema(host: str, port: int, user: str, dbname: str, password: str | None = None, **_: object) -> None:
    migrate(url_for(host, port, user, dbname, password), echo=lambda _line: None)


postgresql_noproc = factories.postgresql_noproc(
    host=str(_SERVER.get("host", "127.0.0.1")),
    port=int(_SERVER.get("port", 5432)),
    user=str(_SERVER.get("user", "postgres")),
    password=_SERVER.get("password"),
    # One name per pytest process, so two test runs on one server do not drop each other's.
    dbname=f"moose_pytest_{os.getpid()}",
    load=[load_schema],
)
postgresql = factories.postgresql("postgresql_noproc")


@pytest.fixture
def db_url(postgresql: psycopg.Connection) -> str:
    """URL of this test's own freshly migrated database."""
    info = postgresql.info
    return url_for(info.host, info.port, info.user, info.dbname, info.password or None)


@pytest.fixture
def conn(db_url: str) -> Iterator[psycopg.Connection]:
    """An autocommit connection to this test's database."""
    with psycopg.connect(db_url, autocommit=True) as connection:
        yield connection


@pytest.fixture
def server_url() -> str:
    return SERVER_URL


@pytest.fixture
def state_dir() -> Iterator[Path]:
    """A throw-away state folder for `moose db` run for real (tests/cluster_helpers.py)."""
    from cluster_helpers import state_folder

    with state_folder() as path:
        yield path


@pytest.fixture
def net_conn() -> Iterator[psycopg.Connection]:
    """An autocommit connection to the database pg_net's worker serves (tests/pg_net_helpers.py)."""
    from pg_net_helpers import open_pg_net_database

    yield from open_pg_net_database(SERVER_URL)


# Figures a test measures but does not assert on (the failover time): a test records them with
# `record_property("figure", "...")` and they are printed at the end of the run, from xdist
# workers too (their reports carry user_properties to the controller).
_FIGURES: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call":
        _FIGURES.extend(str(value) for name, value in report.user_properties if name == "figure")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _FIGURES:
        terminalreporter.section("figures measured (not asserted)")
        for line in _FIGURES:
            terminalreporter.write_line(line)
