-- run_retention: each table purged after its own configured period, measured from p_now; cost
-- rows rolled up into cost_daily_totals first; bounded batches that report "more"; what is kept.
BEGIN;
-- A simulated clock (2030): only a superuser session with this flag may pass one (private.scheduler_now).
SET LOCAL moose.simulated_clock = on;
SELECT plan(18);

DELETE FROM public.alerts;
DELETE FROM public.job_runs;
INSERT INTO public.work_orders (id, title) VALUES ('00000000-0000-0000-0000-000000000001', 'wo');
-- outcome vectors: 3 past 90 days, 1 inside
INSERT INTO public.outcome_vectors (work_order_id, model_used, success, created_at)
SELECT '00000000-0000-0000-0000-000000000001', 'gpt-4o', true, t
FROM unnest(ARRAY['2030-01-01Z', '2030-01-02Z', '2030-01-03Z', '2030-03-30Z']::timestamptz[]) AS t;
-- cost rows: two services over two old days, one recent
INSERT INTO public.cost_tracking (service_name, cost, created_at) VALUES
    ('openai', 1.25, '2030-01-01 10:00Z'), ('openai', 2.50, '2030-01-01 11:00Z'),
    ('anthropic', 0.10, '2030-01-01 12:00Z'), ('openai', 4.00, '2030-01-02 09:00Z'),
    ('openai', 9.99, '2030-03-31 09:00Z');
DELETE FROM public.alert_channels;
SELECT public.add_alert_channel('ops', 'webhook', 'http://127.0.0.1:9/hook');
-- each alert fans out to one pending delivery on channel ops
INSERT INTO public.alerts (severity, kind, title, dedupe_key, created_at, last_raised_at) VALUES
    ('error', 'test.old', 'old', 'old', '2030-02-01Z', '2030-02-01Z'),
    ('error', 'test.undelivered', 'old but still pending', 'undelivered', '2030-02-01Z', '2030-02-01Z'),
    ('error', 'test.new', 'new', 'new', '2030-03-30Z', '2030-03-30Z');
UPDATE public.alert_deliveries SET status = 'delivered'
WHERE alert_id IN (SELECT id FROM public.alerts WHERE kind IN ('test.old', 'test.new'));
INSERT INTO public.job_runs (job_name, holder, scheduled_for, started_at, finished_at, outcome) VALUES
    ('retention', 'r', '2030-02-01Z', '2030-02-01Z', '2030-02-01Z', 'succeeded'),
    ('retention', 'r', '2030-03-30Z', '2030-03-30Z', '2030-03-30Z', 'succeeded');
INSERT INTO public.escalations (trigger_type, status, priority, sla_due_at, created_at, resolved_at) VALUES
    ('stuck_work_order', 'resolved', 'medium', '2029-01-01Z', '2029-01-01Z', '2029-01-02Z'),
    ('retry_exhausted', 'pending', 'medium', '2029-01-01Z', '2029-01-01Z', NULL);

SELECT is(public.run_retention('2030-04-05Z', 2) -> 'deleted',
          '{"outcome_vectors": 2, "cost_tracking": 2, "alerts": 1, "alert_summaries": 0, "job_runs": 1, "escalations": 1, "budget_reservations": 0, "work_order_history": 1, "budget_stripes": 0}'::jsonb,
          'a batch of 2 takes at most 2 rows per table');
SELECT is((public.run_retention('2030-04-05Z', 2) ->> 'more')::boolean, true, 'a full batch says there is more');
SELECT is(public.run_retention('2030-04-05Z', 2) ->> 'more', 'false', 'until nothing is left');
SELECT is((SELECT count(*) FROM public.outcome_vectors), 1::bigint, 'outcome vectors older than 90 days are gone');
SELECT is((SELECT count(*) FROM public.cost_tracking), 1::bigint, 'old cost rows are gone, the recent one kept');
SELECT is((SELECT string_agg(day || ' ' || service_name || ' ' || total_cost || ' ' || request_count, '; ' ORDER BY day, service_name)
           FROM public.cost_daily_totals),
          '2030-01-01 anthropic 0.100000 1; 2030-01-01 openai 3.750000 2; 2030-01-02 openai 4.000000 1',
          'cost rows were rolled up per budget day and service, across batches');
SELECT is((SELECT sum(total_cost) FROM public.cost_daily_totals) + (SELECT sum(cost) FROM public.cost_tracking),
          17.840000::numeric, 'no spend is lost');
SELECT is((SELECT string_agg(budget_day || '=' || spent, ',' ORDER BY budget_day) FROM public.budget_ledger
           WHERE budget_day < '2030-03-01'),
          '2030-01-01=3.850000,2030-01-02=4.000000', 'the budget ledger keeps each purged day''s spend');
SELECT is((SELECT string_agg(kind, ',' ORDER BY kind) FROM public.alerts), 'test.new,test.undelivered',
          'delivered alerts past alerts_retention are gone; one still being delivered stays');
SELECT is((SELECT count(*) FROM public.alert_deliveries), 2::bigint, 'the purged alert''s delivery went with it');
SELECT is((SELECT count(*) FROM public.job_runs), 1::bigint, 'job runs past job_runs_retention are gone');
SELECT is((SELECT string_agg(status, ',') FROM public.escalations), 'pending',
          'decided escalations are purged, open ones never');

UPDATE public.system_config SET value = '"200 days"' WHERE key = 'outcome_vectors_retention';
INSERT INTO public.outcome_vectors (work_order_id, model_used, success, created_at)
VALUES ('00000000-0000-0000-0000-000000000001', 'gpt-4o', true, '2030-01-01Z');
SELECT is((public.run_retention('2030-04-05Z') -> 'deleted' ->> 'outcome_vectors')::integer, 0,
          'the retention period comes from config');
SELECT is(public.run_retention('2031-04-05Z') -> 'vacuum', '["alert_deliveries", "alerts", "budget_stripes", "cost_tracking", "job_runs", "outcome_vectors"]'::jsonb,
          'the result names the tables that shrank, for VACUUM');
SELECT throws_ok($$SELECT public.run_retention(NULL, 0)$$, '22023', 'batch size must be between 1 and 1000000, got 0',
                 'batch size 0: 22023');
SELECT throws_ok($$SELECT public.run_retention(NULL, -5)$$, '22023', 'batch size must be between 1 and 1000000, got -5',
                 'negative batch size: 22023');
SELECT throws_ok($$SELECT public.run_retention('-infinity')$$,
                 '22023', 'the scheduler clock must be a finite instant, got -infinity', 'an infinite clock: 22023');
SELECT throws_ok($$SET LOCAL ROLE authenticated; SELECT public.run_retention()$$,
                 '42501', 'permission denied for function run_retention', 'authenticated may not purge');

SELECT * FROM finish();
ROLLBACK;
