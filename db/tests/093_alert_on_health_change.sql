-- alert_on_health_change: the health-check job alerts when system_health() turns unhealthy, again
-- only after health_alert_repeat while it stays so, once when it recovers; its own clock.
BEGIN;
-- A simulated clock (2030): only a superuser session with this flag may pass one (private.scheduler_now).
SET LOCAL moose.simulated_clock = on;
SELECT plan(12);

DELETE FROM public.alerts;
DELETE FROM public.escalations;
UPDATE public.health_checks SET last_status = NULL, status_since = NULL, last_alert_at = NULL;

SELECT is(public.alert_on_health_change('2030-01-01 00:00Z') ->> 'status', 'healthy', 'a quiet system is healthy');
SELECT is((SELECT count(*) FROM public.alerts), 0::bigint, 'healthy raises nothing');

SELECT public.create_escalation(NULL, 'contract_violation', '{"why": "test"}');
DELETE FROM public.alerts;
SELECT is(public.alert_on_health_change('2030-01-01 00:05Z') ->> 'status', 'error', 'a pending escalation is an error');
SELECT is((SELECT severity || ' ' || kind FROM public.alerts), 'error health.unhealthy', 'the change raises an error alert');
SELECT is((public.alert_on_health_change('2030-01-01 00:10Z') ->> 'rows_affected')::integer, 0,
          'five minutes later: no second alert');
SELECT public.alert_on_health_change('2030-01-01 04:00Z');
SELECT is((SELECT count(*) FROM public.alerts WHERE kind = 'health.unhealthy'), 1::bigint,
          'not before health_alert_repeat (4 hours) has passed');
SELECT public.alert_on_health_change('2030-01-01 04:05Z');
SELECT is((SELECT count(*) FROM public.alerts WHERE kind = 'health.unhealthy'), 2::bigint, 'then it reminds once');
SELECT is((SELECT last_status || ' ' || status_since FROM public.health_checks), 'error 2030-01-01 00:05:00+00',
          'the check remembers since when');

UPDATE public.escalations SET status = 'dismissed', resolved_at = now();
SELECT is(public.alert_on_health_change('2030-01-01 04:10Z') ->> 'status', 'healthy', 'healthy again');
SELECT is((SELECT count(*) FROM public.alerts WHERE kind = 'health.recovered'), 1::bigint, 'one recovery alert');

SELECT throws_ok($$SELECT public.alert_on_health_change('infinity')$$,
                 '22023', 'the scheduler clock must be a finite instant, got infinity', 'an infinite clock: 22023');
SELECT throws_ok($$SET LOCAL ROLE authenticated; SELECT public.alert_on_health_change()$$,
                 '42501', 'permission denied for function alert_on_health_change', 'authenticated may not run the health check');

SELECT * FROM finish();
ROLLBACK;
