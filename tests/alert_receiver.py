"""A real HTTP receiver on 127.0.0.1 for the alert tests (bench/alerts.py has its own, lighter
one): records every request (path, headers, raw body, arrival time) and answers per path from a script: a list of status
codes to return in turn (then 200), an optional delay, a Retry-After header on the non-2xx
answers, a hang until the receiver stops, a hold (after the first n requests, each request waits
for the test's `release()` before its answer: a sender caught mid-request, as long as the test
needs), or a trickle: the answer sent one byte at a time (in its headers or in its body), each
byte well inside any per-read timeout, never finishing."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.body)


class _Server(ThreadingHTTPServer):
    # pg_net's worker opens a whole batch of connections at once: with the default listen
    # backlog (5) the kernel drops some, and those requests end as pg_net timeouts.
    request_queue_size = 1024
    daemon_threads = True


@dataclass
class Receiver:
    statuses: dict[str, list[int]] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)
    hang: set[str] = field(default_factory=set)
    held: dict[str, int] = field(default_factory=dict)  # path -> requests answered before the rest wait
    retry_after: dict[str, str] = field(default_factory=dict)  # Retry-After sent with non-2xx answers
    trickle: dict[str, str] = field(default_factory=dict)  # path -> "headers" or "body"
    trickle_every: float = 0.05  # seconds between two trickled bytes
    requests: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Condition()
        self._stopping = threading.Event()
        self._released = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                number = receiver._record(Received(self.path, {k.lower(): v for k, v in self.headers.items()},
                                                   body, time.time()))
                if self.path in receiver.hang:
                    receiver._stopping.wait(60)
                    return
                if receiver._holds(self.path, number):
                    receiver._released.wait(300)
                    if receiver._stopping.is_set():
                        return
                if self.path in receiver.trickle:
                    self._trickle(receiver.trickle[self.path])
                    return
                try:
                    self._answer()
                except OSError:  # a held request whose sender is gone
                    return

            def _answer(self) -> None:
                delay = receiver.delays.get(self.path, 0.0)
                if delay:
                    time.sleep(delay)
                status = receiver._next_status(self.path)
                payload = b'{"ok": true}' if status < 300 else b'{"error": "scripted"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                if status >= 300 and self.path in receiver.retry_after:
                    self.send_header("Retry-After", receiver.retry_after[self.path])
                self.end_headers()
                self.wfile.write(payload)

            def _trickle(self, where: str) -> None:
                """About 100 s of bytes at trickle_every apart: far longer than any test waits."""
                count = int(100 / receiver.trickle_every)
                if where == "headers":
                    head, tail = b"HTTP/1.1 200 OK\r\nX-Pad: ", b"a" * count
                else:
                    head, tail = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % count, b"a" * count
                try:
                    self.wfile.write(head)
                    self.wfile.flush()
                    for byte in tail:
                        if receiver._stopping.wait(receiver.trickle_every):
                            return
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                except OSError:  # the sender gave up and closed: what the test wants
                    return

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _record(self, item: Received) -> int:
        """Keeps the request; returns its number among the requests to its path (from 1)."""
        with self._lock:
            self.requests.append(item)
            self._lock.notify_all()
            return sum(r.path == item.path for r in self.requests)

    def _holds(self, path: str, number: int) -> bool:
        """Whether the number-th request to path waits for release()."""
        return path in self.held and number > self.held[path] and not self._released.is_set()

    def release(self) -> None:
        """Answer the held requests, and every later one at once."""
        self._released.set()

    def _next_status(self, path: str) -> int:
        with self._lock:
            script = self.statuses.get(path)
            return script.pop(0) if script else 200

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stopping.set()
        self._released.set()
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def on(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def wait_for(self, count: int, path: str | None = None, timeout: float = 60.0) -> list[Received]:
        """Wait until `count` requests (to `path`, or any) have arrived; returns them."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                got = [r for r in self.requests if path is None or r.path == path]
                if len(got) >= count:
                    return got
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} request(s) to {path or 'any path'}, got {len(got)}")
                self._lock.wait(left)
