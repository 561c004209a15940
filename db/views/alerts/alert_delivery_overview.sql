-- What an operator asks first about alerts: for each delivery, which alert, which channel, where
-- it stands and why (moose alerts list reads this). No URL, no secret. security_invoker, so the
-- caller's own table rights and RLS apply.
CREATE OR REPLACE VIEW public.alert_delivery_overview
WITH (security_invoker = true) AS
SELECT d.id AS delivery_id,
       d.alert_id,
       coalesce(a.severity, 'summary') AS severity,
       coalesce(a.kind, 'alert.summary') AS kind,
       coalesce(a.title, format('%s alert(s) held back', (SELECT count(*) FROM public.alert_deliveries AS h
                                                         WHERE h.summary_id = d.id))) AS title,
       c.name AS channel,
       c.kind AS channel_kind,
       d.status,
       d.attempts,
       d.next_attempt_at,
       d.via,
       d.last_status_code,
       d.last_error,
       d.summary_id,
       d.created_at,
       d.delivered_at
FROM public.alert_deliveries AS d
JOIN public.alert_channels AS c ON c.id = d.channel_id
LEFT JOIN public.alerts AS a ON a.id = d.alert_id;

COMMENT ON VIEW public.alert_delivery_overview IS 'One row per alert delivery: alert, channel, status, attempts, next attempt, last error, summary it was held into.';

REVOKE ALL ON public.alert_delivery_overview FROM PUBLIC;
GRANT SELECT ON public.alert_delivery_overview TO service_role, moose_runner;
