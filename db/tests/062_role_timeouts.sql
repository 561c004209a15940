-- The timeouts of migration 0071: per-role statement_timeout and
-- idle_in_transaction_session_timeout for the API roles and the runner's login, and this
-- database's default idle_in_transaction_session_timeout, as pg_db_role_setting holds them; a
-- session may override them. (tests/test_role_timeouts.py ends an idle API transaction for real.)
BEGIN;
SELECT plan(7);

CREATE FUNCTION pg_temp.role_settings(p_role text) RETURNS text[] LANGUAGE sql AS $$
    SELECT array_agg(c ORDER BY c) FROM pg_db_role_setting AS d, unnest(d.setconfig) AS c
    WHERE d.setdatabase = 0 AND d.setrole = p_role::regrole $$;

SELECT is(pg_temp.role_settings('anon'), ARRAY['idle_in_transaction_session_timeout=10s', 'statement_timeout=3s'],
          'anon: 3 s statements, 10 s idle in a transaction');
SELECT is(pg_temp.role_settings('authenticated'), ARRAY['idle_in_transaction_session_timeout=10s', 'statement_timeout=8s'],
          'authenticated: 8 s statements, 10 s idle');
SELECT is(pg_temp.role_settings('service_role'), ARRAY['idle_in_transaction_session_timeout=30s', 'statement_timeout=60s'],
          'service_role: 60 s statements, 30 s idle');
SELECT is(pg_temp.role_settings('moose_runner'), ARRAY['idle_in_transaction_session_timeout=1min', 'statement_timeout=10min'],
          'moose_runner: 10 min statements, 1 min idle');
SELECT is((SELECT d.setconfig FROM pg_db_role_setting AS d
           WHERE d.setrole = 0 AND d.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())),
          ARRAY['idle_in_transaction_session_timeout=5min'], 'this database: 5 min idle in a transaction for every other login');
SELECT is(current_setting('idle_in_transaction_session_timeout'), '5min', 'a new session of this database starts with it');
SET LOCAL idle_in_transaction_session_timeout = 0;
SELECT is(current_setting('idle_in_transaction_session_timeout'), '0', 'a DBA may switch it off in a session');

SELECT * FROM finish();
ROLLBACK;
