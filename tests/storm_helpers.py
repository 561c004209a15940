"""Storms that run until they have done what the test needs, never for a fixed time: threads
loop until `stop`, count what they did, and the test waits for its goals (so many admitted
calls, so many limit changes, so many samples) up to a generous deadline that fails with the
figures reached. What a storm asserts afterwards is an invariant, or a count of things done,
never a count of things done inside a time window (docs/TESTING.md)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping

DEADLINE = 240.0


class Storm:
    def __init__(self) -> None:
        self.stop = threading.Event()
        self.errors: list[BaseException] = []
        self.counts: Counter[str] = Counter()
        self._changed = threading.Condition()
        self._threads: list[threading.Thread] = []

    def count(self, key: str, n: int = 1) -> None:
        with self._changed:
            self.counts[key] += n
            self._changed.notify_all()

    def wait_count(self, key: str, n: int, deadline: float = DEADLINE) -> bool:
        """For a storm thread: wait until `key` has reached `n`; False when the storm stopped first."""
        end = time.monotonic() + deadline
        with self._changed:
            while self.counts[key] < n:
                if self.stop.is_set() or time.monotonic() > end:
                    return False
                self._changed.wait(0.1)
        return True

    def start(self, target: Callable[..., object], *args: object) -> None:
        """`target(*args)` on a thread of its own; what it raises is kept and stops the storm."""
        def run() -> None:
            try:
                target(*args)
            except BaseException as error:  # handed to the test by run_until
                with self._changed:
                    self.errors.append(error)
                    self._changed.notify_all()
                self.stop.set()

        thread = threading.Thread(target=run, name=getattr(target, "__name__", "storm"))
        self._threads.append(thread)
        thread.start()

    def _reached(self, goals: Mapping[str, int]) -> bool:
        return all(self.counts[key] >= n for key, n in goals.items())

    def run_until(self, goals: Mapping[str, int], deadline: float = DEADLINE) -> Counter[str]:
        """Wait until every count has reached its goal (or a thread failed), then stop and join
        the threads. Asserts that none raised and every goal was reached, printing the counts."""
        started = time.monotonic()
        end = started + deadline
        with self._changed:
            while not self.errors and not self._reached(goals) and time.monotonic() < end:
                self._changed.wait(0.2)
        self.stop.set()
        print(f"storm: {dict(self.counts)} after {time.monotonic() - started:.1f} s")  # shown with -s or on failure
        for thread in self._threads:
            thread.join(timeout=deadline)
        alive = [thread.name for thread in self._threads if thread.is_alive()]
        assert not alive, f"storm threads still running {deadline:.0f} s after the stop: {alive}"
        assert self.errors == [], self.errors[:3]
        assert self._reached(goals), f"goals {dict(goals)} not reached within {deadline:.0f} s: {dict(self.counts)}"
        return self.counts
