-- Escalation decisions do only what their option declares (private.escalation_actions,
-- private.escalation_params): a dashboard user cannot override an option's fixed value
-- (force_cheaper_model with {"value": false}), increase_daily_budget accepts only an increase of
-- at most escalation_budget_raise_max_multiple times today's limit, undeclared or mistyped
-- parameters are 22023 with a hint that says what the option takes, nothing is written, and the
-- decision log records the parameters actually applied. The list of actions is the one place:
-- each has its effect function and the policy validation reads it.
BEGIN;
SELECT plan(26);

CREATE FUNCTION pg_temp.decide(p_option text, p_params text, p_notes text DEFAULT 'approved by lead') RETURNS text LANGUAGE sql AS $$
    SELECT test_helpers.as_role('authenticated',
        format('SELECT resolve_escalation(%L, %L, %L, p_params => %L) ->> ''status''',
               (SELECT id FROM public.escalations WHERE trigger_type = 'budget_warning' AND status = 'pending' LIMIT 1),
               p_option, p_notes, p_params),
        '{"sub": "dash-user", "role": "authenticated"}')
$$;

SELECT public.create_escalation(NULL, 'budget_warning', '{"daily_total": 60}');

-- force_cheaper_model fixes value = true
SELECT is(pg_temp.decide('force_cheaper_model', '{"value": false}'), 'ERROR 22023',
          'authenticated cannot turn the force off through params: 22023');
SELECT is((SELECT value FROM public.system_config WHERE key = 'budget_force_hard_cap_model'), 'false'::jsonb,
          'and the config is unchanged');
SELECT is((SELECT status FROM public.escalations WHERE trigger_type = 'budget_warning'), 'pending', 'and the escalation is still open');
SELECT alike(test_helpers.hint_of(format('SELECT resolve_escalation(%L, %L, p_params => %L)',
             (SELECT id FROM public.escalations WHERE trigger_type = 'budget_warning'), 'force_cheaper_model', '{"value": false}')),
             'Option force_cheaper_model takes no parameters%', 'the hint says the option takes no parameters');

-- increase_daily_budget: an increase, at most 2x today's limit (100)
SELECT is(pg_temp.decide('increase_daily_budget', '{"value": 0}'), 'ERROR 22023', 'a budget of 0 (stop all spend): 22023');
SELECT is(pg_temp.decide('increase_daily_budget', '{"value": 1000000}'), 'ERROR 22023', 'a budget of 1,000,000: 22023');
SELECT is(pg_temp.decide('increase_daily_budget', '{"value": 100}'), 'ERROR 22023', 'today''s limit itself is no increase: 22023');
SELECT is(pg_temp.decide('increase_daily_budget', '{"value": 200.01}'), 'ERROR 22023', 'just over 2x: 22023');
SELECT is(pg_temp.decide('increase_daily_budget', '{"value": "150"}'), 'ERROR 22023', 'a string: 22023');
SELECT is(pg_temp.decide('increase_daily_budget', '{"value": 150, "reason": "x"}'), 'ERROR 22023', 'an undeclared parameter: 22023');
SELECT is(pg_temp.decide('increase_daily_budget', '{}'), 'ERROR 22023', 'no value: 22023');
SELECT alike(test_helpers.hint_of(format('SELECT resolve_escalation(%L, %L, %L, p_params => %L)',
             (SELECT id FROM public.escalations WHERE trigger_type = 'budget_warning'), 'increase_daily_budget', 'ok', '{"value": 1000000}')),
             'Pass a value in (100, 200.00]%', 'the hint gives the allowed range');
SELECT is((SELECT value FROM public.system_config WHERE key = 'daily_budget_limit'), '100'::jsonb, 'the limit is still 100');
SELECT is(pg_temp.decide('increase_daily_budget', '{"value": 200}'), 'resolved', 'exactly 2x is accepted');
SELECT is((SELECT value FROM public.system_config WHERE key = 'daily_budget_limit'), '200'::jsonb, 'and applied');
SELECT is((SELECT resolution -> 'params' FROM public.escalations WHERE trigger_type = 'budget_warning'), '{"value": 200}'::jsonb,
          'the decision log records the applied parameters');
