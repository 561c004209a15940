"""`moose migrate` against real databases: idempotence, the schema-vs-behaviour drift test, the
dry run, failing files reported by file and line with nothing kept, concurrent runners."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from psycopg import sql

from runner import settings
from runner.cli import main
from runner.db import with_database
from runner.migrations import MigrationError, migrate

PG_DUMP = "/usr/lib/postgresql/15/bin/pg_dump"


def schema_dump(url: str) -> str:
    """The catalog as pg_dump sees it (a fixed restrict key, so two dumps compare)."""
    result = subprocess.run([PG_DUMP, "--schema-only", "--restrict-key=moosedrift", "-d", url],
                            capture_output=True, text=True, check=True)
    return result.stdout


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("MOOSE_DATABASE_URL", None)
    return env


def quiet(_line: str) -> None:
    pass


@pytest.fixture
def empty_database(server_url: str) -> Iterator[Callable[[], str]]:
    """Factory of empty databases on the test server, dropped afterwards."""
    created: list[str] = []

    def make() -> str:
        name = f"moose_migrate_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(with_database(server_url, "postgres"), autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        created.append(name)
        return with_database(server_url, name)

    yield make
    with psycopg.connect(with_database(server_url, "postgres"), autocommit=True) as admin:
        for name in created:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def user_relations(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') ORDER BY 1").fetchall()
    return [row[0] for row in rows]


def all_migration_ids() -> list[str]:
    return sorted(path.stem for path in settings.MIGRATIONS_DIR.glob("*.sql") if ".rollback" not in path.name)


# -- idempotence and drift -----------------------------------------------------------------

def test_migrate_twice_applies_nothing_and_changes_no_catalog(db_url: str, conn: psycopg.Connection) -> None:
    before = schema_dump(db_url)
    config_before = conn.execute("SELECT key, value FROM system_config ORDER BY key").fetchall()
    audit_before = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    yoyo_before = conn.execute("SELECT count(*) FROM _yoyo_migration").fetchone()[0]

    assert migrate(db_url, echo=quiet) == []

    assert schema_dump(db_url) == before
    assert conn.execute("SELECT key, value FROM system_config ORDER BY key").fetchall() == config_before
    assert conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == audit_before
    assert conn.execute("SELECT count(*) FROM _yoyo_migration").fetchone()[0] == yoyo_before == len(all_migration_ids())


def test_cli_migrate_second_run_reports_zero(db_url: str) -> None:
    result = subprocess.run([sys.executable, "-m", "runner.cli", "--database-url", db_url, "migrate"],
                            capture_output=True, text=True, env=cli_env(), cwd=settings.PROJECT_ROOT, check=False)
    assert result.returncode == 0, result.stderr
    assert "done: 0 migration(s) applied" in result.stdout
    assert "re-applied" in result.stdout


def test_fresh_migrate_and_reapplied_behaviour_give_the_same_catalog(empty_database: Callable[[], str]) -> None:
    fresh, reapplied = empty_database(), empty_database()
    # Every migration once; yoyo orders them by their `depends:` lines, which is not the number
    # order when a domain's migration depends on a newer one of another domain.
    assert sorted(migrate(fresh, echo=quiet)) == all_migration_ids()
    assert sorted(migrate(reapplied, echo=quiet)) == all_migration_ids()
    # Re-apply every behaviour file twice more: CREATE OR REPLACE must converge on one catalog.
    assert migrate(reapplied, echo=quiet) == []
    assert migrate(reapplied, echo=quiet) == []
    fresh_dump, reapplied_dump = schema_dump(fresh), schema_dump(reapplied)
    assert "CREATE FUNCTION public.create_escalation" in fresh_dump
    assert "CREATE TRIGGER escalations_apply_policy" in fresh_dump
    assert fresh_dump == reapplied_dump


# -- dry run -------------------------------------------------------------------------------

def test_dry_run_on_a_fresh_database_lists_everything_and_creates_nothing(empty_database: Callable[[], str]) -> None:
    url = empty_database()
    result = subprocess.run([sys.executable, "-m", "runner.cli", "--database-url", url, "migrate", "--dry-run"],
                            capture_output=True, text=True, env=cli_env(), cwd=settings.PROJECT_ROOT, check=False)
    assert result.returncode == 0, result.stderr
    ids = all_migration_ids()
    assert f"pending migrations: {len(ids)}" in result.stdout
    for migration_id in ids:
        assert f"  {migration_id}\n" in result.stdout
    assert "  db/functions/escalations/create_escalation.sql" in result.stdout
    assert "  db/triggers/escalations/escalations_apply_policy.sql" in result.stdout
    # Not even yoyo's bookkeeping tables.
    assert user_relations(url) == []


def test_dry_run_on_a_migrated_database_lists_no_migration_and_changes_nothing(db_url: str) -> None:
    before = schema_dump(db_url)
    result = subprocess.run([sys.executable, "-m", "runner.cli", "--database-url", db_url, "migrate", "--dry-run"],
                            capture_output=True, text=True, env=cli_env(), cwd=settings.PROJECT_ROOT, check=False)
    assert result.returncode == 0, result.stderr
    assert "pending migrations: 0" in result.stdout
    files = sum(len(list((settings.DB_DIR / kind).glob("*/*.sql"))) for kind in settings.BEHAVIOUR_KINDS)
    assert f"behaviour files to re-apply: {files}" in result.stdout
    assert schema_dump(db_url) == before


# -- failing files ---------------------------------------------------------------------------

BROKEN_SYNTAX = """-- A function whose body does not parse.
CREATE OR REPLACE FUNCTION public.zz_fine() RETURNS integer
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$ SELECT 1 $$;

