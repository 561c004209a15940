"""sd_notify without dependencies: READY=1, WATCHDOG=1, STOPPING=1 and STATUS= over the datagram
socket systemd names in $NOTIFY_SOCKET (Type=notify units). Outside systemd every call is a no-op."""

from __future__ import annotations

import os
import socket


def _address() -> str | None:
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return None
    if address.startswith("@"):  # abstract namespace
        return "\0" + address[1:]
    return address


def notify(*lines: str) -> bool:
    """Send state lines (e.g. "READY=1", "STATUS=running") to systemd; False when not under systemd."""
    address = _address()
    if address is None:
        return False
    payload = "\n".join(lines).encode()
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(address)
            sock.sendall(payload)
        except OSError:
            return False
    return True


def watchdog_interval() -> float | None:
    """Seconds between watchdog pings (half of WatchdogSec), or None when no watchdog is set up
    for this process."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    try:
        return max(int(usec) / 1_000_000 / 2, 0.5)
    except ValueError:
        return None
