-- retention_policies drives run_retention: every purge it reports has a policy row, a policy's
-- own batch_size bounds its batches, a policy's condition keeps what it protects, and only the
-- service roles can read the policies (they are SQL run by a SECURITY DEFINER function).
BEGIN;
SELECT plan(8);

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

SELECT * FROM finish();
ROLLBACK;
