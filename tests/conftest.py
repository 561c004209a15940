"""Fixtures on a real PostgreSQL server: the one `moose test` started (MOOSE_SERVER_URL), or the
embedded cluster when pytest is run by hand. Each test gets its own fresh copy of a migrated
template database: the one `moose test` migrated once for the run (MOOSE_TEST_TEMPLATE), or,
run by hand, one pytest-postgresql's noproc factory migrates once per pytest process."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from database_copies import DatabaseCopies
from psycopg.conninfo import conninfo_to_dict
from pytest_postgresql import factories
from pytest_postgresql.executors import NoopExecutor

from runner import settings
from runner.embedded import EmbeddedCluster
from runner.embedded_pristine import initdb_template_env
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
# The throw-away clusters (cluster_helpers.py, faketime_cluster.py) copy one pristine initdb
# (runner/embedded_pristine.py); `moose test` makes it before pytest starts.
os.environ.update(initdb_template_env(settings.state_dir()))
_SERVER = conninfo_to_dict(SERVER_URL)


def url_for(host: str, port: int | str, user: str, dbname: str, password: str | None = None) -> str:
    auth = f"{user}:{password}" if password else user
    return f"postgresql://{auth}@{host}:{port}/{dbname}"


def load_schema(host: str, port: int, user: str, dbname: str, password: str | None = None, **_: object) -> None:
    migrate(url_for(host, port, user, dbname, password), echo=lambda _line: None)


_CONNECTION = {"host": str(_SERVER.get("host", "127.0.0.1")), "port": int(_SERVER.get("port", 5432)),
               "user": str(_SERVER.get("user", "postgres")), "password": _SERVER.get("password"),
               # One name per pytest process, so two test runs on one server do not drop each other's.
               "dbname": f"moose_pytest_{os.getpid()}"}
# Run by hand: this process migrates its own template.
migrated_here = factories.postgresql_noproc(**_CONNECTION, load=[load_schema])


class _SharedTemplate(NoopExecutor):
    """The server, with the template `moose test` migrated once for every worker (MOOSE_TEST_TEMPLATE)."""

    def __init__(self, template: str, **connection: object) -> None:
        super().__init__(options="", **connection)  # type: ignore[arg-type]
        self._template = template

    @property
    def template_dbname(self) -> str:
        return self._template


@pytest.fixture(scope="session")
def postgresql_noproc(request: pytest.FixtureRequest) -> NoopExecutor:
    """Where each test's database is copied from: MOOSE_TEST_TEMPLATE, else a template migrated here."""
    template = os.environ.get("MOOSE_TEST_TEMPLATE")
    if template:
        return _SharedTemplate(template, **_CONNECTION)
    return request.getfixturevalue("migrated_here")


@pytest.fixture(scope="session")
def database_copies(postgresql_noproc: NoopExecutor) -> Iterator[DatabaseCopies]:
    server = postgresql_noproc
    copies = DatabaseCopies(url_for(server.host, server.port, server.user, "postgres", server.password),
                            server.template_dbname, server.dbname)
    yield copies
    copies.drop_all()


@pytest.fixture
def db_url(database_copies: DatabaseCopies) -> Iterator[str]:
    """URL of this test's own freshly migrated database (tests/database_copies.py)."""
    name = database_copies.create()
    yield url_for(_CONNECTION["host"], _CONNECTION["port"], _CONNECTION["user"], name, _CONNECTION["password"])
    database_copies.done_with(name)


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


# Modules whose tests wait for a clock or start a cluster (pg_cron's minute boundary, the Patroni
# pair, the simulated day, throw-away clusters, a runner's reconnect backoff): collected first, so
# xdist's workers start them first and their waits overlap the many short tests instead of
# trailing after them. The order changes no test's meaning; every worker collects the same order.
LONG_FIRST = ("test_pg_cron", "test_patroni_failover", "test_simulated_day", "test_alert_cli", "test_reconnect",
              "test_cli_db", "test_cli_errors", "test_role_timeouts", "test_multi_host_url", "test_migrate_live",
              "test_db_restart", "test_cli_db_preload", "test_prometheus")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        module = item.module.__name__ if item.module else ""
        return LONG_FIRST.index(module) if module in LONG_FIRST else len(LONG_FIRST)

    items.sort(key=rank)  # stable: within a rank, the usual order
