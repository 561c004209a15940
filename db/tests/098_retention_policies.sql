-- retention_policies drives run_retention: every purge it reports has a policy row, a policy's
-- own batch_size bounds its batches, a policy's condition keeps what it protects, and only the
-- service roles can read the policies (they are SQL run by a SECURITY DEFINER function).
-- The calendar: the cutoff is the same instant from any session zone (New York's DST changes),
-- a cost settled after midnight is archived under the day the ledger booked it on, and closed
-- budget periods' stripes go with their cost rows, keeping the ledger audit exact.
BEGIN;
SET LOCAL moose.simulated_clock = on;
SELECT plan(27);
UPDATE public.system_config SET value = '8' WHERE key = 'budget_global_stripes';  -- the stripe counts below

SELECT set_eq(
    $$SELECT jsonb_object_keys(public.run_retention() -> 'deleted')$$,
    $$SELECT name FROM public.retention_policies$$,
    'run_retention reports exactly one count per policy');
SELECT is((SELECT count(*) FROM public.retention_policies p
           WHERE NOT EXISTS (SELECT 1 FROM public.system_config c WHERE c.key = p.retention_key)),
          0::bigint, 'every policy''s period is a config key');

DELETE FROM public.job_runs;
INSERT INTO public.job_runs (job_name, holder, scheduled_for, started_at, finished_at, outcome)
SELECT 'retention', 'r', t, t, t, 'succeeded'
FROM generate_series(now() - interval '400 days', now() - interval '397 days', interval '1 day') AS t;
INSERT INTO public.job_runs (job_name, holder, scheduled_for, started_at, outcome)
VALUES ('retention', 'r', now() - interval '400 days', now() - interval '400 days', 'running');
UPDATE public.retention_policies SET batch_size = 3 WHERE name = 'job_runs';

SELECT is((public.run_retention() -> 'deleted' ->> 'job_runs')::integer, 3,
          'a policy''s batch_size bounds its batch when the call names none');
SELECT is((public.run_retention(NULL, 1) -> 'deleted' ->> 'job_runs')::integer, 1,
          'the call''s batch size overrides every policy''s');
SELECT is((public.run_retention() -> 'deleted' ->> 'job_runs')::integer, 0, 'then nothing old is left');
SELECT is((SELECT count(*) FROM public.job_runs WHERE outcome = 'running'), 1::bigint,
          'the condition keeps a run still running, however old');

SELECT is(test_helpers.as_role('authenticated', $$SELECT count(*) FROM public.retention_policies$$),
          'ERROR 42501', 'the dashboard user cannot read the policies');
SELECT is(test_helpers.as_role('service_role', $$SELECT count(*) FROM public.retention_policies$$),
          '9', 'service_role reads them');

-- The cutoff from a New York session at both DST changes: rows 90 days minus 10 minutes and plus
-- 30 minutes old (measured in hours), only the older one goes.
UPDATE public.retention_policies SET batch_size = NULL WHERE name = 'job_runs';
UPDATE public.system_config SET value = '"90 days"' WHERE key = 'job_runs_retention';
SET LOCAL TimeZone = 'America/New_York';
INSERT INTO public.job_runs (job_name, holder, scheduled_for, started_at, finished_at, outcome)
SELECT 'retention', 'dst', t, t, t, 'succeeded'
FROM unnest(ARRAY['2030-03-10 16:00Z'::timestamptz - interval '2160 hours' + interval '10 minutes',
                  '2030-03-10 16:00Z'::timestamptz - interval '2160 hours' - interval '30 minutes']) AS t;
SELECT is((public.run_retention('2030-03-10 12:00-04') -> 'deleted' ->> 'job_runs')::integer, 1,
          'at the DST start a New York session purges one row, as UTC does');
SELECT is((SELECT count(*) FROM public.job_runs WHERE holder = 'dst'), 1::bigint, 'the younger row stays');
DELETE FROM public.job_runs;
INSERT INTO public.job_runs (job_name, holder, scheduled_for, started_at, finished_at, outcome)
SELECT 'retention', 'dst', t, t, t, 'succeeded'
FROM unnest(ARRAY['2030-11-03 17:00Z'::timestamptz - interval '2160 hours' + interval '10 minutes',
                  '2030-11-03 17:00Z'::timestamptz - interval '2160 hours' - interval '30 minutes']) AS t;
SELECT is((public.run_retention('2030-11-03 12:00-05') -> 'deleted' ->> 'job_runs')::integer, 1,
          'at the DST end too');
RESET TimeZone;

-- A settle after midnight: booked on the reservation's day (its row's stripes say 29 February)
-- though created on 1 March, as settle_reservation writes it; moved here keeping the ledger.
-- Plus two cost rows on 28 February (one of a project with a month budget, one of a work order
-- with a total budget) and one in May.
DELETE FROM public.cost_daily_totals;
INSERT INTO public.work_orders (id, title) VALUES ('00000000-0000-0000-0000-0000000000c1', 'calendar wo');
SELECT set_budget('project', 'apollo', 'month', 100);
SELECT set_budget('work_order', '00000000-0000-0000-0000-0000000000c1', 'total', 100);
INSERT INTO public.cost_tracking (service_name, cost, created_at) VALUES ('late', 4, '2028-02-29 23:59:57Z');
SET LOCAL moose.budget_keep_ledger = on;
UPDATE public.cost_tracking SET created_at = '2028-03-01 00:00:02Z' WHERE service_name = 'late';
RESET moose.budget_keep_ledger;
INSERT INTO public.cost_tracking (service_name, cost, created_at, metadata, work_order_id) VALUES
    ('early', 1, '2028-02-28 10:00Z', '{"project": "apollo"}', NULL),
    ('early', 2, '2028-02-28 11:00Z', '{}', '00000000-0000-0000-0000-0000000000c1'),
    ('may', 5, '2028-05-20 12:00Z', '{}', NULL);

