"""Reconnecting without flooding the log: a backoff schedule, and an outage tracker that logs one
line when the database goes away, a reminder every `remind_every` seconds while it stays away,
and one line when it is back. The clock is injectable, so the pace is tested without sleeping.

    outage = Outage("moose run", log, Backoff(1.0, 15.0), remind_every=60.0)
    try: ...                                   # something that needs the database
    except psycopg.Error as error:
        wait(outage.failed(error))             # seconds until the next try
    else:
        if outage.succeeded(): ...             # True once, when it was down and is back
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """initial, initial*factor, ... up to maximum seconds between tries."""

    initial: float = 1.0
    maximum: float = 15.0
    factor: float = 2.0

    def __post_init__(self) -> None:
        if not (0 < self.initial <= self.maximum) or self.factor < 1:
            raise ValueError(f"backoff needs 0 < initial <= maximum and factor >= 1, got {self}")

    def delay(self, failures: int) -> float:
        """Seconds to wait after the `failures`-th failure in a row (1-based)."""
        return min(self.initial * self.factor ** max(failures - 1, 0), self.maximum)


class Outage:
    """The database's reachability as one loop sees it, and what to log about it."""

    def __init__(self, what: str, log: logging.Logger, backoff: Backoff, *, remind_every: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.what = what
        self.log = log
        self.backoff = backoff
        self.remind_every = remind_every
        self.clock = clock
        self.down_since: float | None = None
        self.failures = 0
        self._next_reminder = 0.0

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def failed(self, error: BaseException) -> float:
        """Record a failed try; log on the change to down and at each reminder; return the
        seconds to wait before the next try."""
        now = self.clock()
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        self.failures += 1
        delay = self.backoff.delay(self.failures)
        if self.down_since is None:
            self.down_since = now
            self._next_reminder = now + self.remind_every
            self.log.error("%s: database unreachable, retrying in %g s, backing off to every %g s "
                           "(a reminder every %g s while it lasts): %s", self.what, delay,
                           self.backoff.maximum, self.remind_every, reason)
        elif now >= self._next_reminder:
            while self._next_reminder <= now:
                self._next_reminder += self.remind_every
            self.log.warning("%s: database still unreachable after %.0f s, %d failed tries, retrying every "
                             "%g s: %s", self.what, now - self.down_since, self.failures, delay, reason)
        self.log.debug("%s: try %d failed, next try in %g s", self.what, self.failures, delay)
        return delay

    def succeeded(self, note: str = "") -> bool:
        """Record a successful try; True (and one log line) when the database was down."""
        if self.down_since is None:
            return False
        self.log.info("%s: database reachable again after %.1f s (%d failed tries%s)", self.what,
                      self.clock() - self.down_since, self.failures, note)
        self.down_since = None
        self.failures = 0
        return True
