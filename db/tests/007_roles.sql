-- What each role may do, table by table and function by function, tried for real as that role:
-- anon nothing; authenticated reads what the dashboard shows and calls budget_status and
-- health_heartbeat; service_role and moose_runner read and write every table and call every API
-- function; nobody but the owner reaches schema private.
BEGIN;
SELECT plan(30);

-- 'ok' when p_sql succeeds as p_role, else its SQLSTATE. Nothing it does is kept: the block
-- always ends in an exception, which also undoes the SET LOCAL ROLE.
CREATE FUNCTION pg_temp.try_as(p_role text, p_sql text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
    v_state text;
BEGIN
    BEGIN
        EXECUTE format('SET LOCAL ROLE %I', p_role);
        EXECUTE p_sql;
        RAISE EXCEPTION 'done' USING ERRCODE = 'ZOK00';
    EXCEPTION WHEN OTHERS THEN
        v_state := SQLSTATE;
    END;
    RETURN CASE WHEN v_state = 'ZOK00' THEN 'ok' ELSE v_state END;
END
$f$;

CREATE TEMP TABLE tables_under_test (tbl, update_column) AS
VALUES ('alerts', 'title'), ('audit_log', 'action'), ('contracts', 'name'), ('cost_tracking', 'cost'),
       ('escalation_policies', 'description'), ('escalations', 'context'), ('orchestrator_state', 'interval_ms'),
       ('outcome_vectors', 'cost'), ('system_config', 'value'), ('work_orders', 'title');
GRANT SELECT ON tables_under_test TO anon, authenticated, service_role, moose_runner;

CREATE FUNCTION pg_temp.table_rights(p_role text, p_action text) RETURNS TABLE (tbl text, result text)
LANGUAGE sql AS $f$
    SELECT t.tbl, pg_temp.try_as(p_role, CASE p_action
        WHEN 'select' THEN format('SELECT * FROM public.%I LIMIT 1', t.tbl)
        WHEN 'insert' THEN format('INSERT INTO public.%I OVERRIDING SYSTEM VALUE SELECT * FROM public.%I WHERE false', t.tbl, t.tbl)
        WHEN 'update' THEN format('UPDATE public.%I SET %I = %I WHERE false', t.tbl, t.update_column, t.update_column)
        WHEN 'delete' THEN format('DELETE FROM public.%I WHERE false', t.tbl) END)
    FROM tables_under_test AS t ORDER BY t.tbl
$f$;

INSERT INTO public.work_orders (id, title) VALUES ('00000000-0000-0000-0000-000000000701', 'roles test');
INSERT INTO public.outcome_vectors (work_order_id, model_used, cost, success)
VALUES ('00000000-0000-0000-0000-000000000701', 'gpt-4o-mini', 0.5, true);

-- anon: nothing ------------------------------------------------------------------------------------------
SELECT is_empty($$SELECT * FROM pg_temp.table_rights('anon', 'select') WHERE result <> '42501'$$, 'anon can read no table');
SELECT is_empty($$SELECT * FROM pg_temp.table_rights('anon', 'insert') WHERE result <> '42501'$$, 'anon can insert into no table');
SELECT is_empty($$SELECT * FROM pg_temp.table_rights('anon', 'update') WHERE result <> '42501'$$, 'anon can update no table');
SELECT is_empty($$SELECT * FROM pg_temp.table_rights('anon', 'delete') WHERE result <> '42501'$$, 'anon can delete from no table');

-- authenticated: reads the dashboard's tables, writes nothing directly -----------------------------------
SELECT set_config('request.jwt.claims', '{"sub": "dash-user-1", "role": "authenticated"}', true);
SELECT results_eq(
    $$SELECT tbl, result FROM pg_temp.table_rights('authenticated', 'select')$$,
    $$VALUES ('alerts', '42501'), ('audit_log', '42501'), ('contracts', 'ok'), ('cost_tracking', 'ok'),
             ('escalation_policies', 'ok'), ('escalations', 'ok'), ('orchestrator_state', 'ok'),
             ('outcome_vectors', 'ok'), ('system_config', '42501'), ('work_orders', 'ok')$$,
    'authenticated reads work orders, outcome vectors, cost rows, contracts, escalations, policies and orchestrator state only');
SELECT is_empty($$SELECT * FROM pg_temp.table_rights('authenticated', 'insert') WHERE result <> '42501'$$,
                'authenticated can insert into no table');
SELECT is_empty($$SELECT * FROM pg_temp.table_rights('authenticated', 'update') WHERE result <> '42501'$$,
                'authenticated can update no table');
SELECT is_empty($$SELECT * FROM pg_temp.table_rights('authenticated', 'delete') WHERE result <> '42501'$$,
                'authenticated can delete from no table');
SELECT set_config('request.jwt.claims', '', true);
SELECT is(test_helpers.as_role('authenticated', 'SELECT count(*) FROM public.work_orders', '{"sub": "dash-user-1", "role": "authenticated"}'),
          (SELECT count(*) FROM public.work_orders)::text, 'RLS lets authenticated see every work order');
SELECT is(test_helpers.as_role('authenticated', 'SELECT count(*) FROM public.outcome_vectors', '{"sub": "dash-user-1", "role": "authenticated"}'),
          (SELECT count(*) FROM public.outcome_vectors)::text, 'RLS lets authenticated see every outcome vector');

-- service_role and moose_runner: every table, the audit log append-only (010 tests it in detail) ---------
SELECT results_eq(
    $$SELECT a, r.tbl, r.result FROM unnest(ARRAY['select', 'insert', 'update', 'delete']) AS a,
             pg_temp.table_rights('service_role', a) AS r WHERE r.result <> 'ok' ORDER BY 1, 2$$,
    $$VALUES ('delete', 'audit_log', '42501'), ('update', 'audit_log', '42501')$$,
    'service_role may select, insert, update and delete on every table but rewrite or delete the audit log');
SELECT results_eq(
    $$SELECT a, r.tbl, r.result FROM unnest(ARRAY['select', 'insert', 'update', 'delete']) AS a,
             pg_temp.table_rights('moose_runner', a) AS r WHERE r.result <> 'ok' ORDER BY 1, 2$$,
    $$VALUES ('delete', 'audit_log', '42501'), ('update', 'audit_log', '42501')$$,
    'moose_runner may select, insert, update and delete on every table but rewrite or delete the audit log');
SELECT is(pg_temp.try_as('moose_runner', $$INSERT INTO public.outcome_vectors (work_order_id, model_used, cost, success)
                                           VALUES ('00000000-0000-0000-0000-000000000701', 'm', 1, false)$$), 'ok',
          'moose_runner inserts outcome vectors (identity sequence usable)');
SELECT is(pg_temp.try_as('service_role', $$INSERT INTO public.cost_tracking (service_name, cost) VALUES ('openai', 1)$$), 'ok',
          'service_role inserts cost rows');
SELECT is(pg_temp.try_as('moose_runner', $$INSERT INTO public.escalations (work_order_id, trigger_type, context, status)
                                           VALUES (NULL, 'budget_critical', '{}', 'pending')$$), 'ok',
          'moose_runner inserts an escalation the runbook''s way (policy trigger reads escalation_policies)');
SELECT is(test_helpers.as_role('moose_runner', 'SELECT count(*) FROM public.work_orders'),
          (SELECT count(*) FROM public.work_orders)::text, 'RLS lets moose_runner see every work order');

-- A direct config UPDATE by the API roles passes through the validate and audit triggers -----------------
SELECT is(pg_temp.try_as('moose_runner', $$UPDATE public.system_config SET value = '0' WHERE key = 'daily_budget_limit'$$), 'ok',
          'moose_runner may run the runbook''s UPDATE system_config (triggers reach private helpers)');
SELECT is(pg_temp.try_as('service_role', $$UPDATE public.system_config SET value = '"banana"' WHERE key = 'daily_budget_limit'$$), '22023',
          'and a bad value from service_role is still refused with 22023');
SELECT is(test_helpers.as_role('service_role', $$UPDATE public.system_config SET value = '90' WHERE key = 'daily_budget_limit' RETURNING updated_by$$,
                               '{"sub": "svc-orchestrator"}'),
          'svc-orchestrator', 'service_role''s update is stamped with its JWT subject');
SELECT is((SELECT actor FROM public.audit_log WHERE target = 'daily_budget_limit' ORDER BY id DESC LIMIT 1), 'svc-orchestrator',
          'and audited with it');
SELECT is(test_helpers.as_role('moose_runner', $$UPDATE public.system_config SET value = '95' WHERE key = 'daily_budget_limit' RETURNING updated_by$$),
          'moose_runner', 'without a JWT the SET ROLE role is the actor');

-- Functions --------------------------------------------------------------------------------------------
CREATE TEMP TABLE api_calls (fn, call) AS
VALUES ('budget_status', 'SELECT public.budget_status()'),
       ('create_escalation', $$SELECT public.create_escalation(NULL, 'budget_warning', '{}')$$),
       ('health_heartbeat', 'SELECT public.health_heartbeat()'),
       ('private.config_value', $$SELECT private.config_value('daily_budget_limit')$$),
       ('private.current_actor', 'SELECT private.current_actor()'),
       ('raise_alert', $$SELECT public.raise_alert('info', 'test.roles', 't', 'b', 'roles', '{}')$$),
       ('update_config', $$SELECT public.update_config('daily_budget_limit', '100')$$);
SELECT results_eq($$SELECT fn, pg_temp.try_as('anon', call) FROM api_calls ORDER BY fn$$,
                  $$SELECT fn, '42501' FROM api_calls ORDER BY fn$$, 'anon can call no function');
SELECT results_eq($$SELECT fn, pg_temp.try_as('authenticated', call) FROM api_calls ORDER BY fn$$,
                  $$VALUES ('budget_status', 'ok'), ('create_escalation', '42501'), ('health_heartbeat', 'ok'),
                           ('private.config_value', '42501'), ('private.current_actor', '42501'), ('raise_alert', '42501'),
                           ('update_config', '42501')$$,
                  'authenticated calls budget_status and health_heartbeat only');
SELECT results_eq($$SELECT fn, pg_temp.try_as('service_role', call) FROM api_calls ORDER BY fn$$,
                  $$VALUES ('budget_status', 'ok'), ('create_escalation', 'ok'), ('health_heartbeat', 'ok'),
                           ('private.config_value', '42501'), ('private.current_actor', '42501'), ('raise_alert', 'ok'),
                           ('update_config', 'ok')$$,
                  'service_role calls every API function, no private helper');
SELECT results_eq($$SELECT fn, pg_temp.try_as('moose_runner', call) FROM api_calls ORDER BY fn$$,
                  $$VALUES ('budget_status', 'ok'), ('create_escalation', 'ok'), ('health_heartbeat', 'ok'),
                           ('private.config_value', '42501'), ('private.current_actor', '42501'), ('raise_alert', 'ok'),
                           ('update_config', 'ok')$$,
                  'moose_runner calls every API function, no private helper');

-- Catalog-level facts ------------------------------------------------------------------------------------
SELECT ok(NOT has_schema_privilege('moose_runner', 'private', 'USAGE'), 'moose_runner has no usage on schema private');
SELECT ok(NOT has_schema_privilege('public', 'public', 'CREATE'), 'PUBLIC cannot create objects in schema public');
SELECT is((SELECT rolcanlogin FROM pg_roles WHERE rolname = 'moose_runner'), true, 'moose_runner is a login role');
SELECT is((SELECT array_agg(rolname::text ORDER BY rolname) FROM pg_roles
           WHERE rolname IN ('anon', 'authenticated', 'service_role') AND NOT rolcanlogin),
          ARRAY['anon', 'authenticated', 'service_role'], 'the PostgREST roles exist and cannot log in');
SELECT is_empty($$SELECT rolname FROM pg_roles WHERE rolname IN ('anon', 'authenticated', 'service_role', 'moose_runner')
                  AND (rolsuper OR rolbypassrls OR rolcreaterole OR rolcreatedb)$$,
                'no API role is superuser, bypasses RLS, or creates roles or databases');

SELECT * FROM finish();
ROLLBACK;
