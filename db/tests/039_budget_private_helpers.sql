-- The budget engine's internal helpers: each exists with the signature the gate calls, none is
-- executable by an API role or the runner (they act only inside the public budget functions),
-- the target check follows the shared non-blank rule, and budget_debit debits one stripe or
-- answers -1 when the budget is short, writing nothing then.
BEGIN;
SELECT plan(17);

SELECT has_function('private', 'budget_applicable', ARRAY['text', 'text', 'text', 'date'], 'private.budget_applicable exists');
SELECT has_function('private', 'budget_check_target', ARRAY['text', 'text', 'text'], 'private.budget_check_target exists');
SELECT has_function('private', 'budget_close_reservations', ARRAY['uuid[]', 'text'], 'private.budget_close_reservations exists');
SELECT has_function('private', 'budget_config_check', ARRAY['private.budget_config'], 'private.budget_config_check exists');
SELECT has_function('private', 'budget_cost_refs', ARRAY['text', 'text', 'text', 'date'], 'private.budget_cost_refs exists');
SELECT has_function('private', 'budget_debit', ARRAY['smallint', 'text', 'text', 'text', 'date', 'numeric', 'integer'], 'private.budget_debit exists');
SELECT has_function('private', 'budget_expire', ARRAY['date'], 'private.budget_expire exists');
SELECT has_function('private', 'budget_fire_due_kill', ARRAY['date'], 'private.budget_fire_due_kill exists');
SELECT has_function('private', 'budget_kill_days', '{}'::name[], 'private.budget_kill_days exists');
SELECT has_function('private', 'budget_kill_due', ARRAY['date', 'numeric'], 'private.budget_kill_due exists');
SELECT has_function('private', 'budget_resplit', ARRAY['text', 'text', 'text', 'numeric'], 'private.budget_resplit exists');

SELECT is(ARRAY(SELECT format('%s %s', r, p.oid::regprocedure) FROM pg_proc AS p
                CROSS JOIN unnest(ARRAY['anon', 'authenticated', 'service_role', 'moose_runner']) AS r
                WHERE p.pronamespace = 'private'::regnamespace AND p.proname LIKE 'budget\_%'
                  AND has_function_privilege(r, p.oid, 'EXECUTE') ORDER BY 1),
          '{}'::text[], 'no API role or the runner executes a budget helper directly');

SELECT throws_ok($$SELECT private.budget_check_target('service', E'architect\u00a0', 'day')$$,
                 '22023', 'budget key must be 1 to 200 characters without surrounding blanks, got 10',
                 'a key with a trailing no-break space is refused by the shared non-blank rule');
SELECT throws_ok($$SELECT private.budget_check_target('global', 'architect', 'day')$$,
                 '22023', 'the global scope has only the key *, got architect', 'the global scope has only the key *');

SELECT public.set_budget('service', 'zz-helper-svc', 'day', 1);
CREATE TEMP TABLE debit_target AS
SELECT private.budget_scope_rank('service') AS rank,
       private.budget_period_start('day', private.budget_day(now())) AS start;
SELECT is((SELECT (private.budget_debit(t.rank, 'service', 'zz-helper-svc', 'day', t.start, 0.6, 1)).o_stripe FROM debit_target AS t),
          0, 'a debit that fits lands on the budget''s stripe');
SELECT is((SELECT (private.budget_debit(t.rank, 'service', 'zz-helper-svc', 'day', t.start, 0.6, 1)).o_stripe FROM debit_target AS t),
          -1, 'a debit past the limit answers -1 (short)');
SELECT is((SELECT u.reserved FROM public.budget_usage('service') AS u WHERE u.key = 'zz-helper-svc'),
          0.6::numeric, 'only the debit that fitted is reserved');

SELECT * FROM finish();
ROLLBACK;
