"""One HTTP POST of an alert delivery's body, as runner/delivery.py sends it: no redirects
followed, a timeout, and what came back (an HTTP status with its Retry-After header, or the
transport error) as a PostResult for SQL to judge."""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PostResult:
    """What came back: an HTTP status, or the transport error when there was no response."""

    status_code: int | None
    error: str | None
    elapsed: float
    retry_after: str | None = None  # the receiver's Retry-After header as received (SQL reads it)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer to report (3xx), not something to follow with the body dropped."""

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                         headers: Any, newurl: str) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect())


def post_json(url: str, headers: Mapping[str, str], body: bytes, timeout: float) -> PostResult:
    """POST the body as is. The timeout bounds the connect and every read (a receiver that
    accepts and never answers times out after `timeout` seconds)."""
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    started = time.monotonic()
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
