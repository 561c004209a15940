"""Is the running embedded server the one the installed binaries would start?

When Debian upgrades `postgresql-15` (say 15.18 to 15.20) under a running cluster, the old
postmaster keeps running from the deleted old binary, while every new backend loads the new
version's libraries (plpgsql.so, ...) and fails with `undefined symbol` until a restart.
`moose db status` and `moose db up` compare the running server's version (`server_version_num`)
with what the installed binaries report (`<bindir>/postgres --version`) and say how to restart."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg

from runner.db import connect

_VERSION = re.compile(r"\(PostgreSQL\) (\d+)(?:\.(\d+))?")


@dataclass(frozen=True)
class VersionCheck:
    running: str | None  # e.g. "15.18"; None when the server could not be asked
    installed: str | None  # e.g. "15.20"; None when the binaries could not be run
    problem: str | None = None  # why one of them is unknown

    @property
    def restart_needed(self) -> bool:
        return self.running is not None and self.installed is not None and self.running != self.installed

    def advice(self) -> str:
        """One paragraph for the operator when a restart is needed."""
        newer = _number(self.installed) > _number(self.running)
        return (f"the installed PostgreSQL server binaries ({self.installed}) are "
                f"{'newer' if newer else 'older'} than the running embedded server ({self.running}): "
                "new connections may fail to load libraries (e.g. `plpgsql.so: undefined symbol`) "
                "until it restarts. Run `moose db restart` (connections are dropped, data is kept).")


def _number(version: str | None) -> int:
    major, _, minor = (version or "0").partition(".")
    return int(major) * 10000 + int(minor or 0)


def _from_number(number: int) -> str:
    return f"{number // 10000}.{number % 10000}"


def installed_version(bin_dir: Path) -> str:
    """`major.minor` of the server binary in bin_dir, from `postgres --version`."""
    result = subprocess.run([str(bin_dir / "postgres"), "--version"], capture_output=True, text=True,
                            timeout=30, check=False)
    found = _VERSION.search(result.stdout)
    if result.returncode != 0 or not found:
        raise ValueError(f"{bin_dir / 'postgres'} --version said {(result.stdout or result.stderr).strip()!r}")
    return f"{found.group(1)}.{found.group(2) or 0}"


def running_version(url: str) -> str:
    """`major.minor` of the server behind url (the postmaster's own binary: every backend is a
    fork of it, so this is what was started, not what is installed now)."""
    with connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT current_setting('server_version_num')::integer").fetchone()
    assert row is not None
    return _from_number(int(row[0]))


def check(url: str, bin_dir: Path) -> VersionCheck:
    problems: list[str] = []
    running = installed = None
    try:
        running = running_version(url)
    except psycopg.Error as error:
        problems.append(f"cannot ask the server: {str(error).strip()}")
    try:
        installed = installed_version(bin_dir)
    except (OSError, ValueError, subprocess.TimeoutExpired) as error:
        problems.append(f"cannot run the installed binaries: {error}")
    return VersionCheck(running, installed, "; ".join(problems) or None)


def status_lines(result: VersionCheck) -> list[str]:
    """What `moose db status` prints about versions."""
    lines = [f"server: {result.running or 'unknown'} running, {result.installed or 'unknown'} installed"]
    if result.problem:
        lines.append(f"version check: {result.problem}")
    if result.restart_needed:
        lines.append(f"restart needed: {result.advice()}")
    return lines
