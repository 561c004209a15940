"""`moose run`: the long-running service. For now it logs one health line per interval; it stops
cleanly on SIGINT or SIGTERM, finishing the line it is writing."""

from __future__ import annotations

import json
import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType

import psycopg

from runner.db import connect, redact

log = logging.getLogger("moose.run")


def format_summary(summary: dict) -> str:
    statuses = summary.get("work_orders") or {}
    by_status = " ".join(f"{status}={count}" for status, count in statuses.items()) or "none"
    return (f"health: work_orders[{by_status}] open_escalations={summary['open_escalations']} "
            f"spend_today={summary['spend_today']}/{summary['daily_limit']} "
            f"budget_day={summary['budget_day']}")


def read_summary(conn: psycopg.Connection) -> dict:
    row = conn.execute("SELECT public.health_summary()").fetchone()
    assert row is not None
    value = row[0]
    return value if isinstance(value, dict) else json.loads(value)


class Service:
    def __init__(self, url: str, interval: float) -> None:
        self.url = url
        self.interval = interval
        self.stopping = threading.Event()

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        log.info("received %s, stopping", signal.Signals(signum).name)
        self.stopping.set()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)

    def run(self, *, iterations: int | None = None, emit: Callable[[str], None] | None = None) -> None:
        emit = emit or log.info
        log.info("moose run: database %s, interval %ss", redact(self.url), self.interval)
        done = 0
        conn: psycopg.Connection | None = None
        try:
            while not self.stopping.is_set():
                try:
                    if conn is None or conn.closed:
                        conn = connect(self.url, autocommit=True)
                    emit(format_summary(read_summary(conn)))
                except psycopg.OperationalError as error:
                    log.error("database unreachable, retrying next interval: %s", str(error).strip())
                    conn = None
                done += 1
                if iterations is not None and done >= iterations:
                    break
                self.stopping.wait(self.interval)
        finally:
            if conn is not None:
                conn.close()
        log.info("moose run: stopped")
