-- psql triage (runbook 5.1 "retry storms"): work orders with more attempts in the current budget
-- day than retry_storm_attempts (10), with their attempt times.
CREATE OR REPLACE VIEW public.retry_storms WITH (security_invoker = true) AS
SELECT o.work_order_id,
       w.title,
       w.status,
       count(*) AS retry_count,
       count(*) FILTER (WHERE NOT o.success) AS failures,
       sum(o.cost) AS total_cost,
       array_agg(o.created_at ORDER BY o.created_at) AS attempt_times
FROM public.budget_window() AS b
JOIN public.outcome_vectors AS o ON o.created_at >= b.starts_at AND o.created_at < b.ends_at
LEFT JOIN public.work_orders AS w ON w.id = o.work_order_id
GROUP BY o.work_order_id, w.title, w.status
HAVING count(*) > (SELECT t.retry_storm_attempts FROM public.triage_thresholds() AS t)
ORDER BY retry_count DESC;

REVOKE ALL ON public.retry_storms FROM PUBLIC, anon;
GRANT SELECT ON public.retry_storms TO authenticated, service_role, moose_runner;
COMMENT ON VIEW public.retry_storms IS 'Work orders with more than retry_storm_attempts attempts in the current budget day (runbook 5.1).';
