"""`moose run` as systemd runs it: Type=notify messages over $NOTIFY_SOCKET (READY, WATCHDOG,
STOPPING), SIGHUP re-reading the config file (here switching to JSON log lines), and a bad
config file refused with a clear error."""

from __future__ import annotations

import json
import signal
import socket
from pathlib import Path

import psycopg
import pytest
from service_helpers import Lines, only_test_jobs, start_runner, stop, wait_for


def test_sd_notify_watchdog_and_sighup_reload(db_url: str, conn: psycopg.Connection, tmp_path: Path) -> None:
    only_test_jobs(conn)
    folder = tmp_path
    address = str(folder / "notify.sock")
    config = folder / "moose.toml"
    config.write_text("interval = 0.3\npoll = 0.1\n")
    messages: list[str] = []
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(address)
        sock.settimeout(0.2)

        def drain() -> list[str]:
            try:
                while True:
                    messages.append(sock.recv(4096).decode())
            except TimeoutError:
                pass
            return messages

        runner = start_runner(db_url, "run", "--config", str(config),
                              env={"NOTIFY_SOCKET": address, "WATCHDOG_USEC": "1000000"})
        lines = Lines(runner)
        try:
            wait_for(lambda: any(m.startswith("READY=1") for m in drain()), what="READY=1")
            wait_for(lambda: sum(m == "WATCHDOG=1" for m in drain()) >= 2, what="watchdog pings")
            config.write_text('interval = 0.3\npoll = 0.1\nlog_format = "json"\n')
            runner.send_signal(signal.SIGHUP)
            # Reloaded, and a health line after it, as JSON (waited for, not slept on).
            lines.wait(r'^\{.*"message": "config reloaded: ')
            lines.wait(r'^\{.*"message": "health:')
            runner.send_signal(signal.SIGTERM)
            runner.wait(timeout=60)
            lines.wait("moose run: stopped")
            drain()
        finally:
            stop(runner)
    output = lines.text()
    assert runner.returncode == 0, output
    assert "STOPPING=1" in messages
    assert "STATUS=running as" in next(m for m in messages if m.startswith("READY=1"))
    logged = output.splitlines()
    reload_at = next(i for i, line in enumerate(logged) if "received SIGHUP" in line)
    after = [json.loads(line) for line in logged[reload_at + 1:]]
    assert any(entry["message"].startswith("config reloaded: interval=0.3s poll=0.1s") for entry in after)
    assert any(entry["message"].startswith("health:") for entry in after), "health lines go on, now as JSON"
    assert after[-1]["message"] == "moose run: stopped"


def run_with_config(db_url: str, tmp_path: Path, text: str, *args: str) -> tuple[int, str]:
    """`moose run --config` with a moose.toml holding `text`, to its end: (exit status, output)."""
    config = tmp_path / "moose.toml"
    config.write_text(text)
    runner = start_runner(db_url, "run", "--config", str(config), *args)
    try:
        output, _ = runner.communicate(timeout=60)
    finally:
        stop(runner)
    return runner.returncode, output


@pytest.mark.parametrize(("text", "error"), [
    ("intervall = 3\n", "unknown setting(s) intervall"),
    ('interval = "fast"\n', "interval must be a float, got 'fast'"),
], ids=["unknown-setting", "wrong-type"])
def test_bad_config_file_is_refused(db_url: str, tmp_path: Path, text: str, error: str) -> None:
    """An unknown setting, or a value of the wrong type, stops `moose run` before it starts."""
    returncode, output = run_with_config(db_url, tmp_path, text)
    assert returncode == 1
    assert error in output


def test_the_config_file_log_format_applies_from_the_start(db_url: str, tmp_path: Path) -> None:
    returncode, output = run_with_config(db_url, tmp_path, 'log_format = "json"\ninterval = 0.2\n',
                                         "--iterations", "1", "--no-deliver")
    assert returncode == 0, output
    messages = [json.loads(line)["message"] for line in output.splitlines()]
    assert any(m.startswith("health:") for m in messages)