CREATE OR REPLACE FUNCTION public.zz_broken()
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN 1
    SELEC 2;
END
$$;
"""

# An error PostgreSQL reports without a position: only the statement locates it.
BROKEN_NO_POSITION = """-- A trigger on a table that does not exist.
CREATE OR REPLACE FUNCTION public.zz_fine() RETURNS integer
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$ SELECT 1 $$;

CREATE OR REPLACE TRIGGER zz_broken
    BEFORE UPDATE ON public.no_such_table
    FOR EACH ROW EXECUTE FUNCTION private.touch_updated_at();
"""


@pytest.fixture
def behaviour_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of every domain's functions, views and triggers that `migrate` reads instead."""
    for kind in settings.BEHAVIOUR_KINDS:
        shutil.copytree(settings.DB_DIR / kind, tmp_path / kind)
        (tmp_path / kind / "zz_test").mkdir()
    monkeypatch.setattr(settings, "BEHAVIOUR_ROOT", tmp_path)
    # An earlier file that changes something, to prove the failure keeps none of the run.
    health = tmp_path / "functions" / "health" / "health_heartbeat.sql"
    health.write_text(health.read_text().replace(
        "the runner''s heartbeat line.", "CHANGED BY A RUN THAT FAILS."))
    return tmp_path


@pytest.mark.parametrize(("text", "line", "sqlstate"), [
    (BROKEN_SYNTAX, 12, "42601"),
    (BROKEN_NO_POSITION, 5, "42P01"),
], ids=["syntax-error-in-body", "error-without-position"])
def test_failing_behaviour_file_is_named_with_its_line_and_nothing_is_kept(
        behaviour_copy: Path, db_url: str, conn: psycopg.Connection, text: str, line: int, sqlstate: str) -> None:
    (behaviour_copy / "functions" / "zz_test" / "zz_broken.sql").write_text(text)
    before = schema_dump(db_url)

    with pytest.raises(MigrationError) as raised:
        migrate(db_url, echo=quiet)

    message = str(raised.value)
    assert f"{behaviour_copy / 'functions' / 'zz_test' / 'zz_broken.sql'}:{line}: " in message
    assert f"(SQLSTATE {sqlstate})" in message
    assert schema_dump(db_url) == before
    assert conn.execute("SELECT to_regprocedure('public.zz_fine()')").fetchone()[0] is None
    comment = conn.execute("SELECT obj_description('public.health_heartbeat()'::regprocedure)").fetchone()[0]
    assert "CHANGED" not in comment


