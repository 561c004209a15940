"""Alert delivery by the runner: claim due deliveries in SQL, POST them, report back in SQL.

Every decision (which rows are due, throttling, payloads, signatures, backoff, giving up) is made
by SQL functions; this module only moves bytes:

    claim_alert_deliveries(worker, limit)      -> rows with url, headers, body text, timeout
    POST body (bytes of the text, unchanged)   -> HTTP status or transport error
    record_alert_delivery_result(id, attempt, status, error, retry_after header)

Use it as::

    worker = DeliveryWorker(database_url)
    worker.sync_env_channels()            # SLACK_WEBHOOK_URL & friends -> env_* channels
    stop = threading.Event()
    worker.run_forever(stop)              # until stop.set(); LISTEN moose_alerts + polling

or ``worker.deliver_due(limit)`` for one synchronous round (tests, `moose alerts deliver --once`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from typing import Any

import psycopg

from runner.db import connect, redact
from runner.delivery_sql import ClaimedDelivery, default_worker_id, sync_env_channels
from runner.http_post import PostResult, post_json
from runner.reconnect import Backoff, Outage

__all__ = ["ClaimedDelivery", "DeliveryWorker", "PostResult", "post_json", "sync_env_channels"]

log = logging.getLogger("moose.alerts")

NOTIFY_CHANNEL = "moose_alerts"
APPLICATION_NAME = "moose-alerts"
class DeliveryWorker:
    """Delivers alerts from the alert_deliveries outbox over HTTP.

    url: the database URL (the runner's login, e.g. moose_runner).
    max_workers: concurrent POSTs; a hanging receiver holds at most
        alert_channel_max_in_flight of them (config), the rest keep serving other channels.
    poll_interval: seconds between polls when no NOTIFY arrives; default from config
        alert_poll_interval.
    worker_id: recorded in alert_deliveries.claimed_by; default host:pid:random.
    wake: an event another loop sets when it sees the database back (`moose run`'s main loop):
        a sender waiting out its retry backoff (retry_initial doubling to retry_max seconds)
        tries again at once. remind_every: seconds between "still unreachable" log lines.

    Thread safety: run_forever and deliver_due must not run at the same time on one worker;
    several workers (threads or processes) may run at once: claims use FOR UPDATE SKIP LOCKED.
    """

    def __init__(self, url: str, *, max_workers: int = 4, poll_interval: float | None = None,
                 worker_id: str | None = None, wake: threading.Event | None = None,
                 retry_initial: float = 1.0, retry_max: float = 30.0, remind_every: float = 60.0) -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self.url = url
        self.max_workers = max_workers
        self.worker_id = worker_id or default_worker_id()
        self._poll_interval = poll_interval
        self._conn: psycopg.Connection | None = None
        self._lock = threading.Lock()
        # Each sender thread records results on its own connection, so reports do not queue
        # behind each other or behind the claim.
        self._local = threading.local()
        self._sender_conns: list[psycopg.Connection] = []
        self._pool: ThreadPoolExecutor | None = None
        self.stats: Counter[str] = Counter()
        self.wake = wake or threading.Event()
        self.outage = Outage("alert delivery", log, Backoff(retry_initial, retry_max), remind_every=remind_every)

    # -- connections ------------------------------------------------------------------------

    def _connection(self) -> psycopg.Connection:
        with self._lock:
            if self._conn is None or self._conn.closed or self._conn.broken:
                self._conn = connect(self.url, autocommit=True, application_name=APPLICATION_NAME)
                # No server-side prepared statements: through PgBouncer in transaction mode each
                # statement may land on another server connection.
                self._conn.prepare_threshold = None
            return self._conn

    def _sender_connection(self) -> psycopg.Connection:
        conn: psycopg.Connection | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.broken:
            conn = connect(self.url, autocommit=True, application_name=APPLICATION_NAME)
            conn.prepare_threshold = None  # PgBouncer in transaction mode (see _connection)
            self._local.conn = conn
            with self._lock:
                self._sender_conns.append(conn)
        return conn

    def _senders(self) -> ThreadPoolExecutor:
        """The sender threads, kept for the worker's life (each holds one connection)."""
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self.max_workers, thread_name_prefix="moose-alert")
            return self._pool

    def close(self) -> None:
        """Wait for POSTs in flight, then close the pool and every connection."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
            for conn in self._sender_conns:
                conn.close()
            self._sender_conns.clear()

    def __enter__(self) -> DeliveryWorker:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- one round ----------------------------------------------------------------------------

    def sync_env_channels(self, environ: Mapping[str, str] | None = None) -> dict[str, str]:
        """Upsert the env_* channels from SLACK_WEBHOOK_URL, SENDGRID_API_KEY (+ ALERT_EMAIL_TO,
        ALERT_EMAIL_FROM), ALERT_WEBHOOK_URL (+ ALERT_WEBHOOK_SECRET), ALERT_MIN_SEVERITY."""
        result = sync_env_channels(self._connection(), environ)
        configured = [name for name, state in result.items() if state == "configured"]
        if configured:
            log.info("alert channels from the environment: %s", ", ".join(configured))
        return result

    def settings(self) -> dict[str, Any]:
        row = self._connection().execute("SELECT public.alert_delivery_settings()").fetchone()
        assert row is not None
        return dict(row[0])

    def claim(self, limit: int) -> list[ClaimedDelivery]:
        """Claim up to `limit` due deliveries (committed at once: they are ours under a lease)."""
        rows = self._connection().execute(
            "SELECT delivery_id, attempt, alert_id, channel, channel_kind, url, headers, body, timeout_ms "
            "FROM public.claim_alert_deliveries(%s, %s)", (self.worker_id, limit)).fetchall()
        return [ClaimedDelivery(r[0], r[1], r[2], r[3], r[4], r[5], dict(r[6]), r[7], r[8]) for r in rows]

    def deliver(self, item: ClaimedDelivery) -> str:
        """POST one claimed delivery and record the result; returns the SQL outcome
        (delivered, retry, failed, stale), or 'unrecorded' when the database was unreachable
        (the lease then makes the row due again)."""
        result = post_json(item.url, item.headers, item.body.encode("utf-8"), item.timeout_ms / 1000)
        outcome = "unrecorded"
        for attempt in (1, 2):  # a connection killed while idle fails once; the retry reconnects
            try:
                row = self._sender_connection().execute(
                    "SELECT public.record_alert_delivery_result(%s, %s, %s, %s, %s)",
                    (item.delivery_id, item.attempt, result.status_code, result.error,
                     result.retry_after)).fetchone()
                outcome = str(row[0]) if row else "unrecorded"
                break
            except psycopg.OperationalError as error:
                if attempt == 2:
                    log.error("could not record delivery %s (it is retried after its lease): %s",
                              item.delivery_id, str(error).strip())
            except psycopg.Error as error:
                log.error("could not record delivery %s (it is retried after its lease): %s",
                          item.delivery_id, str(error).strip())
                break
        what = f"HTTP {result.status_code}" if result.status_code is not None else result.error
        level = logging.INFO if outcome == "delivered" else logging.WARNING
        log.log(level, "alert delivery %s (%s) to %s [%s], attempt %s: %s in %.0f ms -> %s",
                item.delivery_id, f"alert {item.alert_id}" if item.alert_id else "summary", item.channel,
                item.channel_kind, item.attempt, what, result.elapsed * 1000, outcome)
        with self._lock:
            self.stats[outcome] += 1
        return outcome

    def deliver_due(self, limit: int = 100) -> int:
        """One synchronous round: claim up to `limit` due deliveries, POST them concurrently
        (max_workers threads), record each result. Returns how many were processed (claimed and
        attempted); outcomes are counted in `stats`. 0 means nothing was due (or all due rows
        are held by the per-channel in-flight cap or another runner)."""
        items = self.claim(limit)
        if not items:
            return 0
        list(self._senders().map(self.deliver, items))
        return len(items)

    # -- the service loop ---------------------------------------------------------------------

    def _wait_for_retry(self, stop: threading.Event, seconds: float) -> bool:
        """Wait out a retry delay, cut short by `stop` or by `wake`; True when woken."""
        deadline = time.monotonic() + seconds
        while not stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if self.wake.wait(min(left, 0.1)):
                self.wake.clear()
                return not stop.is_set()
        return False

    def run_forever(self, stop: threading.Event) -> None:
        """Deliver until `stop` is set: LISTEN moose_alerts wakes the loop at once (raise_alert
        notifies at commit); a poll every poll_interval catches retries and missed notifications.
        POSTs run in a pool of max_workers threads without waiting for a whole batch, so a
        hanging receiver holds one thread until its timeout while others keep sending. The
        database going away is logged and retried; in-flight rows are finished first on stop."""
        log.info("alert delivery: worker %s on %s, %s sender thread(s)", self.worker_id, redact(self.url),
                 self.max_workers)
        inflight: set[Future[str]] = set()
        listener: psycopg.Connection | None = None
        poll_interval = self._poll_interval
        next_poll = 0.0
        woken = False
        try:
            while not stop.is_set():
                finished = {f for f in inflight if f.done()}
                if finished:
                    # A sender came free: claim again at once, more may be due (a backlog, or rows
                    # held back by the per-channel in-flight cap).
                    inflight -= finished
                    next_poll = 0.0
                free = self.max_workers - len(inflight)
                try:
                    if listener is None or listener.closed or listener.broken:
                        listener = connect(self.url, autocommit=True, application_name=APPLICATION_NAME)
                        listener.prepare_threshold = None  # PgBouncer in transaction mode
                        listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
                        if poll_interval is None:
                            poll_interval = float(self.settings()["poll_interval_s"])
                        next_poll = 0.0
                        self.outage.succeeded("; woken by the runner's reconnect" if woken else "")
                        woken = False
                    now = time.monotonic()
                    if free > 0 and now >= next_poll:
                        items = self.claim(free)
                        next_poll = now + (poll_interval or 2.0)
                        for item in items:
                            inflight.add(self._senders().submit(self.deliver, item))
                    if len(inflight) >= self.max_workers:
                        wait_futures(inflight, timeout=0.25, return_when=FIRST_COMPLETED)
                    else:
                        # Short slices while POSTs are out, so a freed sender claims promptly.
                        slice_ = 0.02 if inflight else 0.25
                        timeout = max(min(slice_, next_poll - time.monotonic()), 0.001)
                        for _ in listener.notifies(timeout=timeout, stop_after=1):
                            next_poll = 0.0
                except psycopg.Error as error:
                    if not self.outage.down:
                        self.wake.clear()  # a wake from before this outage must not cut its first wait
                    retry_in = self.outage.failed(error)
                    if listener is not None:
                        listener.close()
                    listener = None
                    with self._lock:
                        if self._conn is not None:
                            self._conn.close()
                            self._conn = None
                    woken = self._wait_for_retry(stop, retry_in)
        finally:
            if listener is not None:
                listener.close()
            self.close()
            log.info("alert delivery: worker %s stopped (%s)", self.worker_id,
                     ", ".join(f"{k}={v}" for k, v in sorted(self.stats.items())) or "nothing sent")
