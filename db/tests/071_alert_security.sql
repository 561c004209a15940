-- Who may touch alert delivery: secrets (alert_channel_secrets, alert_channels.url, the requests
-- claim_alert_deliveries and private.alert_request build) only for service_role and
-- moose_runner; authenticated sees channel names only; anon nothing.
BEGIN;
SELECT plan(25);

SELECT add_alert_channel('hook', 'webhook', 'https://example.com/hook', 'top-secret', 'info');
SELECT raise_alert('error', 'test.security', 'secured', '', 'sec-1');

SELECT ok(NOT has_table_privilege('authenticated', 'public.alert_channel_secrets', 'SELECT'), 'authenticated cannot read secrets');
SELECT ok(NOT has_table_privilege('anon', 'public.alert_channel_secrets', 'SELECT'), 'anon cannot read secrets');
SELECT ok(NOT has_column_privilege('authenticated', 'public.alert_channels', 'url', 'SELECT'), 'authenticated cannot read channel URLs');
SELECT ok(NOT has_column_privilege('authenticated', 'public.alert_channels', 'options', 'SELECT'), 'authenticated cannot read channel options');
SELECT ok(NOT has_table_privilege('authenticated', 'public.alert_deliveries', 'SELECT'), 'authenticated cannot read deliveries');
SELECT ok(NOT has_table_privilege('anon', 'public.alert_channels', 'SELECT'), 'anon cannot read channels');
SELECT ok(has_table_privilege('moose_runner', 'public.alert_channel_secrets', 'SELECT')
          AND has_table_privilege('service_role', 'public.alert_channel_secrets', 'SELECT'),
          'moose_runner and service_role can read secrets');
SELECT ok(NOT has_table_privilege('authenticated', 'public.alert_delivery_overview', 'SELECT')
          AND has_table_privilege('moose_runner', 'public.alert_delivery_overview', 'SELECT'),
          'alert_delivery_overview: runner yes, dashboard no');

-- pgTAP's own functions are not executable by the API roles, so each statement runs as the role
-- inside pg_temp.as_role, which answers the first value of the first row, or ERROR <SQLSTATE>.
CREATE FUNCTION pg_temp.as_role(p_role text, p_sql text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
    v_result text;
BEGIN
    EXECUTE format('SET LOCAL ROLE %I', p_role);
    PERFORM set_config('request.jwt.claims', json_build_object('sub', p_role || '-user', 'role', p_role)::text, true);
    BEGIN
        EXECUTE p_sql INTO v_result;
        v_result := coalesce(v_result, 'NULL');
    EXCEPTION WHEN OTHERS THEN
        v_result := 'ERROR ' || SQLSTATE;
    END;
    RESET ROLE;
    PERFORM set_config('request.jwt.claims', '', true);
    RETURN v_result;
END
$f$;

SELECT is(pg_temp.as_role('authenticated', $$SELECT string_agg(name || ':' || kind, ',') FROM public.alert_channels$$),
          'hook:webhook', 'authenticated lists channel names and kinds');
SELECT is(pg_temp.as_role('authenticated', $$SELECT url FROM public.alert_channels$$), 'ERROR 42501',
          'authenticated: SELECT url is refused');
SELECT is(pg_temp.as_role('authenticated', $$SELECT secret FROM public.alert_channel_secrets$$), 'ERROR 42501',
          'authenticated: SELECT secret is refused');
SELECT is(pg_temp.as_role('authenticated', $$SELECT count(*) FROM public.claim_alert_deliveries('x', 1)$$), 'ERROR 42501',
          'authenticated cannot claim (headers hold secrets)');
SELECT is(pg_temp.as_role('authenticated', $$SELECT public.add_alert_channel('evil', 'webhook', 'https://evil.example/')$$),
          'ERROR 42501', 'authenticated cannot add channels');
SELECT is(pg_temp.as_role('authenticated', $$SELECT public.update_alert_channel('hook', p_url => 'https://evil.example/')$$),
          'ERROR 42501', 'authenticated cannot redirect a channel');
SELECT is(pg_temp.as_role('authenticated', $$SELECT private.alert_request(1)$$), 'ERROR 42501',
          'authenticated cannot reach private.alert_request');

SELECT is(pg_temp.as_role('anon', $$SELECT name FROM public.alert_channels$$), 'ERROR 42501', 'anon cannot list channels');
SELECT is(pg_temp.as_role('anon', $$SELECT public.dispatch_alerts()$$), 'ERROR 42501', 'anon cannot dispatch');
SELECT is(pg_temp.as_role('anon', $$SELECT public.test_alert_channel('hook')$$), 'ERROR 42501', 'anon cannot send test alerts');

SELECT is(pg_temp.as_role('moose_runner', $$SELECT count(*) FROM public.claim_alert_deliveries('runner-1', 10)$$), '1',
          'moose_runner claims through the function');
SELECT is(pg_temp.as_role('moose_runner', $$SELECT public.record_alert_delivery_result(d.id, 1, 200) FROM public.alert_deliveries d$$),
          'delivered', 'moose_runner records results');
SELECT is(pg_temp.as_role('moose_runner', $$SELECT secret FROM public.alert_channel_secrets$$), 'top-secret',
          'moose_runner reads the secret it must send');

SELECT is(pg_temp.as_role('service_role', $$INSERT INTO public.alert_channels (name, kind, url) VALUES ('direct', 'pager', 'https://x.example/') RETURNING name$$),
          'ERROR 22023', 'a direct INSERT by service_role gets the validation answer, not a refusal');
SELECT is(pg_temp.as_role('service_role', $$INSERT INTO public.alert_channels (name, kind, url) VALUES ('direct', 'webhook', 'https://x.example/') RETURNING updated_by$$),
          'service_role-user', 'and a valid one is stamped with the actor');
SELECT is(pg_temp.as_role('service_role', $$SELECT public.update_alert_channel('hook', p_secret => 'rotated') ->> 'name'$$),
          'hook', 'service_role rotates a secret');
SELECT is((SELECT actor FROM audit_log WHERE action = 'alert_channel.update' ORDER BY id DESC LIMIT 1), 'service_role-user',
          'the rotation is audited with the actor (JWT sub)');

SELECT * FROM finish();
ROLLBACK;
