"""The `moose` command line: --help everywhere, and the embedded cluster's life cycle run for real
in throw-away state folders (never the worktree's own cluster, which the tests are using)."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
from pathlib import Path

import click
import psycopg
import pytest
from click.testing import CliRunner
from cluster_helpers import moose, state_folder

from runner.cli import main


def held_port() -> socket.socket:
    """A port another program is listening on."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    return sock


# -- help ----------------------------------------------------------------------------------------

def all_command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            paths.extend(all_command_paths(command, (*prefix, name)))
        else:
            paths.append((*prefix, name))
    return paths


COMMAND_PATHS = all_command_paths(main)


def test_the_core_commands_exist() -> None:
    for path in [("db", "up"), ("db", "down"), ("db", "restart"), ("db", "status"), ("db", "url"), ("db", "psql"),
                 ("migrate",), ("run",), ("test",)]:
        assert path in COMMAND_PATHS


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=lambda path: " ".join(path) or "moose")
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage: ")
    # A description beyond the usage line and the option list.
    description = result.output.split("\n\n")[1].strip()
    assert len(description) > 20, result.output


def test_version() -> None:
    result = moose("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("moose, version ")


def test_help_from_a_real_process() -> None:
    result = moose("--help")
    assert result.returncode == 0
    for name in ("db", "migrate", "run", "test"):
        assert f"  {name} " in result.stdout
    assert "MOOSE_DATABASE_URL" in result.stdout


# -- the embedded cluster --------------------------------------------------------------------------

def test_cluster_life_cycle(state_dir: Path) -> None:
    status = moose("db", "status", state_dir=state_dir)
    assert status.returncode == 1
    assert "state: not created" in status.stdout

    url_before = moose("db", "url", state_dir=state_dir)
    assert url_before.returncode == 1
    assert "moose db up" in url_before.stderr

    first = moose("db", "up", state_dir=state_dir)
    assert first.returncode == 0, first.stderr
    port = int((state_dir / "port").read_text())
    assert f"embedded PostgreSQL running on 127.0.0.1:{port}" in first.stdout

    second = moose("db", "up", state_dir=state_dir)
    assert second.returncode == 0, second.stderr
    assert f"127.0.0.1:{port}" in second.stdout, "a second `db up` reuses the running cluster"

    status = moose("db", "status", state_dir=state_dir)
    assert status.returncode == 0
    assert "state: running" in status.stdout
    assert f"port: {port}" in status.stdout

    url = moose("db", "url", state_dir=state_dir).stdout.strip()
    assert url == f"postgresql://postgres@127.0.0.1:{port}/moose"
    assert moose("db", "url", "--database", "other", state_dir=state_dir).stdout.strip() == \
        f"postgresql://postgres@127.0.0.1:{port}/other"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (x integer)")
        conn.execute("INSERT INTO kept VALUES (42)")
    psql = moose("db", "psql", "-Atc", "SELECT x FROM kept", state_dir=state_dir)
    assert (psql.returncode, psql.stdout.strip()) == (0, "42"), "db psql opens the moose database, passing arguments on"

    down = moose("db", "down", state_dir=state_dir)
    assert down.returncode == 0
    assert "embedded PostgreSQL stopped" in down.stdout
    assert "was not running" in moose("db", "down", state_dir=state_dir).stdout
    status = moose("db", "status", state_dir=state_dir)
    assert status.returncode == 1
    assert "state: stopped" in status.stdout
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=3)

    again = moose("db", "up", state_dir=state_dir)
    assert again.returncode == 0, again.stderr
    assert f"127.0.0.1:{port}" in again.stdout, "the remembered port is reused"
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT x FROM kept").fetchone() == (42,), "data survives down and up"


def test_a_second_cluster_gets_its_own_port(state_dir: Path) -> None:
    with state_folder() as other:
        assert moose("db", "up", state_dir=state_dir).returncode == 0
        result = moose("db", "up", state_dir=other)
        assert result.returncode == 0, result.stderr
        first, second = int((state_dir / "port").read_text()), int((other / "port").read_text())
        assert first != second
        for port in (first, second):
            with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/moose") as conn:
                data_dir = conn.execute("SHOW data_directory").fetchone()[0]
            assert data_dir == str((state_dir if port == first else other) / "pgdata")


def test_a_requested_port_taken_by_another_program_is_named(state_dir: Path) -> None:
    with held_port() as sock:
        port = sock.getsockname()[1]
        result = moose("db", "up", state_dir=state_dir, MOOSE_PG_PORT=str(port))
    assert result.returncode == 1
    assert f"port {port} (MOOSE_PG_PORT) is taken by another program" in result.stderr
    assert "MOOSE_PG_PORT=<port> moose db up" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_remembered_port_taken_by_another_program_is_named(state_dir: Path) -> None:
    assert moose("db", "up", state_dir=state_dir).returncode == 0
    port = int((state_dir / "port").read_text())
    assert moose("db", "down", state_dir=state_dir).returncode == 0
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # the stopped server may leave TIME_WAIT
        sock.bind(("127.0.0.1", port))
        sock.listen(1)
        result = moose("db", "up", state_dir=state_dir)
    assert result.returncode == 1
    assert f"port {port}" in result.stderr and "is taken by another program" in result.stderr
    assert "MOOSE_PG_PORT=<port> moose db up" in result.stderr
    # Choosing another port as the message says works.
    with held_port() as probe:
        free = probe.getsockname()[1]
    chosen = moose("db", "up", state_dir=state_dir, MOOSE_PG_PORT=str(free))
    assert chosen.returncode == 0, chosen.stderr
    assert f"127.0.0.1:{free}" in chosen.stdout


