"""Operator commands end to end against a real database (click's runner in-process): config,
backup and restore through files, jobs list/enable/disable/run, pg_cron refusal, clear errors."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import psycopg
from click.testing import CliRunner, Result
from service_helpers import install_tick_job, only_test_jobs, scalar

from runner.cli import main


def moose(db_url: str, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env={"MOOSE_DATABASE_URL": db_url}, input=input,
                              catch_exceptions=False)


def test_config_get_and_set(db_url: str, conn: psycopg.Connection) -> None:
    result = moose(db_url, "config", "get", "daily_budget_limit")
    assert result.exit_code == 0
    assert "daily_budget_limit = 100  (numeric [0..1000000])" in result.output
    assert moose(db_url, "config", "set", "daily_budget_limit", "150").exit_code == 0
    assert moose(db_url, "config", "set", "stuck_pending_after", "3 hours").exit_code == 0
    assert scalar(conn, "SELECT value FROM system_config WHERE key = 'stuck_pending_after'") == "3 hours"
    refused = moose(db_url, "config", "set", "daily_budget_limit", "--", "-1")
    assert refused.exit_code == 1
    assert "out of range" in refused.output and "SQLSTATE 22023" in refused.output
    unknown = moose(db_url, "config", "get", "nope")
    assert unknown.exit_code == 1 and "unknown configuration key" in unknown.output
    assert scalar(conn, "SELECT count(*) FROM audit_log WHERE action = 'config.update'") == 2


def test_backup_and_restore_config_through_a_file(db_url: str, conn: psycopg.Connection, tmp_path: Path) -> None:
    conn.execute("SELECT add_alert_channel('pager', 'webhook', 'http://127.0.0.1:9/p', 'shh', 'error')")
    backup = tmp_path / "moose-config.json"
    result = moose(db_url, "backup-config", "-o", str(backup))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600, "the file holds secrets"
    document = json.loads(backup.read_text())
    assert document["system_config"]["daily_budget_limit"] == 100
    conn.execute("UPDATE system_config SET value = '7' WHERE key = 'daily_budget_limit'")
    conn.execute("DELETE FROM alert_channels WHERE name = 'pager'")
    checked = moose(db_url, "restore-config", str(backup), "--dry-run")
    assert checked.exit_code == 0 and "would restore" in checked.output
    assert scalar(conn, "SELECT value FROM system_config WHERE key = 'daily_budget_limit'") == 7
    restored = moose(db_url, "restore-config", str(backup))
    assert restored.exit_code == 0, restored.output
    assert "restored" in restored.output and "1 channels" in restored.output
    assert scalar(conn, "SELECT value FROM system_config WHERE key = 'daily_budget_limit'") == 100
    assert scalar(conn, "SELECT s.secret FROM alert_channels c JOIN alert_channel_secrets s ON s.channel_id = c.id "
                        "WHERE c.name = 'pager'") == "shh"
    document["system_config"]["tier_warning_pct"] = 500
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(document))
    conn.execute("UPDATE system_config SET value = '9' WHERE key = 'daily_budget_limit'")
    refused = moose(db_url, "restore-config", str(broken))
    assert refused.exit_code == 1
    assert "restore refused at system_config.tier_warning_pct" in refused.output
    assert scalar(conn, "SELECT value FROM system_config WHERE key = 'daily_budget_limit'") == 9, "all or nothing"
    (tmp_path / "junk.json").write_text("{not json")
    assert "is not JSON" in moose(db_url, "restore-config", str(tmp_path / "junk.json")).output


def test_jobs_list_enable_disable_run(db_url: str, conn: psycopg.Connection) -> None:
    only_test_jobs(conn)
    install_tick_job(conn, "manual", "1 hour", next_run_at="2099-01-01")
    listing = moose(db_url, "jobs", "list")
    assert listing.exit_code == 0
    assert any(line.startswith("manual ") and " yes " in line for line in listing.output.splitlines())
    assert any(line.startswith("retention ") and " no " in line for line in listing.output.splitlines())
    ran = moose(db_url, "jobs", "run", "manual")
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.output[ran.output.index("{"):])["outcome"] == "succeeded"
    assert scalar(conn, "SELECT count(*) FROM t_ticks") == 1
    assert moose(db_url, "jobs", "disable", "manual").exit_code == 0
    assert scalar(conn, "SELECT enabled FROM jobs WHERE name = 'manual'") is False
    assert moose(db_url, "jobs", "enable", "manual").exit_code == 0
    assert scalar(conn, "SELECT enabled FROM jobs WHERE name = 'manual'") is True
    as_json = json.loads(moose(db_url, "jobs", "list", "--json").output)
    assert {job["name"] for job in as_json} >= {"manual", "retention", "dispatch_alerts"}
    missing = moose(db_url, "jobs", "run", "nope")
    assert missing.exit_code == 1 and "unknown job" in missing.output
    conn.execute("CREATE FUNCTION public.t_fails() RETURNS integer LANGUAGE sql AS $$ SELECT 1 / 0 $$")
    conn.execute("INSERT INTO jobs (name, function_name, run_interval) VALUES ('fails', 'public.t_fails', '1 hour')")
    failed = moose(db_url, "jobs", "run", "fails")
    assert failed.exit_code == 1 and '"outcome": "failed"' in failed.output


def test_schedule_without_pg_cron_says_so(db_url: str) -> None:
    result = moose(db_url, "schedule", "--pg-cron")
    assert result.exit_code == 1
    assert "pg_cron is not installed" in result.output and "SQLSTATE 55000" in result.output


def test_jobs_run_drains_a_batched_job_with_progress(db_url: str, conn: psycopg.Connection) -> None:
    conn.execute("UPDATE system_config SET value = '100' WHERE key = 'retention_batch_size'")
    conn.execute("INSERT INTO work_orders (id, title) VALUES ('00000000-0000-0000-0000-0000000000cc', 'w')")
    conn.execute("""INSERT INTO outcome_vectors (work_order_id, model_used, success, created_at)
                    SELECT '00000000-0000-0000-0000-0000000000cc', 'm', true, now() - interval '100 days'
                    FROM generate_series(1, 250)""")
    result = moose(db_url, "jobs", "run", "retention")
    assert result.exit_code == 0, result.output
    assert "retention: run 3 succeeded, 250 rows so far" in result.output
    assert json.loads(result.output[result.output.index('{\n  "runs"'):])["rows_affected"] == 250
    assert scalar(conn, "SELECT count(*) FROM outcome_vectors") == 0
    assert scalar(conn, "SELECT count(*) FROM job_runs WHERE job_name = 'retention' AND outcome = 'succeeded'") == 3


def test_budget_kill_and_resume(db_url: str, conn: psycopg.Connection) -> None:
    conn.execute("INSERT INTO cost_tracking (service_name, cost) VALUES ('openai', 31.25)")
    drawn = moose(db_url, "budget")
    assert drawn.exit_code == 0, drawn.output
    assert "31.2% of $100 (spent $31.25" in drawn.output and "tier warning" in drawn.output
    assert json.loads(moose(db_url, "budget", "--json").output)["tier"] == "warning"
    assert moose(db_url, "budget", "status").exit_code == 0, "the budget part's subcommands stay"
    assert "forced to the hard-cap model" not in drawn.output
    assert "Fullest scoped budgets" not in drawn.output, "no scoped budget: nothing drawn"
    conn.execute("SELECT set_budget('service', 'architect', 'day', 4)")
    conn.execute("SELECT check_and_reserve_budget(3, 'architect')")
    scoped = moose(db_url, "budget").output
    assert "Fullest scoped budgets:" in scoped and "75.0% service architect per day" in scoped, scoped
    conn.execute("SELECT update_config('budget_force_hard_cap_model', 'true')")
    assert "Every reservation is forced to the hard-cap model" in moose(db_url, "budget").output
    conn.execute("SELECT update_config('budget_force_hard_cap_model', 'false')")

    conn.execute("INSERT INTO work_orders (title, status) VALUES ('waiting', 'pending')")
    refused = moose(db_url, "kill", "--reason", "spend spike", input="n\n")
    assert refused.exit_code == 1 and scalar(conn, "SELECT active FROM budget_kill_switch") is False
    killed = moose(db_url, "kill", "--reason", "spend spike", "--yes")
    assert killed.exit_code == 0, killed.output
    assert "KILL SWITCH ON" in killed.output
    assert scalar(conn, "SELECT active FROM budget_kill_switch") is True
    assert scalar(conn, "SELECT status FROM work_orders WHERE title = 'waiting'") == "paused"
    assert scalar(conn, "SELECT status FROM orchestrator_state") == "stopped"
    assert "KILL SWITCH ON since" in moose(db_url, "budget").output
    resumed = moose(db_url, "resume", "--note", "limit raised")
    assert resumed.exit_code == 0, resumed.output
    assert scalar(conn, "SELECT status FROM work_orders WHERE title = 'waiting'") == "pending"
    assert scalar(conn, "SELECT status FROM orchestrator_state") == "running"
    assert scalar(conn, "SELECT count(*) FROM audit_log WHERE actor IS NOT NULL AND action LIKE '%kill%'") >= 1
    missing = moose(db_url, "kill")
    assert missing.exit_code == 2 and "--reason" in missing.output
