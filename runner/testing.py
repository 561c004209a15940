"""`moose test`: a fresh test database, migrated; pg_prove over db/tests; squawk over
db/migrations; pytest; ruff. Every step runs even when an earlier one fails, so one run shows
every failure."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from psycopg import errors, sql
from psycopg.conninfo import conninfo_to_dict

from runner import litellm_vendor, preload, settings
from runner.db import connect, copy_database_settings, database_name, with_database
from runner.embedded_pristine import initdb_template_env
from runner.migrations import migrate

TEST_EXTENSIONS = ("pgtap", "plpgsql_check")
TEST_HELPERS = settings.TESTS_DIR / "helpers" / "test_helpers.sql"
# The migration linter's rules for a live database (docs/CONVENTIONS.md says why each is on or off).
SQUAWK_CONFIG = settings.PROJECT_ROOT / ".squawk.toml"


def recreate_database(server_url: str, dbname: str, timeout: float = 60.0, template: str | None = None) -> str:
    """Drop and create the test database (a copy of `template` when given). WITH (FORCE) ends
    every session in it, pg_net's worker included; that worker finishes the HTTP requests it is
    sending first, so a drop it outlasts ("being accessed by other users") is tried again until
    the deadline."""
    deadline = time.monotonic() + timeout
    with connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        while True:
            try:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))
                break
            except errors.ObjectInUse:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname))
        if template:
            create += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        conn.execute(create)
        if template:
            copy_database_settings(conn, template, dbname)
    return with_database(server_url, dbname)


def template_name(dbname: str) -> str:
    """The run's migrated template: the test database and each pytest test's database copy it."""
    return f"{dbname}_template"


def prepare_test_database(server_url: str, dbname: str, echo: Callable[[str], None]) -> str:
    """Migrate the run's template once, then the test database as a copy with pgTAP's extensions."""
    template = template_name(dbname)
    echo(f"template database {template}: migrating")
    migrate(recreate_database(server_url, template), echo=echo)
    url = recreate_database(server_url, dbname, template=template)
    echo(f"test database {dbname}: a copy of {template}")
    with connect(url, autocommit=True) as conn:
        for extension in TEST_EXTENSIONS:
            conn.execute(sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(extension)))
        conn.execute(TEST_HELPERS.read_bytes())  # bytes: run as a script
        if preload.serves_this_database(conn):
            echo(f"test database {dbname}: waiting for pg_net's worker")
            preload.wait_for_pg_net_worker(conn)
    return url


def _libpq_env(url: str) -> dict[str, str]:
    info = conninfo_to_dict(url)
    env = dict(os.environ)
    for key, var in (("host", "PGHOST"), ("port", "PGPORT"), ("user", "PGUSER"),
                     ("password", "PGPASSWORD"), ("dbname", "PGDATABASE")):
        if info.get(key):
            env[var] = str(info[key])
    return env


def run_pg_prove(url: str, paths: list[Path]) -> int:
    if shutil.which("pg_prove") is None:
        print("pg_prove not found: install libtap-parser-sourcehandler-pgtap-perl (make test does)")
        return 1
    files = [str(p) for p in paths] or sorted(str(p) for p in settings.TESTS_DIR.glob("*.sql"))
    if not files:
        print("no pgTAP files under db/tests")
        return 1
    return subprocess.run(["pg_prove", "--failures", "--timer", *files], env=_libpq_env(url),
                          cwd=settings.PROJECT_ROOT, check=False).returncode


def pytest_workers() -> int:
    """xdist workers for the whole suite: most tests wait on servers, subprocesses and the
    network rather than on a core, so twice the cores this process may use (its CPU affinity,
    which a container or taskset narrows, not the machine's count) keeps them busy
    (MOOSE_TEST_WORKERS overrides; 1 runs in one process)."""
    override = os.environ.get("MOOSE_TEST_WORKERS")
    return int(override) if override else 2 * max(len(os.sched_getaffinity(0)), 1)


def run_pytest(server_url: str, test_url: str, args: list[str], template: str | None = None) -> int:
    """With arguments: pytest with exactly those. Without: the whole suite, first every test
    not marked `serial` over xdist workers (a module's tests that share a server-wide resource
    carry one `xdist_group` and stay on one worker), then the `serial` tests alone, because
    they restart the cluster the others use."""
    env = dict(os.environ, MOOSE_SERVER_URL=server_url, MOOSE_TEST_DATABASE_URL=test_url)
    env.update(initdb_template_env(settings.state_dir()))  # the throw-away clusters copy one initdb
    if template:
        env["MOOSE_TEST_TEMPLATE"] = template  # conftest.py copies it for each test's database

    def pytest(*pytest_args: str) -> int:
        return subprocess.run([sys.executable, "-m", "pytest", *pytest_args], env=env,
                              cwd=settings.PROJECT_ROOT, check=False).returncode

    if args:
        return pytest(*args)
    workers = pytest_workers()
    parallel = ["-n", str(workers), "--dist", "loadgroup"] if workers > 1 else []
    codes = [pytest(*parallel, "-m", "not serial"), pytest("-m", "serial")]
    return next((code for code in codes if code != 0), 0)


def fetch_test_inputs(echo: Callable[[str], None]) -> None:
    """LiteLLM's price file, fetched once before pytest's workers start (runner/litellm_vendor.py);
    when it cannot be had, the tests that read it fail saying why."""
    try:
        litellm_vendor.price_file(echo)
    except litellm_vendor.VendorError as error:
        echo(f"LiteLLM's price file: {error}")


def run_squawk(folder: Path | None = None) -> int:
    """squawk (squawk-cli, a dev dependency) over every migration of `folder` (db/migrations)
    with .squawk.toml; a migration that breaks a rule after review carries a `squawk-ignore`
    comment with its reason."""
    beside = Path(sys.executable).with_name("squawk")
    squawk = str(beside) if beside.exists() else shutil.which("squawk")
    if squawk is None:
        print("squawk not found: it is a dev dependency (squawk-cli) that `uv sync` installs (make test does)")
        return 1
    files = sorted(str(path) for path in (folder or settings.MIGRATIONS_DIR).glob("*.sql"))
    return subprocess.run([squawk, "--config", str(SQUAWK_CONFIG), *files], cwd=settings.PROJECT_ROOT,
                          check=False).returncode


def run_ruff() -> int:
    return subprocess.run([sys.executable, "-m", "ruff", "check", "runner", "tests", "bench"],
                          cwd=settings.PROJECT_ROOT, check=False).returncode


def run_all(server_url: str, *, sql_only: bool, python_only: bool, pytest_args: list[str],
            echo: Callable[[str], None] = print, embedded: bool = False) -> int:
    """Every step; on the embedded cluster pg_net's worker serves the test database meanwhile
    (the pg_net tests need it) and the main database again afterwards."""
    if sql_only and python_only:
        echo("--sql-only and --python-only exclude each other: give one, or neither to run everything")
        return 2
    dbname = os.environ.get("MOOSE_TEST_DATABASE", settings.DEFAULT_TEST_DATABASE)
    with preload.serving(server_url, dbname) if embedded else contextlib.nullcontext(False) as moved:
        if moved:
            echo(f"pg_net's worker serves {dbname} for the test run")
        return _run_steps(server_url, dbname, sql_only=sql_only, python_only=python_only,
                          pytest_args=pytest_args, echo=echo)


def _run_steps(server_url: str, dbname: str, *, sql_only: bool, python_only: bool, pytest_args: list[str],
               echo: Callable[[str], None]) -> int:
    test_url = prepare_test_database(server_url, dbname, echo)
    results: dict[str, int] = {}
    if not python_only:
        echo(f"== pg_prove on {database_name(test_url)}")
        results["pg_prove"] = run_pg_prove(test_url, [])
        echo("== squawk on db/migrations")
        results["squawk"] = run_squawk()
    if not sql_only:
        fetch_test_inputs(echo)
        echo("== pytest")
        results["pytest"] = run_pytest(server_url, test_url, pytest_args, template_name(dbname))
        echo("== ruff")
        results["ruff"] = run_ruff()
    failed = [name for name, code in results.items() if code != 0]
    echo("== summary: " + ", ".join(f"{name} {'FAILED' if code else 'ok'}" for name, code in results.items()))
    return 1 if failed else 0
