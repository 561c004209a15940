"""`moose migrate`: pending yoyo migrations (state), then every behaviour file re-applied
(all domains' functions, then views, then triggers), all in ONE transaction (runner/yoyo_tx.py
keeps yoyo inside it) under one advisory lock so two runners migrating at once take turns. A
failure at any step rolls the whole run back, so the database is exactly as it was, and the
failing file is named with its line. The transaction waits at most a lock timeout for any lock
and is rolled back and tried again when it cannot get one (runner/lock_retries.py), so the
queries queued behind a migration's lock wait at most that long."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import sqlparse
from psycopg import errors
from yoyo import read_migrations
from yoyo.exceptions import BadMigration
from yoyo.migrations import MigrationList, read_sql_migration, topological_sort

from runner import settings
from runner.db import connect, redact
from runner.lock_retries import LockRetriesExhausted, LockRetryPolicy, LockWatcher, with_lock_retries
from runner.yoyo_tx import TransactionBackend

# Any fixed 64-bit number; every runner uses the same one.
MIGRATION_LOCK_KEY = 7_291_337_001


class MigrationError(RuntimeError):
    """A migration or behaviour file failed; the message names the file and line."""


@dataclass
class MigrationPlan:
    pending_migrations: list[str] = field(default_factory=list)
    behaviour_files: list[Path] = field(default_factory=list)


def behaviour_files() -> list[Path]:
    """Every domain's functions, then every domain's views, then every domain's triggers
    (db/<kind>/<domain>/*.sql), each kind sorted by file name across domains."""
    files: list[Path] = []
    for kind in settings.BEHAVIOUR_KINDS:
        files.extend(sorted((settings.BEHAVIOUR_ROOT / kind).glob("*/*.sql"), key=lambda path: path.name))
    return files


def _yoyo_url(url: str) -> str:
    scheme, rest = url.split("://", 1)
    if scheme in ("postgresql", "postgres"):
        scheme = "postgresql+psycopg"
    return f"{scheme}://{rest}"


def _line_of(text: str, char_position: int) -> int:
    return text.count("\n", 0, max(char_position - 1, 0)) + 1


def _statements(text: str, statements: list[str] | None = None) -> list[tuple[int, str]]:
    """The file's statements with the character offset each starts at. `statements` is the split
    another tool made (yoyo's); by default the file is split the same way (sqlparse)."""
    found: list[tuple[int, str]] = []
    cursor = 0
    for statement in statements if statements is not None else sqlparse.split(text):
        body = statement.strip()
        if not body:
            continue
        offset = text.find(body, cursor)
        if offset < 0:  # yoyo strips its own header comments from the first statement
            first_line = body.splitlines()[0]
            offset = text.find(first_line, cursor)
        if offset < 0:
            return []
        cursor = offset + len(body)
        while body.startswith("--") and "\n" in body:  # report the statement, not its comment
            skipped, body = body.split("\n", 1)
            offset += len(skipped) + 1
            stripped = body.lstrip()
            offset += len(body) - len(stripped)
            body = stripped
        found.append((offset, body))
    return found


def _error_offset(error: psycopg.Error, statement_offset: int = 0) -> int | None:
    """0-based character offset in the file: PostgreSQL's 1-based position is relative to the
    statement text that was sent."""
    if error.diag.statement_position:
        return statement_offset + int(error.diag.statement_position) - 1
    return None


def _describe(error: psycopg.Error, path: Path, text: str, offset: int | None = None) -> str:
    """`file:line: message (SQLSTATE)`, then context and hint. `offset` is where in the file the
    error is (0-based); by default the error's position taken against the whole file."""
    diag = error.diag
    location = str(path.relative_to(settings.PROJECT_ROOT)) if path.is_relative_to(settings.PROJECT_ROOT) else str(path)
    if offset is None:
        offset = _error_offset(error)
    if offset is not None:
        location += f":{_line_of(text, offset + 1)}"
    message = diag.message_primary or str(error).strip()
    details = [f"{location}: {message} (SQLSTATE {diag.sqlstate})"]
    if diag.context:
        details.append(f"  context: {diag.context.strip()}")
    if diag.message_hint:
        details.append(f"  hint: {diag.message_hint}")
    return "\n".join(details)


def _read_migrations() -> MigrationList:
    """db/migrations, each loaded now so that a bad `-- depends:` line is a clear error rather
    than a traceback from inside yoyo."""
    migrations = read_migrations(str(settings.MIGRATIONS_DIR))
    try:
        for migration in migrations:
            migration.load()
    except BadMigration as error:
        raise MigrationError(f"{error}: every `-- depends:` id must name a migration in "
                             f"{settings.MIGRATIONS_DIR}") from error
    return migrations


def _applied_hashes(conn: psycopg.Connection) -> set[str]:
    """Hashes of the migrations yoyo recorded as applied; none when its tables do not exist yet
    (read directly so that a dry run creates nothing, not even yoyo's bookkeeping tables)."""
    row = conn.execute("SELECT to_regclass('public._yoyo_migration') IS NOT NULL").fetchone()
    if not row or not row[0]:
        return set()
    return {hash_ for (hash_,) in conn.execute("SELECT migration_hash FROM public._yoyo_migration")}


def plan(url: str) -> MigrationPlan:
    """What `migrate` would do, read-only."""
    migrations = _read_migrations()
    try:
        with connect(url, autocommit=True) as conn:
            applied = _applied_hashes(conn)
    except psycopg.OperationalError as error:
        raise MigrationError(f"cannot read the migration state of {redact(url)}: {error}") from error
    pending = topological_sort(m for m in migrations if m.hash not in applied)
    return MigrationPlan([m.id for m in pending], behaviour_files())


def _locate_in_migration(conn: psycopg.Connection, path: Path, text: str) -> tuple[psycopg.Error, int | None] | None:
    """yoyo runs a SQL migration statement by statement, so PostgreSQL's error position is
    relative to one statement. Replay the statements (split as yoyo splits them) from a savepoint
    in the run's own transaction (it sees the earlier migrations of the run), then roll back to
    it, to find which one fails and where; None when it does not fail again."""
    _directives, _comment, statements = read_sql_migration(str(path))
    with conn.transaction(force_rollback=True):
        for offset, statement in _statements(text, statements):
            try:
                conn.execute(statement.encode())
            except psycopg.Error as error:
                return error, _error_offset(error, offset) if error.diag.statement_position else offset
    return None


def _apply_migrations(url: str, conn: psycopg.Connection, echo: Callable[[str], None]) -> list[str]:
    """Every pending migration, on `conn` in its open transaction (nothing is committed here)."""
    backend = TransactionBackend(_yoyo_url(url), conn)
    pending = backend.to_apply(_read_migrations())
    for migration in pending:
        if not migration.use_transactions:
            raise MigrationError(f"{migration.path}: `-- transactional: false` is not supported: `moose migrate` "
                                 "applies every migration and behaviour file in one transaction, so that a "
                                 "failure keeps nothing; split the statement that needs it (e.g. CREATE INDEX "
                                 "CONCURRENTLY) out of the migrations")
    applied: list[str] = []
    for migration in pending:
        echo(f"  migration {migration.id}")
        try:
            backend.apply_migrations_only([migration])
        except errors.LockNotAvailable:
            raise  # the whole run is tried again (with_lock_retries); replaying it would wait again
        except psycopg.Error as error:
            path = Path(migration.path)
            text = path.read_text()
            located = _locate_in_migration(conn, path, text) if path.suffix == ".sql" else None
            if located is None:
                raise MigrationError(_describe(error, path, text)) from error
            raise MigrationError(_describe(located[0], path, text, located[1])) from error
        applied.append(migration.id)
    return applied


def _locate_in_file(conn: psycopg.Connection, text: str) -> tuple[psycopg.Error, int] | None:
    """After a file failed without an error position (e.g. `CREATE TRIGGER ... ON` a missing
    table), run its statements one by one from the savepoint before it to find the failing
    statement and report its line."""
    for offset, statement in _statements(text):
        try:
            conn.execute(statement.encode())
        except psycopg.Error as error:
            return error, _error_offset(error, offset) if error.diag.statement_position else offset
    return None


def _apply_file(conn: psycopg.Connection, path: Path) -> None:
    text = path.read_text()
    try:
        with conn.transaction():  # a savepoint, so a failure can be replayed from here
            conn.execute(text.encode())  # bytes: run as a script, no parameter parsing
    except errors.LockNotAvailable:
        raise  # the whole run is tried again (with_lock_retries); replaying it would wait again
    except psycopg.Error as error:
        if error.diag.statement_position:
            raise MigrationError(_describe(error, path, text)) from error
        located = _locate_in_file(conn, text)
        if located is None:
            raise MigrationError(_describe(error, path, text)) from error
        raise MigrationError(_describe(located[0], path, text, located[1])) from error


def _apply_behaviour(conn: psycopg.Connection, files: list[Path], echo: Callable[[str], None]) -> None:
    """Two passes in a savepoint of the run's transaction: the first creates every object with
    body checks off, so a LANGUAGE sql function may call one from a file that sorts later; the
    second re-applies with checks on, so a syntax error is reported against its file and line."""
    with conn.transaction():
        for check_bodies in ("off", "on"):
            conn.execute(f"SET LOCAL check_function_bodies = {check_bodies}".encode())
            for path in files:
                _apply_file(conn, path)
        # PostgREST (docker-compose, Supabase) rebuilds its schema cache when this arrives at
        # commit, so new or changed RPC functions are callable at once. A no-op elsewhere.
        conn.execute(b"NOTIFY pgrst, 'reload schema'")
    echo(f"  re-applied {len(files)} function, view and trigger files")


def _run_once(url: str, files: list[Path], policy: LockRetryPolicy, echo: Callable[[str], None],
              watcher: LockWatcher) -> list[str]:
    """One try: the whole run in one transaction with the lock timeout, committed or rolled back."""
    with connect(url) as conn:
        conn.execute("SELECT pg_catalog.set_config('lock_timeout', %s, true)", (policy.setting(),))
        pid = conn.info.backend_pid
        try:
            with watcher.watching(pid):
                applied = _apply_migrations(url, conn, echo)
                _apply_behaviour(conn, files, echo)
        except BaseException:
            conn.rollback()
            raise
        conn.commit()
    return applied


def migrate(url: str, *, echo: Callable[[str], None] = print, policy: LockRetryPolicy | None = None) -> list[str]:
    """Apply pending migrations and re-apply behaviour, all in one transaction: either all of it
    is committed, or (any failure, at any step) none of it. A try that waits longer than the
    policy's lock timeout for a lock is rolled back whole and tried again (the policy's
    retries, with backoff), each retry said on `echo`. Returns the migrations applied."""
    policy = policy or LockRetryPolicy()
    files = behaviour_files()
    try:
        with connect(url, autocommit=True) as lock_conn:
            lock_conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
            try:
                watcher = LockWatcher(lock_conn, interval=min(0.1, max(policy.lock_timeout, 0.05) / 5))
                return with_lock_retries(lambda watch: _run_once(url, files, policy, echo, watch),
                                         watcher, policy, echo)
            finally:
                if not lock_conn.closed:
                    lock_conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))
    except LockRetriesExhausted as error:
        raise MigrationError(str(error)) from error
    except psycopg.OperationalError as error:
        raise MigrationError(f"cannot migrate {redact(url)}: {error}") from error
