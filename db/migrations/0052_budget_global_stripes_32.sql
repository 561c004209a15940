-- The global day budget on 32 stripes instead of 8 (docs/performance/budget.md): at 32 callers
-- four shared each stripe and every reservation waited about 12 ms for its stripe's previous
-- holder to commit; with as many stripes as callers that wait is gone. An installation that
-- chose its own count keeps it. The stripes of a day already open are re-split to the new count
-- by its next slow path (docs/BUDGET.md, "Exactness under limit changes").
-- depends: 0051_priced_reservations 0017_budget_exact_limits

UPDATE public.system_config SET value = '32'
WHERE key = 'budget_global_stripes' AND value = '8'::jsonb;
