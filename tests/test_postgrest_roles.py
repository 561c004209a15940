"""Every function exposed over PostgREST, called the way PostgREST calls it: one transaction per
request with SET LOCAL ROLE to the JWT's role, request.jwt.claims and request.path set for the
transaction, the db-pre-request hook first, then the function with named arguments. Each role
may call exactly what it should: allowed calls never fail on privileges, refused ones always do
(42501). A function added to schema public without an entry here fails the test, so nothing is
exposed unreviewed."""

from __future__ import annotations

import json
import uuid
from typing import Any

import psycopg
import pytest
from psycopg import sql

ROLES = ("anon", "authenticated", "service_role")
DASHBOARD = frozenset({"authenticated", "service_role"})
SERVICE = frozenset({"service_role"})
NOBODY: frozenset[str] = frozenset()
WO = "00000000-0000-0000-0000-00000000f00d"
NO_SUCH = "00000000-0000-0000-0000-000000000000"

# function name -> (named arguments as PostgREST would pass them from the JSON body, roles allowed)
CALLS: dict[str, tuple[dict[str, Any], frozenset[str]]] = {
    "budget_status": ({}, DASHBOARD),
    "health_heartbeat": ({}, DASHBOARD),
    "orchestrator_status": ({}, DASHBOARD),
    "scheduler_status": ({}, DASHBOARD),
    "postgrest_pre_request": ({}, DASHBOARD),
    "orchestrator_start": ({"p_interval_ms": 10000}, SERVICE),
    "orchestrator_stop": ({"p_reason": "maintenance"}, SERVICE),
    "orchestrator_heartbeat": ({}, SERVICE),
    "create_escalation": ({"p_work_order_id": WO, "p_trigger_type": "aider_failure", "p_context": {}}, SERVICE),
    "raise_alert": ({"p_severity": "info", "p_kind": "test.call", "p_title": "t", "p_body": "b",
                     "p_dedupe_key": "k"}, SERVICE),
    "update_config": ({"p_key": "daily_budget_limit", "p_value": 120}, SERVICE),
    "claim_job": ({"p_holder": "api", "p_name": "retention"}, SERVICE),
    "execute_job": ({"p_run_id": 1, "p_holder": "api"}, SERVICE),
    "fail_job": ({"p_run_id": 1, "p_holder": "api", "p_error": "x"}, SERVICE),
    "run_job": ({"p_name": "retention"}, SERVICE),
    "run_retention": ({}, SERVICE),
    "runner_heartbeat": ({"p_holder": "api"}, SERVICE),
    "set_job_enabled": ({"p_name": "retention", "p_enabled": False}, SERVICE),
    "backup_config": ({}, SERVICE),
    "restore_config": ({"p_document": {"format": "moose-config"}, "p_dry_run": True}, SERVICE),
    "schedule_pg_cron": ({}, NOBODY),  # the runner's login only: it changes the server's cron table
    "current_budget_tier": ({}, DASHBOARD),
    "check_and_reserve_budget": ({"p_amount": 1.0, "p_service_name": "test-service", "p_metadata": {"test": True}},
                                 SERVICE),
    "settle_reservation": ({"p_reservation_id": "00000000-0000-0000-0000-000000000000", "p_actual_cost": 1.0},
                           SERVICE),
    "release_reservation": ({"p_reservation_id": "00000000-0000-0000-0000-000000000000"}, SERVICE),
    "expire_reservations": ({}, SERVICE),
    "emergency_kill": ({"p_reason": "spend spike"}, SERVICE),
    "set_budget": ({"p_scope": "service", "p_key": "test-service", "p_period": "day", "p_limit": 5}, SERVICE),
    "remove_budget": ({"p_scope": "service", "p_key": "test-service", "p_period": "day"}, SERVICE),
    "budget_usage": ({"p_scope": "service"}, DASHBOARD),
    "set_rate_limit": ({"p_scope": "service", "p_key": "test-service", "p_requests_per_minute": 60,
                        "p_tokens_per_minute": None}, SERVICE),
    "remove_rate_limit": ({"p_scope": "service", "p_key": "test-service"}, SERVICE),
    "rate_limit_usage": ({}, DASHBOARD),
    "reserve_llm_call": ({"p_service": "test-service", "p_model": "no-price-model", "p_input_tokens": 10}, SERVICE),
    "settle_llm_call": ({"p_reservation_id": "00000000-0000-0000-0000-000000000000", "p_input_tokens": 1,
                         "p_output_tokens": 1}, SERVICE),
    "model_price": ({"p_model": "gpt-4o"}, DASHBOARD),
    "model_prices_list": ({"p_all": True}, DASHBOARD),
    "set_model_price": ({"p_model": "api-model", "p_input_usd_per_mtok": 2.5, "p_output_usd_per_mtok": 10,
                         "p_long_context_threshold_tokens": 200000, "p_long_context_input_usd_per_mtok": 5,
                         "p_long_context_output_usd_per_mtok": 20}, SERVICE),
    "import_model_prices": ({"p_prices": [{"model": "api-model", "input_usd_per_mtok": "2.5",
                                           "output_usd_per_mtok": "10"}]}, SERVICE),
    "resume_operations": ({"p_note": "fixed"}, SERVICE),
    "system_health": ({}, DASHBOARD),
    "ops_metrics": ({}, DASHBOARD),
    "long_transactions": ({}, SERVICE),
    "terminate_long_transaction": ({"p_pid": 0}, NOBODY),  # the runner's login only: it ends sessions
    "budget_window": ({}, DASHBOARD),
    "find_stuck_work_orders": ({}, DASHBOARD),
    "triage_thresholds": ({}, DASHBOARD),
    "recommend_resolution": ({"p_escalation_id": NO_SUCH}, DASHBOARD),
    "list_escalations": ({"p_include_closed": True}, DASHBOARD),
    "acknowledge_escalation": ({"p_escalation_id": NO_SUCH, "p_notes": "on it"}, DASHBOARD),
    "dismiss_escalation": ({"p_escalation_id": NO_SUCH, "p_notes": "noise"}, DASHBOARD),
    "resolve_escalation": ({"p_escalation_id": NO_SUCH, "p_option": "requeue", "p_notes": "n"}, DASHBOARD),
    "check_escalation_slas": ({}, SERVICE),
    "close_recovered_stuck_escalations": ({}, SERVICE),
    "escalate_stuck_work_orders": ({}, SERVICE),
    "alert_on_health_change": ({}, SERVICE),
    "rollup_outcome_hours": ({"p_hours": 2}, SERVICE),
    "record_outcome": ({"p_work_order_id": WO, "p_model_used": "gpt-4o", "p_cost": 0.5, "p_success": True}, SERVICE),
    "report_aider_failure": ({"p_work_order_id": WO, "p_output": "conflict"}, SERVICE),
    "report_contract_violation": ({"p_work_order_id": WO, "p_contract_id": NO_SUCH, "p_violation": {"x": 1}},
                                  SERVICE),
    "report_test_run": ({"p_work_order_id": WO, "p_passed": False}, SERVICE),
    "set_work_order_status": ({"p_work_order_id": WO, "p_status": "approved"}, SERVICE),
    "create_work_order": ({"p_title": "from the api", "p_priority": "high"}, SERVICE),
    "resolve_id": ({"p_kind": "work_order", "p_id": WO[:8]}, DASHBOARD),
    "add_alert_channel": ({"p_name": "api-hook", "p_kind": "webhook", "p_url": "http://127.0.0.1:9/x"}, SERVICE),
    "alert_delivery_settings": ({}, SERVICE),
    "claim_alert_deliveries": ({"p_worker": "api", "p_limit": 1}, SERVICE),
    "disable_alert_channel": ({"p_name": "ops"}, SERVICE),
    "dispatch_alerts": ({"p_limit": 1}, SERVICE),
    "reconcile_alert_deliveries": ({}, SERVICE),
    "record_alert_delivery_result": ({"p_delivery_id": 1, "p_attempt": 1, "p_status_code": 429,
                                      "p_retry_after": "30"}, SERVICE),
    "retry_alert_delivery": ({"p_delivery_id": 1}, SERVICE),
    "sync_env_alert_channels": ({"p_slack_url": None, "p_sendgrid_api_key": None, "p_email_to": None,
                                 "p_email_from": None, "p_webhook_url": None, "p_webhook_secret": None}, SERVICE),
    "test_alert_channel": ({"p_name": "ops"}, SERVICE),
    "update_alert_channel": ({"p_name": "ops", "p_min_severity": "error"}, SERVICE),
}


