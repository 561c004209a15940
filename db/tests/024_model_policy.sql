-- Spend tiers (private.budget_tier) at their boundaries and the model each tier lets a caller
-- use (private.budget_model_for), end to end through check_and_reserve_budget.
BEGIN;
SELECT plan(24);

-- Tier boundaries with the default shares 20/50/80/100 of a 100 USD limit.
SELECT is(private.budget_tier(c.spend, private.budget_settings()), c.tier, c.description)
FROM (VALUES (19.999999, 'normal', 'under 20%: normal'), (20, 'warning', '20%: warning'),
             (49.999999, 'warning', 'just under 50%: warning'), (50, 'hard_cap', '50%: hard_cap'),
             (80, 'critical', '80%: critical'), (100, 'emergency_kill', '100%: emergency_kill')) AS c (spend, tier, description);
UPDATE public.system_config SET value = '0' WHERE key = 'daily_budget_limit';
SELECT is(private.budget_tier(0, private.budget_settings()), 'emergency_kill', 'a limit of 0 is emergency_kill');
UPDATE public.system_config SET value = '100' WHERE key = 'daily_budget_limit';

-- The model decision per tier (hard-cap model gpt-4o-mini).
SELECT is(row(m.model, m.decision)::text, c.expected, c.description)
FROM (VALUES
    ('gpt-4o', 'normal', '(gpt-4o,as_is)', 'normal: the requested model as is'),
    ('some-new-model', 'normal', '(some-new-model,as_is)', 'normal: an unknown model as is'),
    (NULL, 'normal', '(,any)', 'normal without a model: any'),
    ('gpt-4o', 'warning', '(gpt-4o-mini,downgraded)', 'warning: gpt-4o downgraded to gpt-4o-mini'),
    ('claude-sonnet-4.5', 'warning', '(claude-haiku-4.5,downgraded)', 'warning: claude-sonnet-4.5 downgraded to claude-haiku-4.5'),
    ('claude-opus-4.1', 'warning', '(claude-haiku-4.5,downgraded)', 'warning: the chain is followed to the first model allowed in warning'),
    ('claude-haiku-4.5', 'warning', '(claude-haiku-4.5,as_is)', 'warning: a model allowed in warning as is'),
    ('some-new-model', 'warning', '(gpt-4o-mini,forced)', 'warning: an unknown model is forced to the hard-cap model'),
    ('gpt-4o', 'hard_cap', '(gpt-4o-mini,forced)', 'hard_cap: forced to the hard-cap model'),
    (NULL, 'hard_cap', '(gpt-4o-mini,forced)', 'hard_cap without a model: the hard-cap model'),
    ('gpt-4o', 'critical', '(,refused)', 'critical: another model is refused'),
    ('gpt-4o-mini', 'critical', '(gpt-4o-mini,as_is)', 'critical: the hard-cap model as is')
) AS c (requested, tier, expected, description)
LEFT JOIN LATERAL private.budget_model_for(c.requested, c.tier, 'gpt-4o-mini') AS m ON true;

-- Through the API, with spend in each tier (legacy rows count).
INSERT INTO public.cost_tracking (service_name, cost) VALUES ('legacy', 25);
SELECT is(public.check_and_reserve_budget(1, 'coder', '{"model": "gpt-4o"}') ->> 'model', 'gpt-4o-mini',
          'at 25% a gpt-4o request must use gpt-4o-mini');
INSERT INTO public.cost_tracking (service_name, cost) VALUES ('legacy', 30);
SELECT is(public.check_and_reserve_budget(1, 'coder', '{"model": "claude-haiku-4.5"}') ->> 'model', 'gpt-4o-mini',
          'at 55% every request is forced to gpt-4o-mini');
UPDATE public.system_config SET value = '"claude-haiku-4.5"' WHERE key = 'budget_hard_cap_model';
SELECT is(public.check_and_reserve_budget(1, 'coder', '{"model": "gpt-4o"}') ->> 'model', 'claude-haiku-4.5',
          'the hard-cap model comes from config');
UPDATE public.system_config SET value = '"gpt-4o-mini"' WHERE key = 'budget_hard_cap_model';
INSERT INTO public.cost_tracking (service_name, cost) VALUES ('legacy', 30);
CREATE TEMP TABLE refused AS SELECT public.check_and_reserve_budget(1, 'coder', '{"model": "gpt-4o"}') AS a;
SELECT is((SELECT a ->> 'reason' FROM refused), 'model_not_allowed', 'at 85% gpt-4o is refused (model_not_allowed)');
SELECT is((SELECT (a ->> 'reserved')::numeric FROM refused),
          (SELECT reserved FROM public.budget_ledger WHERE budget_day = private.budget_day(now())),
          'the refused amount was given back to the ledger');

SELECT * FROM finish();
ROLLBACK;
