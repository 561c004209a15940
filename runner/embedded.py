"""The project's own PostgreSQL cluster for a laptop or CI: Debian's binaries, data in a
git-ignored folder, its own port and socket. initdb and pg_ctl refuse to run as root, so as root
every server command runs as the `postgres` user."""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from runner import embedded_version, preload, settings
from runner.db import connect
from runner.embedded_version import VersionCheck

PG_BIN_DIR = Path(os.environ.get("MOOSE_PG_BIN", "/usr/lib/postgresql/15/bin"))
PORT_BASE = 54330
PORT_SPAN = 200
SERVER_USER = "postgres"
# A Unix socket path (folder + "/.s.PGSQL.<port>") longer than this makes PostgreSQL refuse to
# start ("could not create any Unix-domain sockets"): sun_path is 108 bytes with its NUL.
SOCKET_PATH_MAX = 107
SHORT_SOCKET_PARENT = Path("/tmp")
INITDB_OPTIONS = ("-U", SERVER_USER, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")


class ClusterError(RuntimeError):
    """Something the operator has to fix; the message says what."""


@dataclass(frozen=True)
class ClusterStatus:
    initialized: bool
    running: bool
    port: int | None
    data_dir: Path
    log_file: Path


def _socket_dir_for(root: Path) -> Path:
    """<root>/run, unless a checkout's deep path would make the socket path too long for
    PostgreSQL; then a short per-cluster folder under /tmp (clients use TCP anyway)."""
    wanted = root / "run"
    if len(os.fsencode(wanted / f".s.PGSQL.{PORT_BASE + PORT_SPAN}")) <= SOCKET_PATH_MAX:
        return wanted
    return SHORT_SOCKET_PARENT / f"moose-{hashlib.sha1(str(root).encode()).hexdigest()[:12]}"


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class EmbeddedCluster:
    def __init__(self, root: Path | None = None) -> None:
        self.root = self._usable_root(root or settings.state_dir())
        self.data_dir = self.root / "pgdata"
        self.socket_dir = _socket_dir_for(self.root)
        self.log_file = self.root / "postgres.log"
        self.port_file = self.root / "port"

    # -- identity and permissions ---------------------------------------------------------

    @staticmethod
    def _running_as_root() -> bool:
        return os.geteuid() == 0

    def _usable_root(self, wanted: Path) -> Path:
        """As root, the server user must be able to reach the data folder; when the checkout
        lives somewhere it cannot enter, keep the cluster under /var/lib instead."""
        if not self._running_as_root():
            return wanted
        probe = wanted
        while not probe.exists():
            probe = probe.parent
        reachable = subprocess.run(
            ["runuser", "-u", SERVER_USER, "--", "test", "-x", str(probe)],
            capture_output=True, check=False,
        ).returncode == 0
        if reachable:
            return wanted
        digest = hashlib.sha1(str(wanted).encode()).hexdigest()[:12]
        return Path("/var/lib/moose-embedded") / digest

    def _server_command(self, argv: list[str]) -> list[str]:
        if self._running_as_root():
            return ["runuser", "-u", SERVER_USER, "--", *argv]
        return argv

    def _run(self, argv: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(self._server_command(argv), capture_output=True, text=True,
                                cwd=self.root, check=False)
        if check and result.returncode != 0:
            raise ClusterError(f"{Path(argv[0]).name} failed: {result.stderr.strip() or result.stdout.strip()}")
        return result

    def _prepare_folders(self) -> None:
        for path in (self.root, self.socket_dir):
            path.mkdir(parents=True, exist_ok=True)
        owner = pwd.getpwnam(SERVER_USER).pw_uid if self._running_as_root() else os.geteuid()
        if not self.socket_dir.is_relative_to(self.root):
            # A predictable name in a shared folder: use it only if it is really ours.
            info = self.socket_dir.lstat()
            if self.socket_dir.is_symlink() or info.st_uid not in (owner, os.geteuid()):
                raise ClusterError(f"{self.socket_dir} (the short socket folder of {self.root}) belongs to "
                                   "someone else: remove it, or use a shorter MOOSE_STATE_DIR")
            self.socket_dir.chmod(0o700)
        if self._running_as_root():
            entry = pwd.getpwnam(SERVER_USER)
            for path in (self.root, self.socket_dir):
                os.chown(path, entry.pw_uid, entry.pw_gid)

    # -- state ------------------------------------------------------------------------------

    @property
    def initialized(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    @property
    def running(self) -> bool:
        if not self.initialized:
            return False
        return self._run([str(PG_BIN_DIR / "pg_ctl"), "status", "-D", str(self.data_dir)],
                         check=False).returncode == 0

    @property
    def port(self) -> int | None:
        try:
            return int(self.port_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def status(self) -> ClusterStatus:
        return ClusterStatus(self.initialized, self.running, self.port, self.data_dir, self.log_file)

    def url(self, dbname: str = settings.DEFAULT_DATABASE) -> str:
        port = self.port
        if port is None:
            raise ClusterError("the embedded cluster has no port yet: run `moose db up` first")
        return f"postgresql://{SERVER_USER}@127.0.0.1:{port}/{dbname}"

    # -- lifecycle --------------------------------------------------------------------------

    def _choose_port(self) -> int:
        requested = os.environ.get("MOOSE_PG_PORT")
        if requested:
            try:
                port = int(requested)
            except ValueError:
                port = 0
            if not 1024 <= port <= 65535:
                raise ClusterError(f"MOOSE_PG_PORT={requested!r} is not a port number: use one from 1024 to 65535, "
                                   "or unset MOOSE_PG_PORT to let moose find a free one")
            if not _port_is_free(port):
                raise ClusterError(
                    f"port {port} (MOOSE_PG_PORT) is taken by another program. Choose another free port: "
                    f"MOOSE_PG_PORT=<port> moose db up, or unset MOOSE_PG_PORT to let moose find a free one")
            return port
        known = self.port
        if known is not None:
            if _port_is_free(known):
                return known
            raise ClusterError(
                f"port {known} (remembered in {self.port_file}) is taken by another program. "
                f"Stop that program, or choose another port: MOOSE_PG_PORT=<port> moose db up")
        # Start the search at a place derived from this checkout, so two clones rarely race.
        offset = int(hashlib.sha1(str(self.root).encode()).hexdigest(), 16) % PORT_SPAN
        for step in range(PORT_SPAN):
            port = PORT_BASE + (offset + step) % PORT_SPAN
            if _port_is_free(port):
                return port
        raise ClusterError(f"no free port between {PORT_BASE} and {PORT_BASE + PORT_SPAN - 1}; set MOOSE_PG_PORT")

    def _initdb(self) -> None:
        if not (PG_BIN_DIR / "initdb").exists():
            raise ClusterError(f"PostgreSQL binaries not found in {PG_BIN_DIR}: install postgresql-15 "
                               "(make run does) or set MOOSE_PG_BIN")
        template = os.environ.get("MOOSE_INITDB_TEMPLATE")  # a copy of one initdb: embedded_pristine.py
        if template and (Path(template) / "PG_VERSION").is_file():
            self._run(["cp", "-a", template, str(self.data_dir)])
        else:
            self._run([str(PG_BIN_DIR / "initdb"), *INITDB_OPTIONS, "-D", str(self.data_dir)])
        extra = [
            "# Written by `moose db up`: a private development cluster.",
            "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{self.socket_dir}'",
            "max_connections = 200",
            "shared_buffers = 256MB",
            "timezone = 'UTC'",
            "log_timezone = 'UTC'",
        ]
        conf = self.data_dir / "postgresql.conf"
        self._run(["sh", "-c", f"printf '%s\\n' \"$@\" >> {conf}", "sh", *extra])

    def up(self) -> int:
        """Initialise if needed, start if stopped, make sure the default database exists."""
        self._prepare_folders()
        if not self.initialized:
            self._initdb()
        if self._sync_preload() and self.running:
            self.down()  # shared_preload_libraries changed: it applies at the next start
        if not self.running:
            self.start_server()
        self._wait_ready()
        self.ensure_database(settings.DEFAULT_DATABASE)
        if "pg_net" in preload.installed_libraries(PG_BIN_DIR.parent / "lib"):
            # pg_net's worker retries every second, with a FATAL each time, until its database exists.
            self.ensure_database(preload.pg_net_database())
        preload.create_pg_cron(self.url("postgres"))  # in cron.database_name, when pg_cron is preloaded
        assert self.port is not None
        return self.port

    def start_server(self, env: dict[str, str] | None = None, options: str = "") -> int:
        """pg_ctl start on the port _choose_port gives (`env` and server `options` for a test's
        own cluster). A port chosen freshly that another cluster bound between the choice and the
        start (two first starts at the same moment) is chosen again, up to three times."""
        fresh = not os.environ.get("MOOSE_PG_PORT") and self.port is None
        for attempt in range(3):
            port = self._choose_port()
            self.port_file.write_text(f"{port}\n")
            result = subprocess.run(self._server_command([
                str(PG_BIN_DIR / "pg_ctl"), "start", "-D", str(self.data_dir), "-w", "-t", "60",
                "-l", str(self.log_file), "-o", f"-p {port} {options}".strip()]),
                env=env, capture_output=True, text=True, cwd=self.root, check=False)
            if result.returncode == 0:
                return port
            if fresh and attempt < 2 and "could not bind" in self._log_tail():
                self.port_file.unlink(missing_ok=True)
                continue
            raise ClusterError(f"PostgreSQL did not start on port {port}: {result.stderr.strip()}\n{self._log_tail()}")
        raise AssertionError("unreachable")

    def _sync_preload(self) -> bool:
        """Preload pg_cron and pg_net when installed (runner/preload.py); True when that changed."""
        entry = pwd.getpwnam(SERVER_USER) if self._running_as_root() else None
        return preload.write_preload_conf(self.data_dir, PG_BIN_DIR.parent / "lib",
                                          (entry.pw_uid, entry.pw_gid) if entry else None)

    def pg_net_status(self) -> preload.PgNetStatus:
        with connect(self.url("postgres")) as conn:
            return preload.server_status(conn)

    def _log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with connect(self.url("postgres")):
                    return
            except psycopg.OperationalError as error:
                if time.monotonic() > deadline:
                    raise ClusterError(f"PostgreSQL is not accepting connections: {error}") from error
                time.sleep(0.2)

    def ensure_database(self, dbname: str) -> None:
        with connect(self.url("postgres"), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))

    def down(self) -> bool:
        """Stop the cluster; False when it was not running."""
        if not self.running:
            return False
        self._run([str(PG_BIN_DIR / "pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "60"])
        return True

    def restart(self) -> int:
        """Stop (fast: connections are dropped) and start again on the same port, so the
        server runs the installed binaries; starts it when it was not running."""
        self.down()
        return self.up()

    def version_check(self) -> VersionCheck:
        """The running server's version against the installed binaries' (runner/embedded_version.py)."""
        return embedded_version.check(self.url("postgres"), PG_BIN_DIR)

    def destroy(self) -> None:
        self.down()
        shutil.rmtree(self.root, ignore_errors=True)
        if not self.socket_dir.is_relative_to(self.root):
            shutil.rmtree(self.socket_dir, ignore_errors=True)
