-- Who may call what: service_role and the runner reserve, settle, release, expire, kill and
-- resume; authenticated reads budget_status() and the tier; anon nothing.
BEGIN;
SELECT plan(16);

SELECT ok(NOT has_function_privilege('anon', 'public.check_and_reserve_budget(numeric, text, jsonb)', 'EXECUTE')
          AND NOT has_function_privilege('anon', 'public.budget_status()', 'EXECUTE')
          AND NOT has_function_privilege('anon', 'public.emergency_kill(text)', 'EXECUTE'),
          'anon may call no budget function');
SELECT ok(has_function_privilege('authenticated', 'public.budget_status()', 'EXECUTE')
          AND has_function_privilege('authenticated', 'public.current_budget_tier()', 'EXECUTE'),
          'authenticated reads budget_status() and current_budget_tier()');
SELECT ok(NOT has_function_privilege('authenticated', 'public.check_and_reserve_budget(numeric, text, jsonb)', 'EXECUTE')
          AND NOT has_function_privilege('authenticated', 'public.settle_reservation(uuid, numeric, jsonb)', 'EXECUTE')
          AND NOT has_function_privilege('authenticated', 'public.emergency_kill(text)', 'EXECUTE')
          AND NOT has_function_privilege('authenticated', 'public.resume_operations(text)', 'EXECUTE'),
          'authenticated may not reserve, settle, kill or resume');
SELECT ok(NOT has_function_privilege('service_role', 'private.budget_kill(text, boolean)', 'EXECUTE')
          AND NOT has_function_privilege('service_role', 'private.budget_apply(jsonb, numeric, numeric)', 'EXECUTE'),
          'the private helpers are not callable by the API roles');

-- pgTAP's own functions are not executable by the API roles, so each role's calls are made
-- under SET ROLE and their outcome (SQLSTATE or value) kept in a transaction-local setting.
CREATE FUNCTION pg_temp.sqlstate_of(p_sql text) RETURNS text LANGUAGE plpgsql AS $f$
BEGIN
    EXECUTE p_sql;
    RETURN '00000';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END
$f$;
GRANT EXECUTE ON FUNCTION pg_temp.sqlstate_of(text) TO anon, authenticated, service_role, moose_runner;

SET LOCAL ROLE anon;
SELECT set_config('t.anon_reserve', pg_temp.sqlstate_of($$SELECT public.check_and_reserve_budget(1, 'x')$$), true);
SELECT set_config('t.anon_status', pg_temp.sqlstate_of($$SELECT public.budget_status()$$), true);
RESET ROLE;
SELECT is(current_setting('t.anon_reserve'), '42501', 'anon cannot reserve');
SELECT is(current_setting('t.anon_status'), '42501', 'anon cannot read the budget');

SET LOCAL ROLE authenticated;
SELECT set_config('t.auth_status', public.budget_status() ->> 'status', true);
SELECT set_config('t.auth_reserve', pg_temp.sqlstate_of($$SELECT public.check_and_reserve_budget(1, 'x')$$), true);
SELECT set_config('t.auth_kill', pg_temp.sqlstate_of($$SELECT public.emergency_kill('x')$$), true);
RESET ROLE;
SELECT is(current_setting('t.auth_status'), 'healthy', 'authenticated reads budget_status()');
SELECT is(current_setting('t.auth_reserve'), '42501', 'authenticated cannot reserve');
SELECT is(current_setting('t.auth_kill'), '42501', 'authenticated cannot kill');

SET LOCAL ROLE service_role;
SELECT set_config('t.sr_rid', public.check_and_reserve_budget(1, 'orchestrator') ->> 'reservationId', true);
SELECT set_config('t.sr_settle', public.settle_reservation(current_setting('t.sr_rid')::uuid, 0.5) ->> 'status', true);
INSERT INTO public.cost_tracking (service_name, cost) VALUES ('legacy-app', 0.25);
SELECT set_config('t.sr_total', public.budget_status() ->> 'daily_total', true);
RESET ROLE;
SELECT ok(current_setting('t.sr_rid') <> '', 'service_role reserves');
SELECT is(current_setting('t.sr_settle'), 'settled', 'service_role settles');
SELECT is(current_setting('t.sr_total')::numeric, 0.75, 'a legacy insert by service_role counts (the trigger runs as definer)');

SET LOCAL ROLE moose_runner;
SELECT set_config('t.mr_release', public.release_reservation(
    (public.check_and_reserve_budget(1, 'runner') ->> 'reservationId')::uuid) ->> 'status', true);
SELECT set_config('t.mr_expire', public.expire_reservations()::text, true);
SELECT set_config('t.mr_kill', public.emergency_kill('drill') ->> 'killedBy', true);
SELECT set_config('t.mr_resume', public.resume_operations('drill over') ->> 'resumedBy', true);
RESET ROLE;
SELECT is(current_setting('t.mr_release'), 'released', 'moose_runner reserves and releases');
SELECT is(current_setting('t.mr_expire'), '0', 'moose_runner sweeps expired reservations');
SELECT is(current_setting('t.mr_kill'), 'moose_runner', 'moose_runner kills, recorded as itself');
SELECT is(current_setting('t.mr_resume'), 'moose_runner', 'moose_runner resumes');

SELECT * FROM finish();
ROLLBACK;