def test_cli_reports_the_failing_file_and_exits_non_zero(behaviour_copy: Path, db_url: str) -> None:
    (behaviour_copy / "triggers" / "zz_test" / "zz_broken.sql").write_text(BROKEN_NO_POSITION)
    result = CliRunner().invoke(main, ["--database-url", db_url, "migrate"])
    assert result.exit_code == 1
    assert "migration failed, nothing of this run was kept (the database is as it was)" in result.output
    broken = behaviour_copy / "triggers" / "zz_test" / "zz_broken.sql"
    assert f'{broken}:5: relation "public.no_such_table" does not exist' in result.output


BROKEN_MIGRATION = """-- A migration whose third statement fails.
-- depends: 0004_orchestrator_state

CREATE TABLE public.zz_first (id integer PRIMARY KEY);

ALTER TABLE public.zz_first
    ADD COLUMN note text;

ALTER TABLE public.zz_first
    ADD COLUMN other integer CHECK (other >> 0 0);
"""


def test_failing_migration_names_the_line_of_the_failing_statement(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str, conn: psycopg.Connection) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(settings.MIGRATIONS_DIR, folder)
    (folder / "9999_zz_broken.sql").write_text(BROKEN_MIGRATION)
    monkeypatch.setattr(settings, "MIGRATIONS_DIR", folder)

    with pytest.raises(MigrationError) as raised:
        migrate(db_url, echo=quiet)

    # yoyo runs statement by statement; the line is the failing statement's, counted in the file.
    assert f"{folder / '9999_zz_broken.sql'}:10: syntax error" in str(raised.value)
    assert conn.execute("SELECT to_regclass('public.zz_first')").fetchone()[0] is None
    assert conn.execute("SELECT count(*) FROM _yoyo_migration WHERE migration_id = '9999_zz_broken'"
                        ).fetchone()[0] == 0


# -- all or nothing: a failure at any step leaves the database exactly as it was -----------------

def full_dump(url: str) -> str:
    """Catalog and data (yoyo's bookkeeping rows included): the database's fingerprint."""
    result = subprocess.run([PG_DUMP, "--restrict-key=moosedrift", "-d", url],
                            capture_output=True, text=True, check=True)
    return result.stdout


DROP_BUDGET_STATUS = """-- The documented pattern for a changed signature: drop the old function.
-- depends: 0045_names_that_say_the_difference

DROP FUNCTION public.budget_status();
"""

SECOND_OF_TWO_FAILS = """-- Fails after 9998 created its table in the same run.
-- depends: 9998_zz_creates

INSERT INTO public.zz_created (id) VALUES (1);
INSERT INTO public.zz_created (id) VALUES (1);
"""


@pytest.fixture
def migrations_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "migrations"
    shutil.copytree(settings.MIGRATIONS_DIR, folder)
    monkeypatch.setattr(settings, "MIGRATIONS_DIR", folder)
    return folder


def test_a_failing_behaviour_file_after_a_dropping_migration_keeps_the_function_and_the_migration_pending(
        migrations_copy: Path, behaviour_copy: Path, db_url: str, conn: psycopg.Connection) -> None:
    (migrations_copy / "9999_zz_drop_budget_status.sql").write_text(DROP_BUDGET_STATUS)
    (behaviour_copy / "functions" / "zz_test" / "zz_broken.sql").write_text(BROKEN_SYNTAX)
    before = full_dump(db_url)

    with pytest.raises(MigrationError) as raised:
        migrate(db_url, echo=quiet)

    assert f"{behaviour_copy / 'functions' / 'zz_test' / 'zz_broken.sql'}:12: " in str(raised.value)
    assert full_dump(db_url) == before
    assert conn.execute("SELECT to_regprocedure('public.budget_status()')").fetchone()[0] is not None
    assert conn.execute("SELECT public.system_health() IS NOT NULL").fetchone()[0] is True
    # Still pending: the corrected run applies it.
    (behaviour_copy / "functions" / "zz_test" / "zz_broken.sql").unlink()
    (migrations_copy / "9999_zz_drop_budget_status.sql").write_text(
        DROP_BUDGET_STATUS.replace("DROP FUNCTION public.budget_status();", "SELECT 1;"))
    assert migrate(db_url, echo=quiet) == ["9999_zz_drop_budget_status"]


