-- Retention for budget stripes: a closed period's stripes (day and month budgets) go once the
-- period ended longer ago than the cost rows' retention, nothing is reserved on them and every
-- cost row booked on them is purged (spent = archived), all stripes of a period together
-- (private.budget_purge_periods, run_retention's special case for this table). Total budgets
-- never close and keep theirs. So the stripe table stays proportional to the open periods and
-- budgets, and the ledger audit (budget_stripe_mismatches) stays exact. The condition holds for
-- every stripe of a period before any of them goes.
-- depends: 0049_retention_policies 0018_budget_calendar

INSERT INTO public.retention_policies (position, name, table_name, age_expr, retention_key, condition, cascades_to) VALUES
    (9, 'budget_stripes', 'budget_stripes', 'private.budget_period_end(r.period, r.period_start)', 'cost_tracking_retention',
     $$r.period IN ('day', 'month') AND r.reserved = 0 AND r.spent = r.archived$$, '{}');

UPDATE public.jobs
SET description = 'Purge expired outcome vectors, cost rows (after rolling them up), closed budget periods'' stripes, alerts, job runs, decided escalations, closed budget reservations and old work-order history in bounded batches (runbook 6.2).'
WHERE name = 'retention';