def exposed_functions(conn: psycopg.Connection) -> set[str]:
    rows = conn.execute("""
        SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.prorettype <> 'trigger'::regtype
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')""").fetchall()
    return {r[0] for r in rows}


def postgrest_call(conn: psycopg.Connection, role: str, function: str, args: dict[str, Any],
                   claims: dict[str, Any] | None = None, *, hook: bool = True) -> str | None:
    """One PostgREST request in a transaction that is rolled back (hook=False: without the
    pre-request hook, to see the function's own grants). Returns None when the call succeeded,
    else the SQLSTATE it failed with."""
    claims = claims or {"role": role, "sub": f"user-{role}"}
    # PostgREST's own call shape: the JSON body turned into typed arguments by json_to_record,
    # passed by name (so the declared types decide, as they do over HTTP).
    declared = dict(conn.execute("""
        SELECT a.name, format_type(a.type, NULL)
        FROM pg_proc AS p, unnest(p.proargnames[1:p.pronargs], p.proargtypes::oid[]) AS a(name, type)
        WHERE p.oid = to_regproc('public.' || %s)""", (function,)).fetchall())
    missing = set(args) - set(declared)
    assert not missing, f"{function} has no argument(s) {missing}"
    call = sql.SQL("SELECT {}.{}({}) FROM json_to_record(%(body)s::json) AS pgrst_args({})").format(
        sql.Identifier("public"), sql.Identifier(function),
        sql.SQL(", ").join(sql.SQL("{} => pgrst_args.{}").format(sql.Identifier(n), sql.Identifier(n)) for n in args),
        sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(declared[n])) for n in args)
        if args else sql.SQL("_ int"))
    params = {"body": json.dumps(args)}
    try:
        with conn.transaction():
            conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
            conn.execute("SELECT set_config('request.jwt.claims', %s, true), set_config('request.path', %s, true),"
                         " set_config('request.method', 'POST', true)", (json.dumps(claims), f"/rpc/{function}"))
            if hook:
                conn.execute("SELECT public.postgrest_pre_request()")
            conn.execute(call, params).fetchall()
            raise psycopg.Rollback()
    except psycopg.Error as error:
        return error.diag.sqlstate
    return None


