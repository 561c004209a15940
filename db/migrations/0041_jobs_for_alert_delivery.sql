-- The alert delivery job for installations where pg_net delivers alerts instead of the runner
-- (Supabase with pg_cron): dispatch_alerts() settles pg_net's answers and hands due deliveries
-- to net.http_post. Seeded disabled: `moose run` delivers alerts itself (DeliveryWorker), and
-- dispatch_alerts refuses (55000) where pg_net is absent. Enable it with
-- `moose jobs enable dispatch_alerts`, then `moose schedule --pg-cron`.
-- depends: 0040_scheduler_and_retention 0030_alert_delivery

INSERT INTO public.jobs (name, function_name, run_interval, statement_timeout, enabled, description) VALUES
    ('dispatch_alerts', 'public.dispatch_alerts', interval '1 minute', interval '30 seconds', false,
     'Deliver alerts through pg_net (Supabase) and settle pg_net''s answers. Disabled: the runner delivers alerts itself.')
ON CONFLICT (name) DO NOTHING;
