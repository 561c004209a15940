-- budget_status() keeps the runbook's /api/budget-status shape and adds tier, reserved and the
-- kill state, read from the ledger; current_budget_tier() agrees with it.
BEGIN;
SELECT plan(10);

SELECT ok(public.budget_status() ?& ARRAY['daily_total', 'limit', 'percentage', 'status', 'budget_day', 'tier',
                                          'reserved', 'remaining', 'kill_switch'],
          'budget_status has the runbook keys plus budget_day, tier, reserved, remaining, kill_switch');
SELECT is(public.budget_status() ->> 'status', 'healthy', 'an empty day is healthy');
SELECT is(public.current_budget_tier(), 'normal', 'and normal');

INSERT INTO public.cost_tracking (service_name, cost) VALUES ('legacy', 12.5);
SELECT is((public.budget_status() - 'budget_day' - 'kill_switch' - 'tier' - 'reserved' - 'remaining' - 'carried_in' - 'force_hard_cap_model' - 'fullest_scopes'),
          '{"daily_total": 12.5, "limit": 100, "percentage": 12.5, "status": "healthy"}'::jsonb,
          'the runbook''s example answer, to the cent');

SELECT public.check_and_reserve_budget(7.5, 'coder');
SELECT is((public.budget_status() ->> 'reserved')::numeric, 7.5, 'reserved shows open reservations');
SELECT is((public.budget_status() ->> 'remaining')::numeric, 80::numeric, 'remaining = limit - spent - reserved');

INSERT INTO public.cost_tracking (service_name, cost) VALUES ('legacy', 10);
SELECT is(public.budget_status() ->> 'status', 'warning', '22.5% is warning');
SELECT is(public.current_budget_tier(), public.budget_status() ->> 'tier', 'current_budget_tier agrees with budget_status');

INSERT INTO public.cost_tracking (service_name, cost) VALUES ('legacy', 60);
SELECT is(public.budget_status() ->> 'status', 'critical', '82.5% is critical');
SELECT is(public.current_budget_tier(), 'critical', 'tier critical');

SELECT * FROM finish();
ROLLBACK;
