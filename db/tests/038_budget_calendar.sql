-- The calendar with pinned instants: durations added to instants are fixed lengths in every
-- session TimeZone (retention periods, SLAs, job intervals, Retry-After), budget days and
-- periods in budget_timezone (23- and 25-hour days at New York's DST changes, a leap day, a year
-- end), the day a cost is booked on, and a late cost that takes a closed period past its limit:
-- one alert per budget and period, one budget_overspent escalation, no kill for today.
BEGIN;
SET LOCAL moose.simulated_clock = on;
SELECT plan(32);

-- Durations: the same instant from a New York session across its DST start.
SET LOCAL TimeZone = 'America/New_York';
SELECT is('2030-03-10 16:00Z'::timestamptz - private.duration('90 days'), '2029-12-10 16:00Z'::timestamptz,
          'private.duration: 90 days are 2160 hours, whatever the session zone');
SELECT is(private.duration('1 mon'), interval '720 hours', 'a month is 30 days, as the config range check counts it');
SELECT is('2030-03-10 16:00Z'::timestamptz - private.config_interval('cost_tracking_retention'),
          '2029-12-10 16:00Z'::timestamptz, 'a retention period from config is a fixed length');
UPDATE public.escalation_policies SET sla = '1 day' WHERE trigger_type = 'stuck_work_order';
INSERT INTO public.escalations (trigger_type, context, created_at)
VALUES ('stuck_work_order', '{"calendar": true}', '2030-03-09 12:00-05');
SELECT is((SELECT sla_due_at FROM public.escalations WHERE context ->> 'calendar' = 'true'), '2030-03-10 17:00Z'::timestamptz,
          'a 1-day SLA filled by the policy trigger is 24 hours across the DST start');
SELECT is('2030-03-09 12:00Z'::timestamptz + private.retry_after_interval('Mon, 11 Mar 2030 12:00:00 GMT', '2030-03-09 12:00Z'),
          '2030-03-11 12:00Z'::timestamptz, 'a Retry-After date two days ahead is waited for exactly');

DELETE FROM public.jobs;
CREATE FUNCTION public.t_calendar_job(p_now timestamptz) RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$;
GRANT EXECUTE ON FUNCTION public.t_calendar_job(timestamptz) TO moose_runner;
INSERT INTO public.jobs (name, function_name, run_interval, statement_timeout, next_run_at)
VALUES ('daily', 'public.t_calendar_job', '1 day', '10 seconds', '2030-03-09 17:00Z');
SELECT public.execute_job((public.claim_job('r', '2030-03-09 17:00Z') ->> 'run_id')::bigint, 'r', '2030-03-09 17:00Z');
SELECT is((SELECT next_run_at FROM public.jobs WHERE name = 'daily'), '2030-03-10 17:00Z'::timestamptz,
          'a daily job''s next slot is 24 hours on, across the DST start');
RESET TimeZone;

-- Budget days and periods in the budget zone.
SELECT update_config('budget_timezone', '"America/New_York"');
SELECT is(private.budget_day('2030-03-10 04:59:59Z'), '2030-03-09'::date, 'the last second of 9 March in New York');
SELECT is(private.budget_day('2030-03-10 05:00Z'), '2030-03-10'::date, 'midnight EST starts 10 March');
SELECT is(private.budget_period_end('day', '2030-03-10') - private.budget_day_start('2030-03-10'), interval '23 hours',
          'the DST-start day has 23 hours');
SELECT is(private.budget_period_end('day', '2030-11-03') - private.budget_day_start('2030-11-03'), interval '25 hours',
          'the DST-end day has 25 hours');
SELECT is(private.budget_day('2030-11-03 05:30Z'), private.budget_day('2030-11-03 06:30Z'),
          '01:30 EDT and 01:30 EST are the same budget day');
SELECT is(private.budget_day('2028-03-01 04:59:59Z'), '2028-02-29'::date, 'the leap day''s last second');
SELECT is(private.budget_period_start('month', '2028-02-29'), '2028-02-01'::date, 'the leap day is in February');
SELECT is(private.budget_period_end('month', '2028-02-01'), '2028-03-01 05:00Z'::timestamptz,
          'February 2028 ends at midnight EST after its 29th');
SELECT is(private.budget_period_end('month', '2028-12-01'), '2029-01-01 05:00Z'::timestamptz,
          'December ends at the year end in New York');
