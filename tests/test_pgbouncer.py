"""The scheduler through a real PgBouncer (Debian's) in transaction pool mode, where a client's
transactions land on whichever server connection is free: session advisory locks, LISTEN and
server-side prepared statements would break; row leases do not. Three runners share a pool of
two server connections, which only transaction pooling allows."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict
from service_helpers import install_tick_job, only_test_jobs, run_side_by_side, scalar, start_runner, stop, wait_for

from runner.scheduler import Scheduler

PGBOUNCER = "/usr/sbin/pgbouncer"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def bouncer_url(db_url: str) -> Iterator[str]:
    assert Path(PGBOUNCER).exists(), "Debian's pgbouncer is required (make test installs it)"
    info = conninfo_to_dict(db_url)
    port = _free_port()
    folder = Path(tempfile.mkdtemp(prefix="moose-pgbouncer-", dir="/tmp"))
    folder.chmod(0o755)
    (folder / "users.txt").write_text(f'"{info["user"]}" ""\n')
    target = (f'{info["dbname"]} = host={info.get("host", "127.0.0.1")} port={info.get("port", 5432)} '
              f'dbname={info["dbname"]} user={info["user"]}')
    (folder / "pgbouncer.ini").write_text(f"""
[databases]
{target}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = any
auth_file = {folder}/users.txt
pool_mode = transaction
default_pool_size = 2
max_client_conn = 50
ignore_startup_parameters = extra_float_digits,application_name
logfile = {folder}/pgbouncer.log
pidfile = {folder}/pgbouncer.pid
""")
    user: str | None = None
    if os.geteuid() == 0:  # pgbouncer refuses to run as root
        user = "postgres"
        entry = pwd.getpwnam(user)
        for path in (folder, *folder.iterdir()):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    proc = subprocess.Popen([PGBOUNCER, str(folder / "pgbouncer.ini")], user=user,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"postgresql://{info['user']}@127.0.0.1:{port}/{info['dbname']}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with psycopg.connect(url, connect_timeout=2):
                    break
            except psycopg.OperationalError as error:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log = (folder / "pgbouncer.log").read_text() if (folder / "pgbouncer.log").exists() else ""
                    raise RuntimeError(f"pgbouncer did not start: {log[-2000:]}") from error
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(folder, ignore_errors=True)


def test_pgbouncer_runs_in_transaction_mode(bouncer_url: str) -> None:
    with psycopg.connect(bouncer_url, autocommit=True, prepare_threshold=None) as a, \
            psycopg.connect(bouncer_url, autocommit=True, prepare_threshold=None) as b:
        pids = {scalar(a, "SELECT pg_backend_pid()") for _ in range(20)} | {
            scalar(b, "SELECT pg_backend_pid()") for _ in range(20)}
        assert len(pids) <= 2, "at most default_pool_size server connections serve all clients"


def test_scheduler_through_pgbouncer(bouncer_url: str, conn: psycopg.Connection) -> None:
    only_test_jobs(conn)
    install_tick_job(conn, "pooled", "1 second")
    scheduler = Scheduler(bouncer_url)
    try:
        # More than psycopg's prepare threshold (5): no server-side prepared statement may be used.
        for _ in range(8):
            conn.execute("UPDATE jobs SET next_run_at = now() WHERE name = 'pooled'")
            assert [o["outcome"] for o in scheduler.run_due()] == ["succeeded"]
            scheduler.heartbeat({"via": "pgbouncer"})
    finally:
        scheduler.close()
    assert scalar(conn, "SELECT count(*) FROM t_ticks") == 8


def test_three_runners_share_two_server_connections(bouncer_url: str, conn: psycopg.Connection) -> None:
    only_test_jobs(conn)
    for name in ("pb_a", "pb_b", "pb_c"):
        install_tick_job(conn, name, "1 second", sleep=0.1)
    run_side_by_side(bouncer_url, conn, 3, poll="0.1", runs=6)
    assert scalar(conn, "SELECT count(*) FROM job_runs WHERE outcome <> 'succeeded'") == 0


def test_alert_delivery_through_pgbouncer(bouncer_url: str, conn: psycopg.Connection) -> None:
    """`moose run` delivers alerts through PgBouncer too: no prepared statements (they broke
    here before: "prepared statement _pg3_0 already exists"), and polling instead of the
    LISTEN wake-up that transaction pooling cannot carry."""
    received: list[bytes] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    only_test_jobs(conn)
    conn.execute("UPDATE system_config SET value = '\"100 milliseconds\"' WHERE key = 'alert_poll_interval'")
    conn.execute("SELECT add_alert_channel('local', 'webhook', %s, NULL, 'info')",
                 (f"http://127.0.0.1:{server.server_address[1]}/hook",))
    runner = start_runner(bouncer_url, "run", "--no-jobs", "--interval", "60")
    try:
        for n in range(12):  # spread out, so the claim query runs well past psycopg's prepare threshold
            conn.execute("SELECT raise_alert('error', 'test.pooled', %s, 'b', %s)", (f"alert {n}", f"pooled-{n}"))
            time.sleep(0.3)
        wait_for(lambda: len(received) >= 12, timeout=30, what="12 deliveries through pgbouncer")
    finally:
        output = stop(runner)
        server.shutdown()
    assert "prepared statement" not in output, output
    assert "database error" not in output, output
    assert scalar(conn, "SELECT count(*) FROM alert_deliveries WHERE status = 'delivered'") == 12
