-- psql triage (runbook 1.4 "error patterns"): failed attempts of the current budget day grouped
-- by error message (metadata error_message, else error_details.message / .type), most frequent
-- first, with how many work orders and which models they hit.
CREATE OR REPLACE VIEW public.error_patterns WITH (security_invoker = true) AS
SELECT coalesce(o.metadata ->> 'error_message', o.metadata -> 'error_details' ->> 'message',
                o.metadata -> 'error_details' ->> 'type', '(no error message)') AS error,
       count(*) AS occurrences,
       count(DISTINCT o.work_order_id) AS work_orders,
       array_agg(DISTINCT o.model_used) AS models,
       min(o.created_at) AS first_seen,
       max(o.created_at) AS last_seen
FROM public.budget_window() AS b
JOIN public.outcome_vectors AS o ON o.created_at >= b.starts_at AND o.created_at < b.ends_at AND NOT o.success
GROUP BY 1
ORDER BY occurrences DESC, error;

REVOKE ALL ON public.error_patterns FROM PUBLIC, anon;
GRANT SELECT ON public.error_patterns TO authenticated, service_role, moose_runner;
COMMENT ON VIEW public.error_patterns IS 'Failed attempts of the current budget day grouped by error message (runbook 1.4).';