SELECT is(private.budget_period_end('total', '-infinity'), 'infinity'::timestamptz, 'a total budget never ends');

-- The day a cost is booked on: its global day stripe's, else its created_at's.
SELECT is(private.budget_cost_day('[[1, "*", "day", "2028-02-29", 3], [2, "svc", "day", "2028-02-29", 0]]',
                                  '2028-03-01 05:00:02Z'),
          '2028-02-29'::date, 'a settle after midnight is booked on its reservation''s day');
SELECT is(private.budget_cost_day(NULL, '2028-03-01 05:00:02Z'), '2028-03-01'::date, 'a row without stripes: its created_at''s day');
SELECT is(private.budget_closed_refs(jsonb_build_array(jsonb_build_array(1, '*', 'day', private.budget_day(now()), 0))),
          '[]'::jsonb, 'today''s period is open: nothing more to lock');

-- A late cost into a closed leap day (2024): daily limit 10, a service day budget of 8.
SELECT update_config('daily_budget_limit', '10');
SELECT set_budget('service', 'svc', 'day', 8);
INSERT INTO public.cost_tracking (service_name, cost, created_at) VALUES ('svc', 6, '2024-02-29 23:00-05');
SELECT is((SELECT count(*) FROM public.alerts WHERE kind = 'budget.overspent'), 0::bigint,
          'a closed day under its limits raises nothing');
INSERT INTO public.cost_tracking (service_name, cost, created_at) VALUES ('svc', 6, '2024-02-29 23:59:59-05');
SELECT is((SELECT string_agg(context ->> 'scope' || ' ' || (context ->> 'key') || ' ' || (context ->> 'periodStart') || ' '
                             || (context ->> 'limit') || ' ' || (context ->> 'spent'), '; ' ORDER BY context ->> 'scope')
           FROM public.alerts WHERE kind = 'budget.overspent'),
          'global * 2024-02-29 10.000000 12.000000; service svc 2024-02-29 8.000000 12.000000',
          'the cost that takes it past both limits raises one alert per budget, naming period, limit and spend');
SELECT is((SELECT count(*) FROM public.escalations WHERE trigger_type = 'budget_overspent'), 1::bigint,
          'and opens one budget_overspent escalation');
SELECT is((SELECT jsonb_array_length(context -> 'budgets') FROM public.escalations WHERE trigger_type = 'budget_overspent'), 2,
          'which lists both budgets');
SELECT is((SELECT priority FROM public.escalations WHERE trigger_type = 'budget_overspent'), 'high', 'for review, high priority');
INSERT INTO public.cost_tracking (service_name, cost, created_at) VALUES ('svc', 1, '2024-02-29 23:59:59-05');
SELECT is((SELECT count(*) FROM public.alerts WHERE kind = 'budget.overspent')
          + (SELECT count(*) FROM public.escalations WHERE trigger_type = 'budget_overspent'), 3::bigint,
          'once per budget and period: more spend on the same day adds nothing');
SELECT is((SELECT active FROM public.budget_kill_switch), false, 'today''s kill is not fired for a past day''s overspend');
SELECT is((SELECT count(*) FROM public.budget_day_marks WHERE budget_day = '2024-02-29'), 0::bigint, 'nor its tier marks');
INSERT INTO public.cost_tracking (service_name, cost, created_at) VALUES ('other', 4, '2024-03-01 12:00-05');
UPDATE public.cost_tracking SET cost = 11 WHERE service_name = 'other';
SELECT is((SELECT context ->> 'periodStart' FROM public.alerts WHERE kind = 'budget.overspent' AND context ->> 'periodStart' = '2024-03-01'),
          '2024-03-01', 'a correction that takes a closed day past its limit is not silent either');
SELECT is((SELECT count(*) FROM public.budget_overspend_marks), 3::bigint, 'each overspent budget and period is marked');
SELECT is_empty($$SELECT * FROM public.budget_stripe_mismatches$$, 'the ledger audit stays exact');

SELECT is(private.budget_overspend_check('[[1, "*", "day", "2024-02-29", 0]]', NULL, NULL, NULL), NULL::uuid,
          'budget_overspend_check on a period already marked opens nothing more');
SELECT is((SELECT count(*) FROM public.alerts WHERE kind = 'budget.overspent'), 3::bigint, 'and raises no alert');

SELECT * FROM finish();
ROLLBACK;
