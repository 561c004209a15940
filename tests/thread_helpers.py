"""Threads for the concurrency tests: callers on threads of their own, what they raised
collected for the test to assert on."""

from __future__ import annotations

import threading
from collections.abc import Callable


def in_threads(count: int, target: Callable[[int], object], *, timeout: float = 120) -> list[BaseException]:
    """target(0) .. target(count - 1), each on a thread of its own; waits for them all (up to
    `timeout` seconds each: a deadline on a hang, failing the test) and returns what they raised."""
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            target(index)
        except BaseException as error:  # returned to the test, with the others
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    alive = sum(thread.is_alive() for thread in threads)
    assert not alive, f"{alive} of {count} caller threads still running after {timeout:.0f} s"
    return errors


def together(count: int, target: Callable[[int], object], *, timeout: float = 120) -> list[BaseException]:
    """in_threads, each thread waiting at one barrier until all have started, so that they run at once."""
    barrier = threading.Barrier(count)

    def at_once(index: int) -> None:
        barrier.wait()
        target(index)

    return in_threads(count, at_once, timeout=timeout)
