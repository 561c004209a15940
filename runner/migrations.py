"""`moose migrate`: pending yoyo migrations (state), then every behaviour file re-applied in
sorted order (functions, views, triggers), all under one advisory lock so two runners migrating
at once take turns. A failing file rolls back and is named with its line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from yoyo import get_backend, read_migrations

from runner import settings
from runner.db import connect, redact

# Any fixed 64-bit number; every runner uses the same one.
MIGRATION_LOCK_KEY = 7_291_337_001


class MigrationError(RuntimeError):
    """A migration or behaviour file failed; the message names the file and line."""


@dataclass
class MigrationPlan:
    pending_migrations: list[str] = field(default_factory=list)
    behaviour_files: list[Path] = field(default_factory=list)


def behaviour_files() -> list[Path]:
    """db/functions, then db/views, then db/triggers, each sorted by name."""
    files: list[Path] = []
    for folder in settings.BEHAVIOUR_DIRS:
        if folder.is_dir():
            files.extend(sorted(folder.glob("*.sql")))
    return files


def _yoyo_url(url: str) -> str:
    scheme, rest = url.split("://", 1)
    if scheme in ("postgresql", "postgres"):
        scheme = "postgresql+psycopg"
    return f"{scheme}://{rest}"


def _line_of(text: str, char_position: int) -> int:
    return text.count("\n", 0, max(char_position - 1, 0)) + 1


def _describe(error: psycopg.Error, path: Path, text: str) -> str:
    diag = error.diag
    location = str(path.relative_to(settings.PROJECT_ROOT)) if path.is_relative_to(settings.PROJECT_ROOT) else str(path)
    if diag.statement_position:
        location += f":{_line_of(text, int(diag.statement_position))}"
    message = diag.message_primary or str(error).strip()
    details = [f"{location}: {message} (SQLSTATE {diag.sqlstate})"]
    if diag.context:
        details.append(f"  context: {diag.context.strip()}")
    if diag.message_hint:
        details.append(f"  hint: {diag.message_hint}")
    return "\n".join(details)


def plan(url: str) -> MigrationPlan:
    backend = get_backend(_yoyo_url(url))
    try:
        pending = backend.to_apply(read_migrations(str(settings.MIGRATIONS_DIR)))
        return MigrationPlan([m.id for m in pending], behaviour_files())
    finally:
        backend.connection.close()


def _apply_migrations(url: str, echo: Callable[[str], None]) -> list[str]:
    backend = get_backend(_yoyo_url(url))
    try:
        pending = backend.to_apply(read_migrations(str(settings.MIGRATIONS_DIR)))
        applied: list[str] = []
        for migration in pending:
            echo(f"  migration {migration.id}")
            try:
                backend.apply_migrations_only([migration])
            except psycopg.Error as error:
                path = settings.MIGRATIONS_DIR / f"{migration.id}.sql"
                raise MigrationError(_describe(error, path, path.read_text())) from error
            applied.append(migration.id)
        return applied
    finally:
        backend.connection.close()


def _apply_behaviour(conn: psycopg.Connection, files: list[Path], echo: Callable[[str], None]) -> None:
    """Two passes in one transaction: the first creates every object with body checks off, so
    a LANGUAGE sql function may call one from a file that sorts later; the second re-applies
    with checks on, so a syntax error is reported against its file and line."""
    with conn.transaction():
        for check_bodies in ("off", "on"):
            conn.execute(f"SET LOCAL check_function_bodies = {check_bodies}".encode())
            for path in files:
                text = path.read_text()
                try:
                    conn.execute(text.encode())  # bytes: run as a script, no parameter parsing
                except psycopg.Error as error:
                    raise MigrationError(_describe(error, path, text)) from error
    echo(f"  re-applied {len(files)} function, view and trigger files")


def migrate(url: str, *, echo: Callable[[str], None] = print) -> list[str]:
    """Apply pending migrations and re-apply behaviour; returns the migrations applied."""
    files = behaviour_files()
    with connect(url, autocommit=True) as lock_conn:
        lock_conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
        try:
            applied = _apply_migrations(url, echo)
            with connect(url) as conn:
                _apply_behaviour(conn, files, echo)
        except psycopg.OperationalError as error:
            raise MigrationError(f"cannot migrate {redact(url)}: {error}") from error
        finally:
            lock_conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))
    return applied
