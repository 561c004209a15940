-- create_escalation: one open escalation per work order and trigger type (a repeat returns the
-- open one, also for system-wide NULL work orders); priority and SLA from escalation_policies as
-- runbook section 3 gives them; a new escalation raises exactly one alert; bad arguments are
-- refused with a stable SQLSTATE and a HINT, writing nothing.
BEGIN;
SELECT plan(31);

INSERT INTO public.work_orders (id, title)
SELECT ('00000000-0000-0000-0000-00000000050' || n)::uuid, 'escalation test ' || n FROM generate_series(0, 9) AS n;

-- Policy-derived priority and SLA, per type (runbook 1.2 and 3.1) ------------------------------------
CREATE TEMP TABLE opened AS
SELECT t.trigger_type, public.create_escalation(('00000000-0000-0000-0000-00000000050' || t.n)::uuid, t.trigger_type,
                                                jsonb_build_object('n', t.n)) AS id
FROM (VALUES (1, 'retry_exhausted'), (2, 'budget_warning'), (3, 'budget_critical'), (4, 'test_failures'),
             (5, 'contract_violation'), (6, 'aider_failure'), (7, 'stuck_work_order')) AS t (n, trigger_type);

SELECT results_eq(
    $$SELECT o.trigger_type, e.priority, e.sla_due_at - now(), e.status
      FROM opened AS o JOIN public.escalations AS e ON e.id = o.id ORDER BY o.trigger_type$$,
    $$VALUES ('aider_failure', 'medium', interval '2 hours', 'pending'),
             ('budget_critical', 'high', interval '30 minutes', 'pending'),
             ('budget_warning', 'medium', interval '2 hours', 'pending'),
             ('contract_violation', 'high', interval '1 hour', 'pending'),
             ('retry_exhausted', 'medium', interval '2 hours', 'pending'),
             ('stuck_work_order', 'medium', interval '2 hours', 'pending'),
             ('test_failures', 'medium', interval '4 hours', 'pending')$$,
    'priority and SLA deadline come from the policy of each type (high 30 min / 1 h, medium 2 h, test failures 4 h)');
SELECT is((SELECT context FROM public.escalations WHERE id = (SELECT id FROM opened WHERE trigger_type = 'test_failures')),
          '{"n": 4}'::jsonb, 'the context is stored as given');
SELECT is((SELECT work_order_id FROM public.escalations WHERE id = (SELECT id FROM opened WHERE trigger_type = 'test_failures')),
          '00000000-0000-0000-0000-000000000504'::uuid, 'the escalation names its work order');

-- A policy change applies to escalations opened afterwards -------------------------------------------------
UPDATE public.escalation_policies SET sla = interval '45 minutes', priority = 'high' WHERE trigger_type = 'aider_failure';
CREATE TEMP TABLE changed AS SELECT public.create_escalation('00000000-0000-0000-0000-000000000508', 'aider_failure', '{}') AS id;
SELECT results_eq($$SELECT priority, sla_due_at - now() FROM public.escalations WHERE id = (SELECT id FROM changed)$$,
                  $$VALUES ('high', interval '45 minutes')$$, 'priority and SLA are read from the policy table, not from code');

-- Dedupe ----------------------------------------------------------------------------------------------------
SELECT is(public.create_escalation('00000000-0000-0000-0000-000000000504', 'test_failures', '{"again": true}'),
          (SELECT id FROM opened WHERE trigger_type = 'test_failures'),
          'a second call for the same work order and type returns the open escalation');
SELECT is((SELECT context FROM public.escalations WHERE id = (SELECT id FROM opened WHERE trigger_type = 'test_failures')),
          '{"n": 4}'::jsonb, 'the repeat does not overwrite the open escalation');
SELECT is((SELECT count(*)::int FROM public.escalations WHERE work_order_id = '00000000-0000-0000-0000-000000000504'), 1,
          'the repeat created no second row');
SELECT isnt(public.create_escalation('00000000-0000-0000-0000-000000000504', 'retry_exhausted', '{}'),
            (SELECT id FROM opened WHERE trigger_type = 'test_failures'),
            'another type for the same work order opens its own escalation');
UPDATE public.escalations SET status = 'acknowledged' WHERE id = (SELECT id FROM opened WHERE trigger_type = 'contract_violation');
SELECT is(public.create_escalation('00000000-0000-0000-0000-000000000505', 'contract_violation', '{}'),
          (SELECT id FROM opened WHERE trigger_type = 'contract_violation'),
          'an acknowledged escalation still counts as open');
UPDATE public.escalations SET status = 'resolved' WHERE id = (SELECT id FROM opened WHERE trigger_type = 'retry_exhausted');
CREATE TEMP TABLE reopened AS
SELECT public.create_escalation('00000000-0000-0000-0000-000000000501', 'retry_exhausted', '{"second": true}') AS id;
SELECT isnt((SELECT id FROM reopened), (SELECT id FROM opened WHERE trigger_type = 'retry_exhausted'),
            'after the open one is resolved, a new escalation opens');

