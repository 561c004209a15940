-- audit_log is append-only for the API roles: they add and read rows, nobody but the owner
-- rewrites or deletes them, and the dashboard and anonymous roles see nothing.
BEGIN;
SELECT plan(12);

INSERT INTO public.audit_log (actor, action, target, details) VALUES ('test', 'test.seed', 'x', '{}');

SELECT is(test_helpers.as_role('service_role', $$UPDATE public.audit_log SET actor = 'someone else' RETURNING id$$),
          'ERROR 42501', 'service_role cannot rewrite an audit row');
SELECT is(test_helpers.as_role('service_role', $$DELETE FROM public.audit_log RETURNING id$$),
          'ERROR 42501', 'service_role cannot delete audit rows');
SELECT is(test_helpers.as_role('service_role', $$TRUNCATE public.audit_log$$),
          'ERROR 42501', 'service_role cannot truncate the audit log');
SELECT is(test_helpers.as_role('moose_runner', $$UPDATE public.audit_log SET actor = 'someone else' RETURNING id$$),
          'ERROR 42501', 'the runner cannot rewrite an audit row');
SELECT is(test_helpers.as_role('moose_runner', $$DELETE FROM public.audit_log RETURNING id$$),
          'ERROR 42501', 'the runner cannot delete audit rows');
SELECT is(test_helpers.as_role('service_role',
          $$INSERT INTO public.audit_log (actor, action, target, details) VALUES ('svc', 'test.append', 'x', '{}') RETURNING action$$),
          'test.append', 'service_role may append');
SELECT is(test_helpers.as_role('moose_runner', $$SELECT count(*)::text FROM public.audit_log WHERE action LIKE 'test.%'$$),
          '2', 'the runner reads the log');
SELECT is(test_helpers.as_role('authenticated', $$SELECT count(*)::text FROM public.audit_log$$),
          'ERROR 42501', 'authenticated cannot read the log');
SELECT is(test_helpers.as_role('anon', $$SELECT count(*)::text FROM public.audit_log$$),
          'ERROR 42501', 'anon cannot read the log');

-- The writers that act for these roles still record.
SELECT is(test_helpers.as_role('service_role',
          $$UPDATE public.system_config SET value = '150' WHERE key = 'daily_budget_limit' RETURNING key$$),
          'daily_budget_limit', 'service_role changes config as the runbook does');
SELECT is((SELECT details ->> 'new' FROM public.audit_log WHERE action = 'config.update' AND target = 'daily_budget_limit'
           ORDER BY id DESC LIMIT 1), '150', 'and the change is audited');
SELECT is((SELECT count(*)::int FROM public.audit_log WHERE actor = 'test' AND action = 'test.seed'), 1,
          'the seeded row is untouched');

SELECT * FROM finish();
ROLLBACK;
