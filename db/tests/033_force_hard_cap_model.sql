-- budget_force_hard_cap_model (the force_cheaper_model decision): while on, every reservation
-- must use the hard-cap model whatever the spend tier; the critical tier still refuses other
-- models; resolving a budget escalation with force_cheaper_model turns it on through
-- update_config (audited); turning it off restores the tier rules.
BEGIN;
SELECT plan(18);

UPDATE public.system_config SET value = '100' WHERE key = 'daily_budget_limit';

SELECT is(public.check_and_reserve_budget(1, 'coder', '{"model": "gpt-4o"}') ->> 'model', 'gpt-4o',
          'off (the default): at 0% spend gpt-4o is used as asked');
SELECT is(public.budget_status() -> 'force_hard_cap_model', 'false'::jsonb, 'budget_status shows it off');

-- The rule itself: which tier's model rule applies.
SELECT is(private.budget_model_tier('warning', private.budget_settings()), 'warning', 'not forced: the spend tier''s rule');
-- Forced by the escalation decision.
SELECT create_escalation(NULL, 'budget_warning', '{"daily_total": 55}');
CREATE TEMP TABLE decided AS
SELECT resolve_escalation(id, 'force_cheaper_model') AS r FROM escalations WHERE trigger_type = 'budget_warning' AND status = 'pending';
SELECT is((SELECT r -> 'effect' ->> 'action' FROM decided), 'set_config', 'force_cheaper_model sets config');
SELECT is((SELECT r -> 'effect' ->> 'key' FROM decided), 'budget_force_hard_cap_model', 'the forcing key');
SELECT is((SELECT value FROM system_config WHERE key = 'budget_force_hard_cap_model'), 'true'::jsonb, 'now on');
SELECT is((SELECT count(*)::int FROM audit_log WHERE action = 'config.update' AND target = 'budget_force_hard_cap_model'), 1,
          'the change is audited like any config change');
SELECT is(public.budget_status() -> 'force_hard_cap_model', 'true'::jsonb, 'budget_status shows it on');
SELECT is(private.budget_model_tier('normal', private.budget_settings()), 'hard_cap', 'forced: normal gets the hard-cap rule');
SELECT is(private.budget_model_tier('critical', private.budget_settings()), 'critical', 'forced: critical keeps its stricter rule');

CREATE TEMP TABLE forced AS SELECT public.check_and_reserve_budget(1, 'coder', '{"model": "gpt-4o"}') AS a;
SELECT is((SELECT a ->> 'model' FROM forced), 'gpt-4o-mini', 'at 0% spend gpt-4o must now use gpt-4o-mini');
SELECT is((SELECT a ->> 'modelDecision' || '/' || (a ->> 'tier') FROM forced), 'forced/normal',
          'forced, while the spend tier is still normal');
SELECT is((SELECT row(r.model, r.model_decision, r.tier)::text FROM budget_reservations AS r
           WHERE r.id = (SELECT (a ->> 'reservationId')::uuid FROM forced)),
          '(gpt-4o-mini,forced,normal)', 'the stored reservation says the same');
SELECT is(public.check_and_reserve_budget(1, 'coder') ->> 'model', 'gpt-4o-mini', 'a call naming no model gets the hard-cap model');
SELECT is(public.check_and_reserve_budget(1, 'coder', '{"model": "gpt-4o-mini"}') ->> 'modelDecision', 'as_is',
          'the hard-cap model itself is as asked');

-- The critical tier's stricter rule still applies.
INSERT INTO public.cost_tracking (service_name, cost) VALUES ('legacy', 85);
SELECT is(public.check_and_reserve_budget(1, 'coder', '{"model": "gpt-4o"}') ->> 'reason', 'model_not_allowed',
          'at 85% another model is refused, forced or not');

-- Lifted.
DELETE FROM public.cost_tracking WHERE service_name = 'legacy';
SELECT update_config('budget_force_hard_cap_model', 'false');
SELECT is(public.check_and_reserve_budget(1, 'coder', '{"model": "gpt-4o"}') ->> 'model', 'gpt-4o',
          'turned off: the tier rules alone again');
SELECT throws_ok($$SELECT update_config('budget_force_hard_cap_model', '"yes"')$$,
                 '22023', 'config "budget_force_hard_cap_model" must be true or false, got "yes"',
                 'the flag must be a JSON boolean');

SELECT * FROM finish();
ROLLBACK;