-- System-wide escalations (NULL work order) dedupe too ------------------------------------------------------
CREATE TEMP TABLE system_wide AS SELECT public.create_escalation(NULL, 'budget_critical', '{"daily_total": 101}') AS id;
SELECT is(public.create_escalation(NULL, 'budget_critical', '{"daily_total": 105}'), (SELECT id FROM system_wide),
          'a second system-wide escalation of one type returns the open one');
SELECT is((SELECT count(*)::int FROM public.escalations WHERE work_order_id IS NULL AND trigger_type = 'budget_critical'), 1,
          'only one system-wide budget_critical escalation exists');
SELECT isnt(public.create_escalation(NULL, 'budget_warning', '{}'), (SELECT id FROM system_wide),
            'another system-wide type is its own escalation');

-- Exactly one alert per new escalation ------------------------------------------------------------------------
SELECT is((SELECT count(*)::int FROM public.alerts WHERE dedupe_key = 'escalation:' || (SELECT id FROM system_wide)), 1,
          'a new escalation raised one alert');
SELECT results_eq(
    $$SELECT severity, kind, occurrences, context ->> 'trigger_type', context ->> 'priority'
      FROM public.alerts WHERE dedupe_key = 'escalation:' || (SELECT id FROM system_wide)$$,
    $$VALUES ('error', 'escalation.opened', 1, 'budget_critical', 'high')$$,
    'the alert of a high-priority escalation is an error-level escalation.opened, raised once despite the repeat');
SELECT is((SELECT severity FROM public.alerts WHERE dedupe_key = 'escalation:' || (SELECT id FROM opened WHERE trigger_type = 'test_failures')),
          'warning', 'a medium-priority escalation raises a warning');
SELECT is((SELECT context ->> 'escalation_id' FROM public.alerts WHERE dedupe_key = 'escalation:' || (SELECT id FROM system_wide)),
          (SELECT id FROM system_wide)::text, 'the alert context names the escalation');
SELECT is((SELECT count(*)::int FROM public.alerts WHERE kind = 'escalation.opened'),
          (SELECT count(*)::int FROM public.escalations), 'one alert per escalation ever opened, none per repeat');

-- Bad arguments: stable SQLSTATE, a HINT, nothing written -------------------------------------------------------
CREATE TEMP TABLE counts_before AS
SELECT (SELECT count(*) FROM public.escalations) AS escalations, (SELECT count(*) FROM public.alerts) AS alerts;
SELECT throws_ok($$SELECT public.create_escalation('00000000-0000-0000-0000-000000000509', NULL, '{}')$$,
                 '22004', 'trigger type must not be NULL', 'NULL trigger type refused');
SELECT throws_ok($$SELECT public.create_escalation('00000000-0000-0000-0000-000000000509', 'server_on_fire', '{}')$$,
                 '22023', 'unknown escalation trigger type "server_on_fire"', 'unknown trigger type refused');
SELECT throws_ok($$SELECT public.create_escalation('00000000-0000-0000-0000-000000000509', repeat('x', 100000), '{}')$$,
                 '22023', 'trigger type must be at most 63 characters, got 100000', 'huge trigger type refused');
SELECT throws_ok($$SELECT public.create_escalation('00000000-0000-0000-0000-000000000509', 'test_failures', '[]')$$,
                 '22023', 'escalation context must be a JSON object, got array', 'array context refused');
SELECT throws_ok($$SELECT public.create_escalation('00000000-0000-0000-0000-000000000509', 'test_failures', '"oops"')$$,
                 '22023', 'escalation context must be a JSON object, got string', 'string context refused');
SELECT throws_ok($$SELECT public.create_escalation('00000000-0000-0000-0000-000000000509', 'test_failures', NULL)$$,
                 '22004', 'escalation context must not be NULL', 'NULL context refused');
SELECT throws_ok($$SELECT public.create_escalation('00000000-0000-0000-0000-0000000005ff', 'test_failures', '{}')$$,
                 'P0002', 'work order 00000000-0000-0000-0000-0000000005ff does not exist', 'unknown work order refused');
SELECT is((SELECT count(*) FROM public.escalations), (SELECT escalations FROM counts_before), 'refused calls wrote no escalation');
SELECT is((SELECT count(*) FROM public.alerts), (SELECT alerts FROM counts_before), 'refused calls raised no alert');
SELECT matches(test_helpers.hint_of($$SELECT public.create_escalation(NULL, 'server_on_fire', '{}')$$), 'retry_exhausted',
               'the unknown-type error lists the known types in its HINT');
SELECT isnt(test_helpers.hint_of($$SELECT public.create_escalation(NULL, NULL, '{}')$$), NULL, 'the NULL-type error has a HINT');
SELECT isnt(test_helpers.hint_of($$SELECT public.create_escalation(NULL, 'test_failures', '[]')$$), NULL, 'the bad-context error has a HINT');
SELECT isnt(test_helpers.hint_of($$SELECT public.create_escalation('00000000-0000-0000-0000-0000000005ff', 'test_failures', '{}')$$), NULL,
            'the unknown-work-order error has a HINT');

SELECT * FROM finish();
ROLLBACK;
