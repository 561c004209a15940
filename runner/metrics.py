"""GET /metrics and GET /health read from the database: ops_metrics() rendered by a
prometheus_client custom collector, and system_health() as JSON. The figures and the rules live
in SQL (db/functions/health/ops_metrics.sql); this module only turns rows into metric families.
Each read runs in its own transaction under a statement timeout (SET LOCAL, so it also holds
through PgBouncer in transaction mode) on the HTTP server's own connection."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from runner.db import connect

OPS_METRICS_SQL = "SELECT name, type, help, labels, value FROM public.ops_metrics()"
HEALTH_SQL = "SELECT public.system_health()"
Row = tuple[str, str, str, dict[str, Any], Any]


class DatabaseReader:
    """One connection, opened on first use and again after it breaks, shared by the server's
    request threads one at a time; every query runs under `timeout` seconds."""

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        self.url = url
        self.timeout = timeout
        self._conn: psycopg.Connection | None = None
        self._lock = threading.Lock()

    def _query(self, query: str) -> list[tuple[Any, ...]]:
        with self._lock:
            if self._conn is None or self._conn.closed:
                self._conn = connect(self.url, autocommit=True, application_name="moose http")
            try:
                with self._conn.transaction():
                    self._conn.execute("SELECT set_config('statement_timeout', %s, true)",
                                       (f"{int(self.timeout * 1000)}ms",))
                    return self._conn.execute(query.encode()).fetchall()
            except psycopg.OperationalError:
                self.close_unlocked()
                raise

    def ops_metrics(self) -> list[Row]:
        return [(str(r[0]), str(r[1]), str(r[2]), dict(r[3]), r[4]) for r in self._query(OPS_METRICS_SQL)]

    def system_health(self) -> dict[str, Any]:
        value = self._query(HEALTH_SQL)[0][0]
        return value if isinstance(value, dict) else json.loads(value)

    def close_unlocked(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def close(self) -> None:
        with self._lock:
            self.close_unlocked()


class OpsCollector(Collector):
    """Renders the rows of ops_metrics() as metric families (label values escaped by the
    library), plus moose_scrape_duration_seconds: how long reading them took, round trip."""

    def __init__(self, reader: DatabaseReader) -> None:
        self.reader = reader

    def collect(self) -> Iterator[Metric]:
        started = time.perf_counter()
        rows = self.reader.ops_metrics()
        elapsed = time.perf_counter() - started
        families: dict[str, GaugeMetricFamily | CounterMetricFamily] = {}
        label_names: dict[str, list[str]] = {}
        for name, kind, help_text, labels, value in rows:
            family = families.get(name)
            if family is None:
                label_names[name] = sorted(labels)
                family_type = CounterMetricFamily if kind == "counter" else GaugeMetricFamily
                family = families[name] = family_type(name, help_text, labels=label_names[name])
            family.add_metric([str(labels.get(key, "")) for key in label_names[name]], float(value))
        yield from families.values()
        duration = GaugeMetricFamily("moose_scrape_duration_seconds",
                                     "Time the runner took to read ops_metrics() for this scrape.")
        duration.add_metric([], elapsed)
        yield duration
