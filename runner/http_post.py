"""One alert POST, bounded as a whole: connecting, the TLS handshake, sending the body and
reading the answer together take at most the channel's timeout, so a receiver that trickles
bytes (each read arriving just inside a per-read timeout) cannot hold a sender any longer.

How: the TCP connect gets the timeout; once connected, a timer shuts the socket down at the
deadline, which ends whatever read or write is blocked at that moment. Redirects are reported,
not followed."""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PostResult:
    """What came back: an HTTP status, or the transport error when there was no response."""

    status_code: int | None
    error: str | None
    elapsed: float
    retry_after: str | None = None  # the receiver's Retry-After header as received (SQL reads it)


class Deadline:
    """Connects within the time left, then shuts the socket down when the time is up."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds
        self.expired = False
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._sock: socket.socket | None = None

    def left(self) -> float:
        return self.at - time.monotonic()

    def connect(self, address: tuple[str, int], _timeout: object = None,
                source_address: tuple[str, int] | None = None) -> socket.socket:
        """socket.create_connection bounded by the time left, then the deadline armed on it."""
        sock = socket.create_connection(address, max(self.left(), 0.001), source_address)
        with self._lock:
            # A duplicate descriptor: shutdown() acts on the connection itself, whichever object
            # (plain, or the TLS socket that later wraps it) is reading or writing by then.
            self._sock = socket.socket(fileno=os.dup(sock.fileno()))
            self._timer = threading.Timer(max(self.left(), 0.0), self._expire)
            self._timer.daemon = True
            self._timer.start()
        return sock

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            if self._sock is not None:
                with contextlib.suppress(OSError):
                    self._sock.shutdown(socket.SHUT_RDWR)

    def disarm(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            if self._sock is not None:
                self._sock.close()
                self._sock = None


def _bounded(base: type[http.client.HTTPConnection], deadline: Deadline) -> Callable[..., Any]:
    def make(host: str, **kwargs: Any) -> http.client.HTTPConnection:
        connection = base(host, **kwargs)
        connection._create_connection = deadline.connect  # type: ignore[attr-defined]
        return connection
    return make


def _deadline_of(request: urllib.request.Request) -> Deadline:
    deadline = getattr(request, "moose_deadline", None)
    if not isinstance(deadline, Deadline):
        raise ValueError("post_json's opener needs a request with a Deadline")
    return deadline


class _BoundedHTTP(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_bounded(http.client.HTTPConnection, _deadline_of(req)), req)


class _BoundedHTTPS(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_bounded(http.client.HTTPSConnection, _deadline_of(req)), req,
                            context=self._context)  # type: ignore[attr-defined]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer to report (3xx), not something to follow with the body dropped."""

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                         headers: Any, newurl: str) -> None:
        return None


_OPENER = urllib.request.build_opener(_BoundedHTTP(), _BoundedHTTPS(), _NoRedirect())


def _post(request: urllib.request.Request, timeout: float, started: float) -> PostResult:
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            response.read(65536)
            return PostResult(response.status, None, time.monotonic() - started)
    except urllib.error.HTTPError as error:
        with error:
            return PostResult(error.code, None, time.monotonic() - started,
                              error.headers.get("Retry-After") if error.headers else None)
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, TimeoutError):
            return PostResult(None, f"timeout after {timeout:g} s", time.monotonic() - started)
        return PostResult(None, f"connection error: {reason}", time.monotonic() - started)
    except TimeoutError:
        return PostResult(None, f"timeout after {timeout:g} s", time.monotonic() - started)
    except (OSError, http.client.HTTPException, ValueError) as error:
        return PostResult(None, f"{type(error).__name__}: {error}", time.monotonic() - started)


def post_json(url: str, headers: Mapping[str, str], body: bytes, timeout: float) -> PostResult:
    """POST the body as is; the whole request (connect, send, read) takes at most `timeout`
    seconds, after which it is reported as `timeout after <timeout> s`."""
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    deadline = Deadline(timeout)
    request.moose_deadline = deadline  # type: ignore[attr-defined]
    started = time.monotonic()
    try:
        result = _post(request, timeout, started)
    finally:
        deadline.disarm()
    if deadline.expired:
        # Cut off mid-answer: even a status line read before the cut is not a whole answer (a
        # shut-down socket reads as the end of the headers or body). At-least-once: retried.
        return PostResult(None, f"timeout after {timeout:g} s", result.elapsed)
    return result