def test_a_failing_second_migration_takes_back_the_first_of_the_run(
        migrations_copy: Path, db_url: str, conn: psycopg.Connection) -> None:
    (migrations_copy / "9998_zz_creates.sql").write_text(
        "-- Creates a table.\n-- depends: 0045_names_that_say_the_difference\n\n"
        "CREATE TABLE public.zz_created (id integer PRIMARY KEY);\n")
    (migrations_copy / "9999_zz_fails.sql").write_text(SECOND_OF_TWO_FAILS)
    before = full_dump(db_url)

    with pytest.raises(MigrationError) as raised:
        migrate(db_url, echo=quiet)

    # The replay that locates the line sees 9998's table (the run's own transaction).
    assert f"{migrations_copy / '9999_zz_fails.sql'}:5: duplicate key value" in str(raised.value)
    assert "(SQLSTATE 23505)" in str(raised.value)
    assert full_dump(db_url) == before
    assert conn.execute("SELECT to_regclass('public.zz_created')").fetchone()[0] is None


def test_a_failed_first_migrate_of_an_empty_database_leaves_it_empty(
        empty_database: Callable[[], str], behaviour_copy: Path) -> None:
    url = empty_database()
    (behaviour_copy / "triggers" / "zz_test" / "zz_broken.sql").write_text(BROKEN_NO_POSITION)
    before = full_dump(url)
    with pytest.raises(MigrationError):
        migrate(url, echo=quiet)
    # Not one migration, and not yoyo's own tables either.
    assert user_relations(url) == []
    assert full_dump(url) == before


def test_a_migration_that_cannot_run_in_a_transaction_is_refused_before_anything_runs(
        migrations_copy: Path, db_url: str) -> None:
    (migrations_copy / "9998_zz_creates.sql").write_text(
        "-- Creates a table.\n-- depends: 0045_names_that_say_the_difference\n\n"
        "CREATE TABLE public.zz_created (id integer PRIMARY KEY);\n")
    (migrations_copy / "9999_zz_concurrently.sql").write_text(
        "-- An index built concurrently.\n-- depends: 9998_zz_creates\n-- transactional: false\n\n"
        "CREATE INDEX CONCURRENTLY zz_idx ON public.zz_created (id);\n")
    before = full_dump(db_url)
    result = CliRunner().invoke(main, ["--database-url", db_url, "migrate"])
    assert result.exit_code == 1
    assert f"{migrations_copy / '9999_zz_concurrently.sql'}: `-- transactional: false` is not supported" \
        in result.output
    assert full_dump(db_url) == before


# -- concurrency -----------------------------------------------------------------------------

def test_two_concurrent_migrates_of_a_fresh_database_both_succeed(empty_database: Callable[[], str]) -> None:
    target, reference = empty_database(), empty_database()
    migrate(reference, echo=quiet)
    command = [sys.executable, "-m", "runner.cli", "--database-url", target, "migrate"]
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                  env=cli_env(), cwd=settings.PROJECT_ROOT) for _ in range(2)]
    outputs = [process.communicate(timeout=120)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    applied = sorted(next(line for line in output.splitlines() if line.startswith("done:")) for output in outputs)
    # One runner applied every migration; the other waited on the lock and found none pending.
    assert applied == ["done: 0 migration(s) applied", f"done: {len(all_migration_ids())} migration(s) applied"]
    assert schema_dump(target) == schema_dump(reference)
    with psycopg.connect(target) as conn:
        assert conn.execute("SELECT count(*) FROM _yoyo_migration").fetchone()[0] == len(all_migration_ids())


def test_a_migration_depending_on_an_unknown_id_is_a_clear_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(settings.MIGRATIONS_DIR, folder)
    (folder / "9999_zz_bad_depends.sql").write_text(
        "-- Depends on a migration that does not exist.\n-- depends: 0003_no_such_migration\n"
        "CREATE TABLE public.zz_never (id integer);\n")
    monkeypatch.setattr(settings, "MIGRATIONS_DIR", folder)
    for command in (["migrate"], ["migrate", "--dry-run"]):
        result = CliRunner().invoke(main, ["--database-url", db_url, *command])
        assert result.exit_code == 1, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert f"Could not resolve dependencies in {folder / '9999_zz_bad_depends.sql'}" in result.output
        assert "`-- depends:` id must name a migration" in result.output
