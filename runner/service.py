"""`moose run`: the long-running service. It runs due jobs (runner/scheduler.py), delivers alerts
(runner/delivery.py's DeliveryWorker, in a thread of its own), logs one health line per
interval, says it is alive in the database and to systemd, and stops cleanly: SIGTERM or SIGINT
let the running job and in-flight alert POSTs finish, then it exits; SIGHUP re-reads the config
file. While the database is away it backs off (runner/reconnect.py: one log line when it goes,
a reminder now and then, one when it is back) and, once back, wakes the alert sender at once."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import threading
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from types import FrameType

import psycopg

from runner import __version__, logs, systemd
from runner.db import redact
from runner.delivery import DeliveryWorker
from runner.http_server import HttpEndpoint
from runner.reconnect import Backoff, Outage
from runner.scheduler import Clock, Scheduler

log = logging.getLogger("moose.run")


def format_summary(summary: dict) -> str:
    statuses = summary.get("work_orders") or {}
    by_status = " ".join(f"{status}={count}" for status, count in statuses.items()) or "none"
    return (f"health: work_orders[{by_status}] open_escalations={summary['open_escalations']} "
            f"spend_today={summary['spend_today']}/{summary['daily_limit']} "
            f"budget_day={summary['budget_day']}")


def read_summary(conn: psycopg.Connection) -> dict:
    row = conn.execute("SELECT public.health_heartbeat()").fetchone()
    assert row is not None
    value = row[0]
    return value if isinstance(value, dict) else json.loads(value)


@dataclass
class ServiceConfig:
    """What the service can be told, from the command line and (re-read on SIGHUP) from a TOML
    file: `interval = 60`, `poll = 2`, `jobs = true`, `deliver = true` (read at start only),
