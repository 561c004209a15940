-- psql triage (runbook 1.2, 4.4): open escalations, the most urgent SLA first, with the time left
-- (negative = breached) and the stored recommendation.
CREATE OR REPLACE VIEW public.open_escalations WITH (security_invoker = true) AS
SELECT e.id,
       e.trigger_type,
       e.priority,
       e.status,
       e.work_order_id,
       w.title AS work_order_title,
       w.status AS work_order_status,
       e.created_at,
       e.sla_due_at,
       round(extract(epoch FROM e.sla_due_at - now()) / 60, 1) AS minutes_left,
       e.sla_due_at < now() AS sla_breached,
       e.recommendation ->> 'option' AS recommended_option,
       (e.recommendation ->> 'confidence')::numeric AS confidence,
       e.acknowledged_by,
       e.context ->> 'reason' AS reason,
       e.context
FROM public.escalations AS e
LEFT JOIN public.work_orders AS w ON w.id = e.work_order_id
WHERE e.status IN ('pending', 'acknowledged')
ORDER BY e.sla_due_at, e.created_at;

REVOKE ALL ON public.open_escalations FROM PUBLIC, anon;
GRANT SELECT ON public.open_escalations TO authenticated, service_role, moose_runner;
COMMENT ON VIEW public.open_escalations IS 'Open escalations by SLA time left (minutes_left < 0: breached), with the recommended option and confidence.';
