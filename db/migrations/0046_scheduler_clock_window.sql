-- How far a caller's clock (p_now of the scheduler and retention functions) may be from the
-- database clock. Any finite instant used to be accepted, so run_retention('294276-12-31') purged
-- everything at once; private.scheduler_now now refuses an instant outside this window with
-- 22023. Tests that simulate a day use the superuser-only escape described in
-- db/functions/scheduler/private.scheduler_now.sql.
-- depends: 0045_names_that_say_the_difference

INSERT INTO public.system_config (key, value, value_type, min_value, max_value, description) VALUES
    ('scheduler_clock_window', '5', 'integer', 1, 1440,
     'Minutes a caller''s clock (p_now of claim_job, execute_job, fail_job, run_job, runner_heartbeat, run_retention, alert_on_health_change) may differ from the database clock; further is refused (22023).');