@pytest.mark.parametrize("value", ["abc", "80", "70000", "-1"])
def test_a_bad_requested_port_is_a_clear_error(state_dir: Path, value: str) -> None:
    result = moose("db", "up", state_dir=state_dir, MOOSE_PG_PORT=value)
    assert result.returncode == 1
    assert f"MOOSE_PG_PORT={value!r} is not a port number" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_external_server_needs_no_embedded_cluster(state_dir: Path, db_url: str) -> None:
    up = moose("db", "up", state_dir=state_dir, MOOSE_DATABASE_URL=db_url)
    assert up.returncode == 0
    assert "no embedded cluster needed" in up.stdout
    assert not (state_dir / "pgdata").exists()
    assert moose("db", "url", state_dir=state_dir, MOOSE_DATABASE_URL=db_url).stdout.strip() == db_url
    migrate = moose("migrate", state_dir=state_dir, MOOSE_DATABASE_URL=db_url)
    assert migrate.returncode == 0, migrate.stderr
    assert "done: 0 migration(s) applied" in migrate.stdout


def test_commands_needing_a_database_say_how_to_get_one(state_dir: Path) -> None:
    for args in (["migrate"], ["migrate", "--dry-run"], ["run", "--iterations", "1"]):
        result = moose(*args, state_dir=state_dir)
        assert result.returncode == 1, args
        assert "the embedded PostgreSQL cluster is not running" in result.stderr
        assert "MOOSE_DATABASE_URL" in result.stderr


def test_test_command_refuses_contradictory_flags(server_url: str) -> None:
    result = CliRunner().invoke(main, ["--database-url", server_url, "test", "--sql-only", "--python-only"])
    assert result.exit_code == 2
    assert "--sql-only and --python-only exclude each other" in result.output


def test_a_state_folder_the_server_user_cannot_enter_moves_under_var_lib(tmp_path: Path) -> None:
    """As root, initdb and postgres run as `postgres`; pytest's tmp_path (mode 700) is closed to it,
    so the cluster lives under /var/lib/moose-embedded instead. Without root, where it was asked."""
    wanted = tmp_path / "state"
    result = moose("db", "status", state_dir=wanted)
    assert result.returncode == 1
    if os.geteuid() == 0:
        digest = hashlib.sha1(str(wanted.resolve()).encode()).hexdigest()[:12]
        expected = Path("/var/lib/moose-embedded") / digest / "pgdata"
    else:
        expected = wanted / "pgdata"
    assert f"data: {expected}\n" in result.stdout


def test_a_deep_checkout_path_still_starts(state_dir: Path) -> None:
    """The socket path (folder + /.s.PGSQL.<port>) must fit in 107 bytes or PostgreSQL will not
    start; a deep state folder gets a short socket folder under /tmp instead."""
    deep = state_dir.parent / ("d" * 60) / "checkout" / ".moose"
    deep.parent.mkdir(parents=True)
    for folder in (deep.parent.parent, deep.parent):
        folder.chmod(0o755)
    socket_dir = Path("/tmp") / f"moose-{hashlib.sha1(str(deep).encode()).hexdigest()[:12]}"
    try:
        result = moose("db", "up", state_dir=deep)
        assert result.returncode == 0, result.stderr + (deep / "postgres.log").read_text()
        port = int((deep / "port").read_text())
        assert (socket_dir / f".s.PGSQL.{port}").is_socket()
        assert socket_dir.stat().st_mode & 0o777 == 0o700
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/moose") as conn:
            assert conn.execute("SHOW unix_socket_directories").fetchone()[0] == str(socket_dir)
    finally:
        moose("db", "down", state_dir=deep)
        shutil.rmtree(socket_dir, ignore_errors=True)


def test_a_port_another_cluster_binds_between_the_choice_and_the_start_is_chosen_again(
        state_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two first starts at the same moment can choose the same free port; the one that loses the
    bind chooses again. Here the free-port check answers "free" once for a port another program
    holds, as it would just before the other cluster bound it."""
    from runner import embedded

    monkeypatch.delenv("MOOSE_PG_PORT", raising=False)
    cluster = embedded.EmbeddedCluster(state_dir)
    wanted = cluster._choose_port()  # the port its first start will choose
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.bind(("127.0.0.1", wanted))
    holder.listen(1)
    real_check = embedded._port_is_free
    lied: list[int] = []

    def free_once_too_soon(port: int) -> bool:
        if port == wanted and not lied:
            lied.append(port)
            return True
        return real_check(port)

    monkeypatch.setattr(embedded, "_port_is_free", free_once_too_soon)
    try:
        port = cluster.up()
        assert lied == [wanted]
        assert port != wanted and cluster.running
        assert int((state_dir / "port").read_text()) == port
    finally:
        holder.close()
        cluster.destroy()
