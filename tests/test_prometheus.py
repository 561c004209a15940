"""Operators' view: `moose run --listen` serves /metrics, /health and /livez; a real Prometheus
scrapes it and sees the figures move after a reservation, a kill and an escalation; promtool
checks the exposition and the alert rules in deploy/prometheus/ (and runs their unit tests)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from prometheus_helpers import free_port, http_get, need, running_prometheus
from service_helpers import PROJECT_ROOT, start_runner, stop, wait_for

DEPLOY = PROJECT_ROOT / "deploy" / "prometheus"
ODD_SERVICE = 'odd "svc"\\ with\nnewline'


def promtool(*args: str, stdin: bytes | None = None, cwd: Path = DEPLOY) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([need("promtool"), *args], input=stdin, capture_output=True, cwd=cwd, check=False)


@pytest.fixture
def runner(db_url: str) -> Iterator[str]:
    """A `moose run` on this test's database with HTTP on a free port; yields its base URL."""
    port = free_port()
    proc = start_runner(db_url, "run", "--interval", "0.5", "--poll", "0.2", "--no-deliver",
                        env={"MOOSE_LISTEN": f"127.0.0.1:{port}"})
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: proc.poll() is not None or http_get(f"{base}/livez")[0] == 200, timeout=60,
                 what="moose run to serve /livez")
        assert proc.poll() is None, stop(proc)
        yield base
    finally:
        stop(proc)


def test_rules_check_and_unit_tests() -> None:
    checked = promtool("check", "rules", "moose-rules.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert b"SUCCESS: 8 rules found" in checked.stdout
    tested = promtool("test", "rules", "moose-rules.test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    config = promtool("check", "config", "prometheus.yml")
    assert config.returncode == 0, config.stdout + config.stderr


def test_rules_unit_tests_can_fail(tmp_path: Path) -> None:
    """The rule tests are not vacuous: the same tests against a kill-switch rule that never fires fail."""
    rules = (DEPLOY / "moose-rules.yml").read_text().replace("max(moose_kill_switch_active) == 1",
                                                            "max(moose_kill_switch_active) == 2")
    (tmp_path / "moose-rules.yml").write_text(rules)
    (tmp_path / "moose-rules.test.yml").write_text((DEPLOY / "moose-rules.test.yml").read_text())
    assert promtool("test", "rules", "moose-rules.test.yml", cwd=tmp_path).returncode != 0


def test_endpoints_and_promtool_check_metrics(runner: str, conn: psycopg.Connection) -> None:
    conn.execute("SELECT public.set_budget('service', %s, 'day', 5)", (ODD_SERVICE,))
    conn.execute("SELECT public.check_and_reserve_budget(0.5, %s)", (ODD_SERVICE,))
    status, body = http_get(f"{runner}/metrics")
    assert status == 200
    text = body.decode()
    assert 'moose_reservations_open 1.0' in text
    assert 'key="odd \\"svc\\"\\\\ with\\nnewline"' in text  # escaped by prometheus_client
    assert "moose_scrape_duration_seconds" in text
    checked = promtool("check", "metrics", stdin=body)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    status, body = http_get(f"{runner}/health")
    assert (status, json.loads(body)["status"]) == (200, "healthy")
    # The kill switch alone (its escalation dismissed) is an error: an uptime checker sees 503.
    conn.execute("SELECT public.emergency_kill('metrics test')")
    conn.execute("SELECT public.dismiss_escalation(id, 'deliberate') FROM public.escalations WHERE status = 'pending'")
    status, body = http_get(f"{runner}/health")
    answer = json.loads(body)
    assert (status, answer["status"]) == (503, "error")
    assert len(answer["reasons"]) == 1 and answer["reasons"][0].startswith("emergency kill switch active since ")
    assert answer["reasons"][0].endswith(": metrics test")
    # /livez follows the loop's last turn (two intervals): on a loaded machine a turn can be late.
    wait_for(lambda: http_get(f"{runner}/livez")[0] == 200, timeout=60, what="/livez 200")
    assert http_get(f"{runner}/nothing")[0] == 404


def test_health_when_the_database_is_unreachable() -> None:
    port, dead = free_port(), free_port()
    proc = start_runner(f"postgresql://postgres@127.0.0.1:{dead}/moose", "run", "--interval", "60",
                        env={"MOOSE_LISTEN": f"127.0.0.1:{port}"})
    try:
        wait_for(lambda: http_get(f"http://127.0.0.1:{port}/health")[0] != 0, timeout=60, what="/health")
        status, body = http_get(f"http://127.0.0.1:{port}/health")
        answer = json.loads(body)
        assert (status, answer["status"]) == (503, "unreachable")
        assert "connection" in answer["reason"].lower()
        assert http_get(f"http://127.0.0.1:{port}/metrics")[0] == 503
    finally:
        stop(proc)


def test_livez_follows_the_service_loop(runner: str, db_url: str, conn: psycopg.Connection) -> None:
    """A loop stuck on a lock (its heartbeat waits for the runners row) is 503 after two
    intervals; released, it is 200 again. /metrics still answers meanwhile."""
    wait_for(lambda: conn.execute("SELECT count(*) FROM public.runners").fetchone() == (1,), what="a runner row")
    with psycopg.connect(db_url) as blocker:
        blocker.execute("SELECT * FROM public.runners FOR UPDATE")
        wait_for(lambda: http_get(f"{runner}/livez")[0] == 503, timeout=60, what="/livez 503 while the loop is stuck")
        assert http_get(f"{runner}/metrics")[0] == 200
        blocker.rollback()
    wait_for(lambda: http_get(f"{runner}/livez")[0] == 200, timeout=60, what="/livez 200 once the loop moves")


def test_real_prometheus_sees_reservation_kill_and_escalation(runner: str, conn: psycopg.Connection) -> None:
    target = runner.removeprefix("http://")
    with running_prometheus([target]) as prometheus:
        prometheus.wait_value('up{job="moose"}', 1)
        prometheus.wait_value("moose_reservations_open", 0)
        prometheus.wait_value("moose_kill_switch_active", 0)

        conn.execute("SELECT public.check_and_reserve_budget(2.5, 'architect')")
        prometheus.wait_value("moose_reservations_open", 1)
        prometheus.wait_value('moose_budget_reserved_usd{scope="global",key="*",period="day"}', 2.5)

        conn.execute("SELECT public.emergency_kill('prometheus test')")
        prometheus.wait_value("moose_kill_switch_active", 1)
        prometheus.wait_value('moose_budget_tier{tier="normal"}', 1)

        work_order = conn.execute("INSERT INTO public.work_orders (title) VALUES ('w') RETURNING id").fetchone()
        assert work_order is not None
        conn.execute("SELECT public.create_escalation(%s, 'contract_violation', '{}')", (work_order[0],))
        prometheus.wait_value('moose_escalations_open{type="contract_violation",priority="high"}', 1)
        prometheus.wait_value('moose_health_status{status="error"}', 1)
        prometheus.wait_value('moose_work_orders{status="pending"}', 1)
        prometheus.wait_value("moose_runners_alive", 1)
        # The runner ran its due jobs: their last successes arrive as Unix times.
        prometheus.wait_value('count(moose_job_last_success_timestamp_seconds > 1e9) > bool 0', 1)
