"""yoyo inside one transaction of ours, so that `moose migrate` is all or nothing.

yoyo's own `apply_one` opens a new connection for each migration (`backend.copy()`) and commits
it, and `get_backend` commits its bookkeeping tables before any migration runs: a later failure
cannot take back what was committed. `TransactionBackend` keeps yoyo's reading, ordering, hashing
and bookkeeping (`_yoyo_migration`, `_yoyo_log`, `_yoyo_version`, `yoyo_lock`, written exactly as
yoyo writes them) but runs all of it on one psycopg connection inside one open transaction:

- the backend starts "in a transaction", so every `backend.transaction()` yoyo opens (per
  migration, per statement, per bookkeeping write) is a savepoint, never a BEGIN or a COMMIT;
- `copy()` hands out the same backend, so migrations run on the same connection;
- yoyo's internal-schema upgrade runs in that transaction too (the caller's advisory lock
  replaces yoyo's lock row, whose commit would end the transaction);
- a migration marked `-- transactional: false` cannot run in a transaction at all (PostgreSQL
  refuses e.g. CREATE INDEX CONCURRENTLY there); it is refused before anything runs.

The caller commits (or rolls back) the connection; nothing is committed before that.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from yoyo import internalmigrations
from yoyo.backends.core.postgresql import PostgresqlPsycopgBackend
from yoyo.connections import parse_uri

from runner.db import first_host


class NotTransactional(RuntimeError):
    """A migration asked to run outside a transaction; `moose migrate` cannot keep it atomic."""


class TransactionBackend(PostgresqlPsycopgBackend):
    """yoyo's PostgreSQL backend bound to `conn` (not autocommit), inside its open transaction."""

    def __init__(self, url: str, conn: psycopg.Connection, migration_table: str = "_yoyo_migration") -> None:
        if conn.autocommit:
            raise ValueError("TransactionBackend needs a connection that is not in autocommit mode")
        self._shared = conn
        # yoyo only reads the URL (it never connects: `connect` returns `conn`), and its parser
        # knows one host: a multi-host URL (a Patroni pair) is read as its first host.
        super().__init__(parse_uri(first_host(url)), migration_table)
        self._in_transaction = True  # every yoyo transaction() is now a savepoint
        self.has_transactional_ddl = True  # PostgreSQL: DDL rolls back with the transaction
        self.create_lock_table()  # as yoyo's get_backend does, but in our transaction

    def connect(self, dburi: object) -> psycopg.Connection:
        return self._shared

    def copy(self) -> TransactionBackend:
        return self

    def __exit__(self, *_exc: object) -> None:
        """`with backend.copy()` must not close the shared connection: the caller owns it."""

    def ensure_internal_schema_updated(self) -> None:
        if self._internal_schema_updated:
            return
        if internalmigrations.needs_upgrading(self):
            internalmigrations.upgrade(self)
        self._internal_schema_updated = True

    def commit(self) -> None:
        raise AssertionError("the caller commits the migration transaction, never yoyo")

    def rollback(self) -> None:
        raise AssertionError("the caller rolls back the migration transaction, never yoyo")

    @contextmanager
    def disable_transactions(self) -> Iterator[None]:
        raise NotTransactional("a migration marked `-- transactional: false` cannot run inside "
                               "`moose migrate`'s single transaction")
        yield  # pragma: no cover