SELECT is((SELECT details -> 'params' FROM public.audit_log WHERE action = 'escalation.resolved' ORDER BY id DESC LIMIT 1),
          '{"value": 200}'::jsonb, 'and so does the audit row');

-- the fixed value is what the log records for force_cheaper_model
SELECT public.create_escalation(NULL, 'budget_warning', '{"daily_total": 60}');
SELECT is(pg_temp.decide('force_cheaper_model', '{}'), 'resolved', 'force_cheaper_model without params is accepted');
SELECT is((SELECT resolution -> 'params' FROM public.escalations WHERE trigger_type = 'budget_warning' AND decision_option = 'force_cheaper_model'),
          '{"key": "budget_force_hard_cap_model", "value": true}'::jsonb, 'its log records the fixed key and value it applied');

-- a work-order option that fixes its model
INSERT INTO public.work_orders (id, title, status) VALUES ('00000000-0000-0000-0000-000000000531', 'wo', 'in_progress');
SELECT public.create_escalation('00000000-0000-0000-0000-000000000531', 'retry_exhausted', '{}');
SELECT throws_ok(format('SELECT resolve_escalation(%L, %L, p_params => %L)',
                        (SELECT id FROM public.escalations WHERE trigger_type = 'retry_exhausted'), 'retry_stronger_model', '{"model": "gpt-4o-mini"}'),
                 '22023', 'option retry_stronger_model fixes model = "claude-sonnet-4.5"; a decision cannot change it',
                 'retry_stronger_model fixes its model: another one is 22023');
SELECT is((SELECT status FROM public.work_orders WHERE id = '00000000-0000-0000-0000-000000000531'), 'in_progress', 'the work order did not move');

-- the config key is validated
SELECT throws_ok($$SELECT update_config('escalation_budget_raise_max_multiple', '1')$$,
                 '22023', 'config "escalation_budget_raise_max_multiple" = 1 is out of range [1.1, 10]',
                 'a multiple of 1 (no increase possible): 22023');
SELECT throws_ok($$SELECT update_config('escalation_budget_raise_max_multiple', '100')$$,
                 '22023', 'config "escalation_budget_raise_max_multiple" = 100 is out of range [1.1, 10]',
                 'a multiple of 100: 22023');

-- the list is the one place
SELECT is((SELECT count(*)::integer FROM jsonb_object_keys(private.escalation_actions()) AS k
           WHERE to_regprocedure(format('private.escalation_effect_%s(public.escalations, public.work_orders, jsonb, jsonb, text)', k)) IS NULL),
          0, 'every action in private.escalation_actions() has its private.escalation_effect_<action>');
SELECT throws_ok($$UPDATE escalation_policies SET resolution_options = resolution_options || '[{"key": "x", "label": "X", "description": "d", "pros": [], "cons": [], "effect": {"action": "retry", "value": 5}, "requires_notes": false, "prior": 0.5}]' WHERE trigger_type = 'retry_exhausted'$$,
                 '22023', 'option x of retry_exhausted sets effect fields its action retry does not take: value',
                 'an option may not set effect fields its action does not take');
SELECT throws_ok($$UPDATE escalation_policies SET resolution_options = resolution_options || '[{"key": "x", "label": "X", "description": "d", "pros": [], "cons": [], "effect": {"action": "set_config", "key": "daily_budget_limit"}, "requires_notes": false, "prior": 0.5}]' WHERE trigger_type = 'retry_exhausted'$$,
                 '22023', 'option x of retry_exhausted must fix an existing config key and its value, got key daily_budget_limit',
                 'a set_config option must fix its value');

SELECT * FROM finish();
ROLLBACK;
