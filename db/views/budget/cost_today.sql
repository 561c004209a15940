-- psql triage (runbook 1.3, 3.1 type 2, 5.1): today's cost by work order and model, highest
-- first. "Today" is the budget day in budget_timezone (budget_window()), not CURRENT_DATE.
CREATE OR REPLACE VIEW public.cost_today WITH (security_invoker = true) AS
SELECT o.work_order_id,
       w.title,
       o.model_used,
       sum(o.cost) AS total_cost,
       count(*) AS attempts,
       count(*) FILTER (WHERE NOT o.success) AS failures,
       max(o.created_at) AS last_attempt
FROM public.budget_window() AS b
JOIN public.outcome_vectors AS o ON o.created_at >= b.starts_at AND o.created_at < b.ends_at
LEFT JOIN public.work_orders AS w ON w.id = o.work_order_id
GROUP BY o.work_order_id, w.title, o.model_used
ORDER BY total_cost DESC;

REVOKE ALL ON public.cost_today FROM PUBLIC, anon;
GRANT SELECT ON public.cost_today TO authenticated, service_role, moose_runner;
COMMENT ON VIEW public.cost_today IS 'Outcome-vector cost in the current budget day by work order and model (runbook 1.3, 3.1, 5.1).';