SELECT is((public.run_retention('2028-05-29 12:00Z', 1) -> 'deleted' ->> 'cost_tracking')::integer, 1, 'a batch of one cost row');
SELECT is_empty($$SELECT * FROM public.budget_stripe_mismatches$$,
                'half a day purged: the stripes keep its spend as archived, the audit stays exact');
SELECT is((SELECT count(*) FROM public.budget_stripes WHERE period_start = '2028-02-28'), 8::bigint,
          'the day''s stripes stay while cost rows are booked on them');
SELECT is((public.run_retention('2028-05-29 12:00Z') -> 'deleted' ->> 'budget_stripes')::integer, 8,
          'then the closed day''s stripes go with its last cost row');
SELECT is((SELECT count(*) FROM public.budget_stripes WHERE period = 'month' AND period_start = '2028-02-01'), 1::bigint,
          'a month that had not ended by the cutoff keeps its stripes');
SELECT is((SELECT count(*) FROM public.budget_stripes WHERE period_start = '2028-02-29'), 8::bigint,
          'a day with a late settle''s row still booked keeps them');
SELECT is((public.run_retention('2028-05-30 12:00Z') -> 'deleted' ->> 'budget_stripes')::integer, 9,
          'once that row goes: the leap day''s 8 stripes and February''s month stripe');
SELECT is((SELECT string_agg(day || ' ' || service_name || ' ' || total_cost, '; ' ORDER BY day, service_name)
           FROM public.cost_daily_totals),
          '2028-02-28 early 3.000000; 2028-02-29 late 4.000000',
          'the archive files the late settle under the ledger''s day, 29 February');
SELECT is((SELECT count(*) FROM public.budget_stripes WHERE period = 'total'), 1::bigint, 'a total budget keeps its stripes');
SELECT is((SELECT count(*) FROM public.budget_stripes WHERE period_start = '2028-05-20'), 8::bigint, 'a recent day keeps them');
SELECT is((SELECT string_agg(budget_day || '=' || spent || '/' || stripes, ',' ORDER BY budget_day) FROM public.budget_ledger
           WHERE budget_day < '2028-03-01'),
          '2028-02-28=3.000000/0,2028-02-29=4.000000/0', 'budget_ledger answers for purged days from the archive');
SELECT is_empty($$SELECT * FROM public.budget_stripe_mismatches$$, 'and the audit is still exact');
SELECT is((SELECT retention_key FROM public.retention_policies WHERE name = 'budget_stripes'), 'cost_tracking_retention',
          'stripes are kept as long as cost rows');

-- The purge behind the budget_stripes policy, called directly: a closed period before the cutoff
-- with nothing booked or reserved goes whole; one with spend still booked, or after the cutoff, stays.
SELECT trigger_is('public', 'cost_tracking', 'cost_tracking_archive', 'private', 'cost_tracking_archive',
                  'cost_tracking_archive runs private.cost_tracking_archive');
INSERT INTO public.budget_stripes (scope_rank, scope, key, period, period_start, stripe, allowance, spent, archived) VALUES
    (1, 'global', '*', 'day', '2020-01-01', 0, 50, 2, 2), (1, 'global', '*', 'day', '2020-01-01', 1, 50, 0, 0),
    (1, 'global', '*', 'day', '2020-01-02', 0, 100, 3, 0),
    (1, 'global', '*', 'day', '2020-06-01', 0, 100, 0, 0);
SELECT is(private.budget_purge_periods('2020-03-01 00:00+00', 100), 2::bigint,
          'budget_purge_periods deletes both stripes of a closed period with nothing booked left');
SELECT is((SELECT string_agg(DISTINCT period_start::text, ',') FROM public.budget_stripes
           WHERE scope = 'global' AND period_start < '2021-01-01'), '2020-01-02,2020-06-01',
          'and keeps a period with spend still booked and one after the cutoff');

SELECT * FROM finish();
ROLLBACK;
