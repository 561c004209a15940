-- Cap escalations: a service or work-order budget that refuses a call opens a
-- budget_cap_reached escalation (the call's work order's where it names one) once per scope and
-- period; a refusal still writes no reservation; raise_cap raises exactly that budget through
-- set_budget (audited) within escalation_budget_raise_max_multiple, pause and cancel move the
-- work order; roles.
BEGIN;
SELECT plan(39);

CREATE FUNCTION pg_temp.decide(p_escalation uuid, p_option text, p_params text, p_notes text DEFAULT 'approved by lead') RETURNS text LANGUAGE sql AS $$
    SELECT test_helpers.as_role('authenticated',
        format('SELECT resolve_escalation(%L, %L, %L, p_params => %L) ->> ''status''', p_escalation, p_option, p_notes, p_params),
        '{"sub": "dash-user", "role": "authenticated"}')
$$;
CREATE FUNCTION pg_temp.reserve(p_amount numeric, p_service text, p_metadata jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT public.check_and_reserve_budget(p_amount, p_service, p_metadata)
$$;
CREATE FUNCTION pg_temp.cap_escalations(p_work_order uuid) RETURNS integer LANGUAGE sql AS $$
    SELECT count(*)::integer FROM public.escalations
    WHERE trigger_type = 'budget_cap_reached' AND work_order_id IS NOT DISTINCT FROM p_work_order
$$;

-- Day one is the budget day in UTC-12; day two in UTC+14 is always a later date.
UPDATE public.system_config SET value = '"Etc/GMT+12"' WHERE key = 'budget_timezone';
UPDATE public.system_config SET value = '1000' WHERE key = 'daily_budget_limit';
INSERT INTO public.work_orders (id, title, status) VALUES
    ('00000000-0000-4000-8000-000000000361', 'capped by its service', 'in_progress'),
    ('00000000-0000-4000-8000-000000000362', 'capped by itself', 'in_progress');
SELECT public.set_budget('service', '*', 'day', 1);
SELECT public.set_budget('work_order', '00000000-0000-4000-8000-000000000362', 'total', 0.5);

-- The policy.
SELECT is((SELECT priority || ' ' || sla FROM public.escalation_policies WHERE trigger_type = 'budget_cap_reached'),
          'high 00:30:00', 'budget_cap_reached is high priority with a 30-minute SLA');
SELECT set_eq($$SELECT o.value ->> 'key' || ':' || (o.value -> 'effect' ->> 'action') FROM escalation_policies p, jsonb_array_elements(p.resolution_options) o
                WHERE p.trigger_type = 'budget_cap_reached'$$,
              ARRAY['raise_cap:raise_budget_cap', 'pause:pause', 'cancel:cancel'], 'options: raise the cap, pause, cancel');

-- A service cap refusal opens one escalation, for the work order the call names.
SELECT ok((pg_temp.reserve(0.8, 'coder', '{"work_order_id": "00000000-0000-4000-8000-000000000361"}') ->> 'canProceed')::boolean,
          'a call within the service cap is admitted');
SELECT is(pg_temp.cap_escalations(NULL) + pg_temp.cap_escalations('00000000-0000-4000-8000-000000000361'), 0,
          'an admitted call opens nothing');
SELECT is(pg_temp.reserve(0.5, 'coder', '{"work_order_id": "00000000-0000-4000-8000-000000000361"}') #>> '{scope,scope}', 'service',
          'a call past the service cap is refused by the service budget');
SELECT is(pg_temp.cap_escalations('00000000-0000-4000-8000-000000000361'), 1, 'the refusal opened one escalation for the work order');
SELECT is((SELECT context - 'periodStart' FROM public.escalations WHERE trigger_type = 'budget_cap_reached'),
          '{"scope": "service", "key": "coder", "budgetKey": "*", "period": "day", "limit": 1, "spent": 0, "reserved": 0.8}'::jsonb,
          'its context names the scope, key, budget key, period, limit, spent and reserved');
SELECT is((SELECT (context ->> 'periodStart')::date FROM public.escalations WHERE trigger_type = 'budget_cap_reached'),
          private.budget_day(now()), 'and the period start');
SELECT is((SELECT priority FROM public.escalations WHERE trigger_type = 'budget_cap_reached'), 'high', 'with the policy''s priority');
SELECT is((SELECT count(*)::int FROM public.budget_reservations WHERE service_name = 'coder'), 1, 'the refusal wrote no reservation');
SELECT is((SELECT sum(reserved) FROM public.budget_stripes WHERE scope = 'service' AND key = 'coder'), 0.8::numeric,
          'and reserved nothing on the service budget');

-- A second refusal in the same period opens nothing new (nor does another scope's refusal).
SELECT is(pg_temp.reserve(0.5, 'coder', '{"work_order_id": "00000000-0000-4000-8000-000000000361", "idempotency_key": "k-1"}') ->> 'reason',
          'limit_exceeded', 'the next call is refused too');
SELECT is(pg_temp.cap_escalations('00000000-0000-4000-8000-000000000361'), 1, 'and opens no second escalation');
SELECT is((SELECT count(*)::int FROM public.budget_reservations WHERE service_name = 'coder'), 1,
          'a refusal with an idempotency key writes no reservation either');
SELECT public.set_budget('project', 'checkout', 'day', 0.1);
SELECT is(pg_temp.reserve(0.5, 'other', '{"project": "checkout"}') #>> '{scope,scope}', 'project', 'a project cap refuses');
SELECT is(pg_temp.cap_escalations(NULL), 0, 'and opens no escalation (only services and work orders do)');

-- raise_cap: only an increase of at most escalation_budget_raise_max_multiple times the limit.
SELECT is(pg_temp.decide((SELECT id FROM public.escalations WHERE trigger_type = 'budget_cap_reached'), 'raise_cap', '{"value": 2.5}'),
          'ERROR 22023', 'raising the cap past twice its limit is 22023');
SELECT alike(test_helpers.hint_of(format('SELECT resolve_escalation(%L, %L, %L, p_params => %L)',
                 (SELECT id FROM public.escalations WHERE trigger_type = 'budget_cap_reached'), 'raise_cap', 'ok', '{"value": 1}')),
             'Pass a value in (1.000000, 2.000000]%', 'not an increase is refused with the allowed range as hint');
SELECT is((SELECT count(*)::int FROM public.budgets WHERE scope = 'service'), 1, 'refused raises changed no budget');
SELECT is((SELECT status FROM public.escalations WHERE trigger_type = 'budget_cap_reached'), 'pending', 'and the escalation stays open');
SELECT is(pg_temp.decide((SELECT id FROM public.escalations WHERE trigger_type = 'budget_cap_reached'), 'raise_cap', '{"value": 2}'),
          'resolved', 'raise_cap to 2 resolves the escalation');
SELECT is((SELECT budget_limit FROM public.budgets WHERE scope = 'service' AND key = 'coder' AND period = 'day'), 2::numeric,
          'the capped service got its own budget of 2 (the * budget stays 1)');
SELECT is((SELECT details ->> 'limit' FROM public.audit_log WHERE action = 'budget.set_budget' AND target = 'budget:service:coder:day'),
          '2', 'the raise is audited as a set_budget');
SELECT ok((pg_temp.reserve(0.5, 'coder', '{"work_order_id": "00000000-0000-4000-8000-000000000361"}') ->> 'canProceed')::boolean,
          'the call fits under the raised cap');
SELECT is(pg_temp.reserve(1, 'coder', '{"work_order_id": "00000000-0000-4000-8000-000000000361"}') ->> 'reason', 'limit_exceeded',
          'reaching the raised cap in the same period is refused');
SELECT is(pg_temp.cap_escalations('00000000-0000-4000-8000-000000000361'), 1, 'and opens nothing: once per scope and period');

-- A new day opens a new one; pause moves the work order.
UPDATE public.system_config SET value = '"Etc/GMT-14"' WHERE key = 'budget_timezone';
SELECT ok((pg_temp.reserve(1.5, 'coder', '{"work_order_id": "00000000-0000-4000-8000-000000000361"}') ->> 'canProceed')::boolean,
          'a new day starts empty');
SELECT is(pg_temp.reserve(1, 'coder', '{"work_order_id": "00000000-0000-4000-8000-000000000361"}') ->> 'reason', 'limit_exceeded',
          'and its cap refuses');
SELECT is(pg_temp.cap_escalations('00000000-0000-4000-8000-000000000361'), 2, 'the new day opened a new escalation');
SELECT is(pg_temp.decide((SELECT id FROM public.escalations WHERE trigger_type = 'budget_cap_reached' AND status = 'pending'), 'pause', '{}'),
          'resolved', 'pause resolves it');
SELECT is((SELECT status FROM public.work_orders WHERE id = '00000000-0000-4000-8000-000000000361'), 'paused', 'and pauses the work order');

-- A work order's own cap (total): cancel; a zero cap cannot be raised by a multiple.
SELECT is(pg_temp.reserve(0.7, 'solo', '{"work_order_id": "00000000-0000-4000-8000-000000000362"}') #>> '{scope,scope}', 'work_order',
          'a work-order cap refuses');
SELECT is(pg_temp.decide((SELECT id FROM public.escalations WHERE work_order_id = '00000000-0000-4000-8000-000000000362'), 'cancel', '{}'),
          'resolved', 'cancel resolves the work order''s own escalation');
SELECT is((SELECT status FROM public.work_orders WHERE id = '00000000-0000-4000-8000-000000000362'), 'cancelled', 'and cancels the work order');
SELECT public.set_budget('service', 'frozen', 'day', 0);
SELECT is(pg_temp.reserve(0.5, 'frozen', '{}') #>> '{scope,key}', 'frozen', 'a zero service cap refuses a call without a work order');
SELECT alike(test_helpers.hint_of(format('SELECT resolve_escalation(%L, %L, %L, p_params => %L)',
                 (SELECT id FROM public.escalations WHERE trigger_type = 'budget_cap_reached' AND work_order_id IS NULL), 'raise_cap', 'ok', '{"value": 1}')),
             'The limit is 0%', 'its system-wide escalation says a zero limit cannot be raised by a multiple');

-- Roles: the marker table is read by the service roles only; the helper is private.
SELECT is(test_helpers.as_role('service_role', $$SELECT count(*) FROM public.budget_cap_escalations$$), '4',
          'service_role reads budget_cap_escalations (one row per scope and period)');
SELECT is(test_helpers.as_role('authenticated', $$SELECT count(*) FROM public.budget_cap_escalations$$), 'ERROR 42501',
          'authenticated may not read budget_cap_escalations');
SELECT is(test_helpers.as_role('anon', $$SELECT private.budget_cap_escalate('{}', NULL)$$), 'ERROR 42501',
          'anon may not call the private helper');

SELECT * FROM finish();
ROLLBACK;
