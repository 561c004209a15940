"""The deploy files: the systemd unit passes `systemd-analyze verify` and says what the service
needs (Type=notify, watchdog, restart on failure, a dedicated user, hardening, SIGHUP reload);
postgrest.conf exposes only the function surface through a hook that exists."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
from service_helpers import PROJECT_ROOT

UNIT = PROJECT_ROOT / "deploy" / "moose-runner.service"
POSTGREST = PROJECT_ROOT / "deploy" / "postgrest.conf"


def unit_sections() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(UNIT.read_text())
    return parser


def test_unit_has_what_the_service_needs() -> None:
    unit = unit_sections()
    service = unit["Service"]
    assert service["Type"] == "notify"
    assert service["Restart"] == "on-failure"
    assert service["User"] == "moose" and service["Group"] == "moose"
    assert int(service["WatchdogSec"].rstrip("s")) >= 30
    assert service["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert service["ExecStart"].endswith("moose run")
    for hardening in ("NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp", "RestrictAddressFamilies",
                      "CapabilityBoundingSet", "SystemCallFilter", "MemoryDenyWriteExecute"):
        assert hardening in service, hardening
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze (Debian's systemd package) is needed"
    moose = Path(sys.executable).parent / "moose"
    text = UNIT.read_text().replace("/opt/moose/.venv/bin/moose", str(moose)).replace(
        "WorkingDirectory=/opt/moose", f"WorkingDirectory={PROJECT_ROOT}")
    folder = tmp_path
    (folder / "moose-runner.service").write_text(text)
    result = subprocess.run([analyze, "verify", str(folder / "moose-runner.service")], capture_output=True, text=True,
                            check=False)
    problems = [line for line in (result.stdout + result.stderr).splitlines()
                if "moose-runner.service" in line and "EnvironmentFile" not in line]
    assert problems == [], problems


def test_postgrest_conf_serves_only_functions(conn: psycopg.Connection) -> None:
    settings = {}
    for line in POSTGREST.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, value = line.split("=", 1)
            settings[key.strip()] = value.strip().strip('"')
    assert settings["db-anon-role"] == "anon"
    assert settings["db-schemas"] == "public"
    assert settings["db-prepared-statements"] == "false"
    hook = settings["db-pre-request"]
    assert conn.execute("SELECT to_regprocedure(%s || '()') IS NOT NULL", (hook,)).fetchone() == (True,)
