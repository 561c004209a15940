-- private.job_cron_schedule maps intervals to cron expressions; schedule_pg_cron refuses
-- clearly where pg_cron is not installed (the pytest suite registers jobs in a real pg_cron).
BEGIN;
SELECT plan(10);

SELECT is(private.job_cron_schedule('30 seconds'), '* * * * *', 'under a minute: every minute (pg_cron 1.4 counts minutes)');
SELECT is(private.job_cron_schedule('1 minute'), '* * * * *', 'one minute');
SELECT is(private.job_cron_schedule('5 minutes'), '*/5 * * * *', 'five minutes');
SELECT is(private.job_cron_schedule('7 minutes'), '*/6 * * * *', 'an odd interval rounds down to a divisor of the hour');
SELECT is(private.job_cron_schedule('1 hour'), '0 * * * *', 'hourly');
SELECT is(private.job_cron_schedule('6 hours'), '0 */6 * * *', 'six-hourly');
SELECT is(private.job_cron_schedule('3 days'), '0 0 * * *', 'a day or more: daily');
SELECT throws_ok($$SELECT private.job_cron_schedule('-1 minute')$$, '22023', 'a job interval must be positive, got -00:01:00',
                 'a negative interval: 22023');
SELECT throws_ok($$SELECT public.schedule_pg_cron()$$, '55000', 'pg_cron is not installed in this database',
                 'schedule_pg_cron says when pg_cron is missing');
SELECT throws_ok($$SET LOCAL ROLE authenticated; SELECT public.schedule_pg_cron()$$,
                 '42501', 'permission denied for function schedule_pg_cron', 'authenticated may not schedule');

SELECT * FROM finish();
ROLLBACK;
