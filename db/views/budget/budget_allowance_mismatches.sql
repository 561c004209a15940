-- The allowance invariant (docs/BUDGET.md, "Exactness under limit changes"): for every budget
-- in force and every open period of it (the current one, and a later one already opened, e.g.
-- tomorrow's day by the kill), the allowances of its stripes add up to its limit exactly; a
-- specific key's row wins over the * row, as in the gate. Lists each (scope, key, period,
-- period start) whose stripes hold more or less than the limit; empty when the stripes are
-- exact. Past periods keep the limit of their time (a limit change re-splits only open
-- periods) and removed budgets are no longer checked, so neither is listed. The sibling of
-- budget_stripe_mismatches (the ledger audit); both are on-demand checks for a DBA and the
-- concurrency tests' invariants.
CREATE OR REPLACE VIEW public.budget_allowance_mismatches WITH (security_invoker = true) AS
WITH today AS (
    SELECT w.budget_day AS day FROM public.budget_window() AS w
), periods AS (
    SELECT s.scope, s.key, s.period, s.period_start, count(*) AS stripes, sum(s.allowance) AS allowance
    FROM public.budget_stripes AS s
    CROSS JOIN today AS t
    -- open: at or after the start of the period that holds today (private.budget_period_start's rule)
    WHERE s.period_start >= CASE s.period WHEN 'day' THEN t.day
                                          WHEN 'month' THEN date_trunc('month', t.day::timestamp)::date
                                          ELSE '-infinity'::date END
    GROUP BY s.scope, s.key, s.period, s.period_start
)
SELECT p.scope, p.key, b.key AS budget_key, p.period, p.period_start, b.budget_limit, p.stripes,
       p.allowance, p.allowance - b.budget_limit AS difference
FROM periods AS p
CROSS JOIN LATERAL (
    SELECT bb.key, bb.budget_limit FROM public.budgets AS bb
    WHERE bb.scope = p.scope AND bb.period = p.period AND bb.key IN (p.key, '*')
    ORDER BY bb.key = '*'
    LIMIT 1
) AS b
WHERE p.allowance <> b.budget_limit;

REVOKE ALL ON public.budget_allowance_mismatches FROM PUBLIC, anon, authenticated;
GRANT SELECT ON public.budget_allowance_mismatches TO service_role, moose_runner;
COMMENT ON VIEW public.budget_allowance_mismatches IS 'Allowance invariant: each open period of each budget in force whose stripes'' allowances do not add up to its limit (allowance, budget_limit, difference); empty when exact.';
