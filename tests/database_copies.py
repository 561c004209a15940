"""Each test's own database: a copy of a migrated template (CREATE DATABASE ... TEMPLATE), dropped
in batches. On PostgreSQL 15 every DROP DATABASE waits for a checkpoint of the whole server;
dropping one test's database at a time made each test wait for one (a second or more on a busy
machine). Databases are dropped a batch at a time, on parallel connections, so their checkpoint
requests share one or two checkpoints; the rest at the end of the session."""

from __future__ import annotations

import itertools
import threading

import psycopg
from psycopg import sql

from runner.db import copy_database_settings

BATCH = 8


class DatabaseCopies:
    def __init__(self, maintenance_url: str, template: str, prefix: str) -> None:
        self.maintenance_url = maintenance_url
        self.template = template
        self.prefix = prefix
        self._numbers = itertools.count(1)
        self._done: list[str] = []

    def create(self) -> str:
        """A new database copied from the template; returns its name."""
        name = f"{self.prefix}_{next(self._numbers)}"
        with psycopg.connect(self.maintenance_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name),
                                                                          sql.Identifier(self.template)))
            copy_database_settings(conn, self.template, name)
        return name

    def done_with(self, name: str) -> None:
        """The test is over: its database goes with the next batch."""
        self._done.append(name)
        if len(self._done) >= BATCH:
            self.drop_all()

    def drop_all(self) -> None:
        """Drop every finished database at once (WITH FORCE: a session a test left behind ends)."""
        names, self._done = self._done, []
        errors: list[BaseException] = []

        def drop(name: str) -> None:
            try:
                with psycopg.connect(self.maintenance_url, autocommit=True) as conn:
                    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            except psycopg.Error as error:
                errors.append(error)

        threads = [threading.Thread(target=drop, args=(name,)) for name in names]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
