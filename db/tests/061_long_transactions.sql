-- long_transactions() and terminate_long_transaction(): what they list and refuse, who may call
-- them, that their owner can see and end other users' sessions, and the long-transaction figures
-- of system_health(). A second session holding a snapshot cannot live inside this rolled-back
-- transaction: tests/test_long_transactions.py holds one for real.
BEGIN;
SELECT plan(19);

SELECT is(private.config_interval('health_long_transaction_warning'), interval '60 seconds', 'warning after 60 s by default');
SELECT is(private.config_interval('health_long_transaction_error'), interval '10 minutes', 'error after 10 minutes by default');
SELECT results_eq($$SELECT count(*) FROM public.long_transactions('0') AS l WHERE l.pid = pg_backend_pid()$$,
                  $$VALUES (0::bigint)$$, 'the caller''s own transaction is not listed');
SELECT throws_ok($$SELECT * FROM public.long_transactions('-1 second')$$, '22023',
                 'the minimum age must not be negative, got -00:00:01', 'a negative minimum age is refused');
SELECT isnt(test_helpers.hint_of($$SELECT * FROM public.long_transactions('-1 second')$$), NULL, '... with a hint');

-- What system_health() shows of it.
SELECT is(system_health() -> 'long_transactions' ->> 'level', 'ok', 'no long transaction here: level ok');
SELECT ok(system_health() -> 'long_transactions' ?& ARRAY['oldest', 'over_warning', 'inactive_slots', 'horizon_age_seconds'],
          'every long-transaction figure is in the answer');
SELECT update_config('health_long_transaction_warning', '"5 seconds"');
SELECT update_config('health_long_transaction_error', '"2 minutes"');
SELECT results_eq($$SELECT (system_health() -> 'thresholds' ->> 'long_transaction_warning_seconds')::numeric,
                           (system_health() -> 'thresholds' ->> 'long_transaction_error_seconds')::numeric$$,
                  $$VALUES (5::numeric, 120::numeric)$$, 'the thresholds come from system_config');
SELECT throws_ok($$SELECT update_config('health_long_transaction_warning', '"-5 seconds"')$$, '22023',
                 'config "health_long_transaction_warning" = -5 seconds is out of range [0, 86400]',
                 'a negative threshold is refused');

-- terminate_long_transaction refuses what is not a long transaction of this database.
SELECT throws_ok($$SELECT public.terminate_long_transaction(NULL)$$, '22004', 'the pid must not be NULL', 'NULL pid');
SELECT throws_ok($$SELECT public.terminate_long_transaction(0)$$, 'P0002', 'session 0 does not exist', 'no such session');
SELECT throws_ok(format('SELECT public.terminate_long_transaction(%s)', pg_backend_pid()), '55000',
                 format('session %s is this session', pg_backend_pid()), 'not the caller''s own session');

-- Roles: the listing for the service and the runner, ending one for the runner's login only.
SELECT is(test_helpers.as_role('anon', $$SELECT count(*) FROM public.long_transactions()$$), 'ERROR 42501', 'anon may not list');
SELECT is(test_helpers.as_role('authenticated', $$SELECT count(*) FROM public.long_transactions()$$), 'ERROR 42501',
          'the dashboard sees the oldest one through system_health() only');
SELECT isnt(test_helpers.as_role('service_role', $$SELECT count(*) FROM public.long_transactions()$$), 'ERROR 42501',
            'service_role may list');
SELECT is(test_helpers.as_role('service_role', $$SELECT public.terminate_long_transaction(0)$$), 'ERROR 42501',
          'service_role may not end a session');
SELECT is(test_helpers.as_role('moose_runner', $$SELECT public.terminate_long_transaction(0)$$), 'ERROR P0002',
          'the runner''s login may (and gets the lookup''s answer)');

-- The owner runs them: it must see every user's sessions and may end them.
SELECT ok((SELECT r.rolsuper OR pg_has_role(r.oid, 'pg_read_all_stats', 'USAGE') FROM pg_roles AS r
           WHERE r.oid = (SELECT p.proowner FROM pg_proc AS p WHERE p.oid = 'public.long_transactions(interval)'::regprocedure)),
          'the owner of long_transactions sees every session (superuser or pg_read_all_stats)');
SELECT ok((SELECT r.rolsuper OR pg_has_role(r.oid, 'pg_signal_backend', 'USAGE') FROM pg_roles AS r
           WHERE r.oid = (SELECT p.proowner FROM pg_proc AS p WHERE p.oid = 'public.terminate_long_transaction(integer)'::regprocedure)),
          'the owner of terminate_long_transaction may end other sessions (superuser or pg_signal_backend)');

SELECT * FROM finish();
ROLLBACK;