`log_format = "json"`, `verbose = false`, and while the database is away `reconnect_initial = 1`
doubling to `reconnect_max = 15` seconds between tries, a reminder line every
`reconnect_reminder = 60` seconds."""

    interval: float = 60.0
    poll: float = 2.0
    jobs: bool = True
    deliver: bool = True
    log_format: str = "plain"
    verbose: bool = False
    reconnect_initial: float = 1.0
    reconnect_max: float = 15.0
    reconnect_reminder: float = 60.0

    def merged_with_file(self, path: Path | None) -> ServiceConfig:
        if path is None:
            return self
        data = tomllib.loads(path.read_text())
        known = {f.name: f.type for f in fields(self)}
        unknown = set(data) - set(known)
        if unknown:
            raise ValueError(f"{path}: unknown setting(s) {', '.join(sorted(unknown))}; known: {', '.join(known)}")
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        for name, value in data.items():
            wanted = type(values[name])
            if wanted is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, wanted) or (wanted is not bool and isinstance(value, bool)):
                raise ValueError(f"{path}: {name} must be a {wanted.__name__}, got {value!r}")
            values[name] = value
        config = ServiceConfig(**values)
        if config.interval < 0.1 or config.poll < 0.05 or config.log_format not in ("plain", "json"):
            raise ValueError(f"{path}: interval >= 0.1, poll >= 0.05 and log_format plain|json, got {data}")
        if not (0.01 <= config.reconnect_initial <= config.reconnect_max) or config.reconnect_reminder < 0.1:
            raise ValueError(f"{path}: 0.01 <= reconnect_initial <= reconnect_max and reconnect_reminder >= 0.1, "
                             f"got {data}")
        return config

    def outage(self, what: str, logger: logging.Logger) -> Outage:
        return Outage(what, logger, Backoff(self.reconnect_initial, self.reconnect_max),
                      remind_every=self.reconnect_reminder)


class Service:
    def __init__(self, url: str, interval: float = 60.0, *, poll: float = 2.0, jobs: bool = True,
                 deliver: bool = True, config_file: Path | None = None, clock: Clock | None = None,
                 holder: str | None = None, listen: tuple[str, int] | None = None) -> None:
        self.url = url
        self.listen = listen
        # The log settings moose's --log-format / -v chose are the base the file may override.
        root = logging.getLogger()
        current_format = "json" if any(isinstance(h.formatter, logs.JsonFormatter) for h in root.handlers) else "plain"
        self.base = ServiceConfig(interval=interval, poll=poll, jobs=jobs, deliver=deliver,
                                  log_format=current_format, verbose=root.level == logging.DEBUG)
        self.config_file = config_file
        self.config = self.base.merged_with_file(config_file)
        if (self.config.log_format, self.config.verbose) != (self.base.log_format, self.base.verbose):
            logs.configure(self.config.log_format, self.config.verbose)
        self.stopping = threading.Event()
        self.reload_requested = threading.Event()
        self.scheduler = Scheduler(url, clock=clock or Clock())
        if holder:
            self.scheduler.holder = holder
        self._last_progress = time.monotonic()
        self._delivery_stop = threading.Event()
        self._delivery_wake = threading.Event()  # set when the database is back: the sender retries at once
        self.outage = self.config.outage("moose run", log)

    @property
    def interval(self) -> float:
        return self.config.interval

    # -- signals -----------------------------------------------------------------------------

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        if signum == signal.SIGHUP:
            log.info("received SIGHUP, reloading config")
            self.reload_requested.set()
            self.stopping.set()  # wake the wait; the loop clears it when it is a reload
            return
        log.info("received %s, stopping", signal.Signals(signum).name)
        self.reload_requested.clear()
        self._stop_for_real = True
        self.stopping.set()

    _stop_for_real = False

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGHUP, self._on_signal)

    def _should_stop(self) -> bool:
        return self._stop_for_real or (self.stopping.is_set() and not self.reload_requested.is_set())

    def _reload(self) -> None:
        self.reload_requested.clear()
        if not self._stop_for_real:
            self.stopping.clear()
        try:
            new = self.base.merged_with_file(self.config_file)
        except (OSError, ValueError, tomllib.TOMLDecodeError) as error:
            log.error("config reload failed, keeping the old settings: %s", error)
            return
        if new.log_format != self.config.log_format or new.verbose != self.config.verbose:
            logs.configure(new.log_format, new.verbose)
        self.config = new
        self.outage.backoff = Backoff(new.reconnect_initial, new.reconnect_max)
        self.outage.remind_every = new.reconnect_reminder
        log.info("config reloaded: interval=%ss poll=%ss jobs=%s log_format=%s", new.interval, new.poll,
                 new.jobs, new.log_format)

    # -- watchdog ----------------------------------------------------------------------------

    def making_progress(self, every: float) -> bool:
        """The loop made progress within two intervals of `every` seconds, or a job is running
        within its statement timeout: the rule of the systemd watchdog and of GET /livez."""
        deadline = self.scheduler.current_deadline
        now = time.monotonic()
        return now - self._last_progress < every * 2 or (deadline is not None and now < deadline)

    def alive(self) -> bool:
        """GET /livez: progress within two intervals (the watchdog's when systemd sets one, else
        --interval)."""
        return self.making_progress(systemd.watchdog_interval() or self.interval)

    def _watchdog(self, every: float) -> None:
        """Ping systemd while the main loop makes progress, or while a job runs within its
        statement timeout; a stuck loop stops the pings and systemd restarts the service."""
        while not self._should_stop():
            if self.making_progress(every):
                systemd.notify("WATCHDOG=1")
            time.sleep(every)

    # -- alert delivery ----------------------------------------------------------------------

    def _start_delivery(self) -> threading.Thread:
        """The alert sender in a thread of its own: a slow receiver never delays a job."""

        def deliver() -> None:
            with DeliveryWorker(self.url, wake=self._delivery_wake,
                                remind_every=self.config.reconnect_reminder) as worker:
                try:
                    worker.sync_env_channels()
                except psycopg.Error as error:
                    log.error("alert delivery: could not sync channels from the environment: %s",
                              str(error).strip())
                worker.run_forever(self._delivery_stop)

        thread = threading.Thread(target=deliver, name="alert-delivery", daemon=True)
        thread.start()
        return thread

    # -- the loop ----------------------------------------------------------------------------

    def run(self, *, iterations: int | None = None, emit: Callable[[str], None] | None = None) -> None:
        emit = emit or log.info
        log.info("moose run: database %s, runner %s, interval %ss, poll %ss, jobs %s", redact(self.url),
                 self.scheduler.holder, self.interval, self.config.poll, "on" if self.config.jobs else "off")
        details = {"host": socket.gethostname(), "pid": os.getpid(), "version": __version__}
        watchdog_every = systemd.watchdog_interval()
        if watchdog_every:
            threading.Thread(target=self._watchdog, args=(watchdog_every,), daemon=True, name="watchdog").start()
        done = 0
        next_health = 0.0
        ready = False
        delivery = self._start_delivery() if self.config.deliver else None
        http = HttpEndpoint(self.url, self.listen, self.alive) if self.listen else None
        if http is not None:
            http.start()
        try:
            while not self._should_stop():
                if self.reload_requested.is_set():
                    self._reload()
                    continue
                try:
                    conn = self.scheduler.connection()
                    self.scheduler.heartbeat(details)
                    if self.outage.succeeded():
                        self._delivery_wake.set()
                    if not ready:
                        systemd.notify("READY=1", f"STATUS=running as {self.scheduler.holder}")
                        ready = True
                    if time.monotonic() >= next_health:
                        next_health = time.monotonic() + self.interval
                        done += 1
                        try:
                            with conn.transaction():
                                emit(format_summary(read_summary(conn)))
                        except psycopg.Error as error:
                            if isinstance(error, psycopg.OperationalError) and conn.closed:
                                raise
                            log.error("health line failed (jobs go on): %s", str(error).strip())
                    if self.config.jobs:
                        self.scheduler.run_due(self._should_stop)
                except psycopg.Error as error:
                    retry_in = self.outage.failed(error)
                    self.scheduler.close()
                    self._last_progress = time.monotonic()
                    self.stopping.wait(retry_in)
                    continue
                self._last_progress = time.monotonic()
                if iterations is not None and done >= iterations:
                    break
                wait = min(self.config.poll, max(next_health - time.monotonic(), 0.0))
                self.stopping.wait(wait if wait > 0 else self.config.poll)
        finally:
            systemd.notify("STOPPING=1")
            if http is not None:
                http.stop()
            self._delivery_stop.set()
            self._delivery_wake.set()
            if delivery is not None:
                delivery.join(timeout=60)
            with contextlib.suppress(psycopg.Error):
                self.scheduler.heartbeat(details, stopping=True)
            self.scheduler.close()
        log.info("moose run: stopped")