@pytest.fixture
def api(conn: psycopg.Connection) -> psycopg.Connection:
    conn.execute("INSERT INTO work_orders (id, title) VALUES (%s, 'api')", (WO,))
    conn.execute("SELECT add_alert_channel('ops', 'webhook', 'http://127.0.0.1:9/ops')")
    return conn


def test_every_exposed_function_is_covered(api: psycopg.Connection) -> None:
    exposed = exposed_functions(api)
    assert exposed - set(CALLS) == set(), "exposed functions without a role expectation here"
    assert set(CALLS) - exposed == set(), "expectations for functions that do not exist"


@pytest.mark.parametrize("function", sorted(CALLS))
def test_each_role_may_call_exactly_what_it_should(api: psycopg.Connection, function: str) -> None:
    args, allowed = CALLS[function]
    for role in ROLES:
        for hook in (True, False):
            state = postgrest_call(api, role, function, args, hook=hook)
            if role in allowed:
                assert state != "42501", f"{role} must be allowed to call {function}"
            else:
                assert state == "42501", f"{role} must be refused {function} (hook {hook}), got {state or 'success'}"


def test_only_rpc_paths_are_served(api: psycopg.Connection) -> None:
    for path in ("/escalations", "/rpc/../system_config", "/", "/work_orders?select=*"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege), api.transaction():
            api.execute("SET LOCAL ROLE service_role")
            api.execute("SELECT set_config('request.path', %s, true)", (path,))
            api.execute("SELECT public.postgrest_pre_request()")


def test_the_jwt_sub_is_the_audited_actor(api: psycopg.Connection) -> None:
    sub = f"ops-{uuid.uuid4().hex[:8]}"
    with api.transaction():
        api.execute("SET LOCAL ROLE service_role")
        api.execute("SELECT set_config('request.jwt.claims', %s, true)",
                    (json.dumps({"role": "service_role", "sub": sub}),))
        api.execute("SELECT public.orchestrator_stop(p_reason => 'deploy')")
    assert api.execute("SELECT actor FROM audit_log WHERE action = 'orchestrator.stop'").fetchone() == (sub,)
    assert api.execute("SELECT updated_by FROM orchestrator_state").fetchone() == (sub,)
