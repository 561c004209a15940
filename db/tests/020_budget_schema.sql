-- The budget engine's schema: ledger, reservations, kill switch, model policies, config keys,
-- and who may touch them directly.
BEGIN;
SELECT plan(22);

SELECT has_view('public', 'budget_ledger', 'budget_ledger (the global day per day, over its stripes) exists');
SELECT has_table('public', 'budget_reservations', 'budget_reservations exists');
SELECT has_table('public', 'budget_kill_switch', 'budget_kill_switch exists');
SELECT has_table('public', 'model_policies', 'model_policies exists');
SELECT col_is_pk('public', 'budget_stripes', ARRAY['scope_rank', 'key', 'period', 'period_start', 'stripe'], 'one stripe row per budget, period and stripe, in lock order');
SELECT has_column('public', 'cost_tracking', 'reservation_id', 'cost_tracking links to its reservation');
SELECT ok((SELECT bool_and(i.indisunique) FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
           WHERE i.indrelid = 'public.cost_tracking'::regclass AND a.attname = 'reservation_id'),
          'cost_tracking.reservation_id is unique: a reservation writes one cost row');
SELECT fk_ok('public', 'cost_tracking', 'reservation_id', 'public', 'budget_reservations', 'id');
SELECT is((SELECT count(*)::int FROM public.budget_kill_switch), 1, 'the kill switch is one row');
SELECT is((SELECT active FROM public.budget_kill_switch), false, 'the kill switch starts off');

SELECT results_eq(
    $$SELECT key, value FROM public.system_config
      WHERE key IN ('reservation_ttl', 'max_single_reservation', 'budget_hard_cap_model') ORDER BY key$$,
    $$VALUES ('budget_hard_cap_model', '"gpt-4o-mini"'::jsonb), ('max_single_reservation', '25'::jsonb),
             ('reservation_ttl', '"15 minutes"'::jsonb)$$,
    'budget config keys are seeded');
SELECT throws_ok($$UPDATE public.system_config SET value = '"soon"' WHERE key = 'reservation_ttl'$$,
                 '22023', 'config "reservation_ttl" is not a valid interval: soon', 'reservation_ttl must be an interval');
SELECT throws_ok($$UPDATE public.system_config SET value = '0' WHERE key = 'max_single_reservation'$$,
                 '22023', 'config "max_single_reservation" = 0 is out of range [0.000001, 1000000]',
                 'max_single_reservation must be positive');

SELECT is((SELECT cheaper_alternative FROM public.model_policies WHERE model = 'gpt-4o'), 'gpt-4o-mini',
          'gpt-4o steps down to gpt-4o-mini');
SELECT is((SELECT cheaper_alternative FROM public.model_policies WHERE model = 'claude-sonnet-4.5'), 'claude-haiku-4.5',
          'claude-sonnet-4.5 steps down to claude-haiku-4.5');
SELECT throws_ok($$INSERT INTO public.model_policies (model, allowed_tiers) VALUES ('x', '{turbo}')$$,
                 '23514', 'new row for relation "model_policies" violates check constraint "model_policies_allowed_tiers_check"',
                 'allowed_tiers only holds known tiers');
SELECT throws_ok($$INSERT INTO public.model_policies (model, cheaper_alternative) VALUES ('y', 'no-such-model')$$,
                 '23503', 'insert or update on table "model_policies" violates foreign key constraint "model_policies_cheaper_alternative_fkey"',
                 'a cheaper alternative must be a known model');

-- Direct access: the API roles read; writes go through the functions.
SELECT ok(has_table_privilege('service_role', 'public.budget_ledger', 'SELECT')
          AND NOT has_table_privilege('service_role', 'public.budget_ledger', 'UPDATE'),
          'service_role reads the ledger but cannot write it directly');
SELECT ok(NOT has_table_privilege('moose_runner', 'public.budget_reservations', 'INSERT'),
          'moose_runner cannot insert reservations directly');
SELECT ok(NOT has_table_privilege('authenticated', 'public.budget_ledger', 'SELECT')
          AND NOT has_table_privilege('authenticated', 'public.budget_reservations', 'SELECT'),
          'authenticated reads the budget only through budget_status()');
SELECT ok(has_table_privilege('authenticated', 'public.model_policies', 'SELECT')
          AND NOT has_table_privilege('authenticated', 'public.model_policies', 'UPDATE'),
          'authenticated reads model policies');
SELECT ok(NOT has_table_privilege('anon', 'public.budget_kill_switch', 'SELECT'), 'anon sees nothing');

SELECT * FROM finish();
ROLLBACK;
