-- The budget part's periodic job: release reservations past their expiry every minute, so
-- their amount counts as available again (expire_reservations() returns how many).
-- depends: 0041_jobs_for_alert_delivery 0012_budget_reservations

INSERT INTO public.jobs (name, function_name, run_interval, statement_timeout, description) VALUES
    ('expire_reservations', 'public.expire_reservations', interval '1 minute', interval '30 seconds',
     'Release budget reservations past their expiry, so their amount counts as available again.')
ON CONFLICT (name) DO NOTHING;
