-- The global day budget per budget day, as the one-row-per-day ledger showed it: spent and
-- reserved summed over the day's stripes, killed if its stripes are, and when each tier
-- crossing fired (budget_day_marks). For a DBA's checks and the runbook's queries; the
-- stripes themselves are in budget_stripes. carried_in is always 0: a reservation counts on
-- the day it was made, until it closes. A day whose stripes retention has purged (its cost
-- rows all rolled up, run_retention) is read from the archive instead: spent is its
-- cost_daily_totals, filed under the same budget day the ledger booked each cost on, with
-- allowance NULL and 0 stripes.
CREATE OR REPLACE VIEW public.budget_ledger WITH (security_invoker = true) AS
SELECT s.period_start AS budget_day,
       sum(s.spent) AS spent,
       sum(s.reserved) AS reserved,
       0::numeric AS carried_in,
       bool_or(s.killed) AS killed,
       m.warning_at,
       m.critical_at,
       m.kill_at,
       sum(s.allowance) AS allowance,
       count(*) AS stripes
FROM public.budget_stripes AS s
LEFT JOIN public.budget_day_marks AS m ON m.budget_day = s.period_start
WHERE s.scope_rank = 1 AND s.key = '*' AND s.period = 'day'
GROUP BY s.period_start, m.warning_at, m.critical_at, m.kill_at
UNION ALL
SELECT t.day, sum(t.total_cost), 0::numeric, 0::numeric, false, m.warning_at, m.critical_at, m.kill_at,
       NULL::numeric, 0::bigint
FROM public.cost_daily_totals AS t
LEFT JOIN public.budget_day_marks AS m ON m.budget_day = t.day
WHERE NOT EXISTS (SELECT 1 FROM public.budget_stripes AS s
                  WHERE s.scope_rank = 1 AND s.key = '*' AND s.period = 'day' AND s.period_start = t.day)
GROUP BY t.day, m.warning_at, m.critical_at, m.kill_at;

REVOKE ALL ON public.budget_ledger FROM PUBLIC, anon, authenticated;
GRANT SELECT ON public.budget_ledger TO service_role, moose_runner;
COMMENT ON VIEW public.budget_ledger IS 'The global day budget per budget day summed over its stripes (spent, reserved, killed, allowance) with its crossing marks; carried_in is 0. Days whose stripes retention purged come from cost_daily_totals (spent only; allowance NULL, 0 stripes).';
