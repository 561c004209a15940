"""The runner's HTTP endpoint (`moose run --listen HOST:PORT`, default 127.0.0.1:9187):

- GET /metrics: Prometheus text format, ops_metrics() through runner/metrics.py's collector;
- GET /health: system_health() as JSON, 200 when its status is healthy, 503 otherwise, and 503
  with {"status": "unreachable", "reason": ...} when the database cannot be read;
- GET /livez: 200 while the service loop makes progress (the systemd watchdog's rule), else 503;
- anything else: 404.

It runs in threads of its own with its own database connection under a statement timeout, so a
slow database or a slow client never holds up the scheduler or the alert sender."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import psycopg
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import CollectorRegistry

from runner.metrics import DatabaseReader, OpsCollector

log = logging.getLogger("moose.http")
DEFAULT_LISTEN = "127.0.0.1:9187"


def parse_listen(value: str) -> tuple[str, int] | None:
    """"HOST:PORT" (IPv6 as [::1]:9187) to (host, port); "off" to None; ValueError otherwise."""
    text = value.strip()
    if text.lower() == "off":
        return None
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"--listen takes HOST:PORT or off, got {value!r}")
    return host.strip("[]"), int(port)


class OpsHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], reader: DatabaseReader, alive: Callable[[], bool]) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, OpsHandler)
        self.reader = reader
        self.alive = alive
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(OpsCollector(reader))


class OpsHandler(BaseHTTPRequestHandler):
    server: OpsHTTPServer
    server_version = "moose"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, value: object) -> None:
        self._send(status, json.dumps(value, default=str).encode() + b"\n", "application/json")

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/metrics":
            try:
                body = generate_latest(self.server.registry)
            except psycopg.Error as error:
                log.warning("GET /metrics: database: %s", str(error).strip())
                self._send(503, f"database unreachable: {str(error).strip()}\n".encode(), "text/plain")
                return
            self._send(200, body, CONTENT_TYPE_LATEST)
        elif path == "/health":
            try:
                health = self.server.reader.system_health()
            except psycopg.Error as error:
                self._json(503, {"status": "unreachable", "reason": str(error).strip()})
                return
            self._json(200 if health.get("status") == "healthy" else 503, health)
        elif path == "/livez":
            alive = self.server.alive()
            self._json(200 if alive else 503, {"status": "alive" if alive else "stalled"})
        else:
            self._json(404, {"error": "not found", "paths": ["/metrics", "/health", "/livez"]})

    do_HEAD = do_GET


class HttpEndpoint:
    """The server and its thread: start() binds (a failure is logged, the service goes on
    without HTTP), stop() shuts it down and closes its connection."""

    def __init__(self, url: str, address: tuple[str, int], alive: Callable[[], bool], *,
                 timeout: float = 5.0) -> None:
        self.reader = DatabaseReader(url, timeout)
        self.address = address
        self.alive = alive
        self.server: OpsHTTPServer | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> bool:
        try:
            self.server = OpsHTTPServer(self.address, self.reader, self.alive)
        except OSError as error:
            log.error("http: cannot listen on %s:%s (%s); serving no /metrics, /health, /livez",
                      self.address[0], self.address[1], error.strerror or error)
            return False
        host, port = self.server.server_address[:2]
        log.info("http: serving /metrics, /health and /livez on %s:%s", host, port)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.5},
                                       name="http", daemon=True)
        self.thread.start()
        return True

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        self.reader.close()
