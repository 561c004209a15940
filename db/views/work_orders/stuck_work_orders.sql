-- psql triage (runbook 1.4, 4.3): the work orders stuck now, longest first, with hours stuck, the
-- threshold that applies and the stuck_work_order escalation of the episode (if detection ran).
-- security_invoker: the caller's own privileges and row level security apply.
CREATE OR REPLACE VIEW public.stuck_work_orders WITH (security_invoker = true) AS
SELECT s.work_order_id,
       s.title,
       s.status,
       s.priority,
       s.updated_at,
       round(extract(epoch FROM s.stuck_for) / 3600, 2) AS hours_stuck,
       s.threshold,
       ep.detected_at,
       ep.escalation_id
FROM public.find_stuck_work_orders() AS s
LEFT JOIN public.work_order_stuck_episodes AS ep
       ON ep.work_order_id = s.work_order_id AND ep.since = s.updated_at
ORDER BY s.stuck_for DESC;

REVOKE ALL ON public.stuck_work_orders FROM PUBLIC, anon;
GRANT SELECT ON public.stuck_work_orders TO authenticated, service_role, moose_runner;
COMMENT ON VIEW public.stuck_work_orders IS 'Work orders stuck now (pending > stuck_pending_after, in progress > stuck_in_progress_after), hours stuck, escalation of the episode.';
