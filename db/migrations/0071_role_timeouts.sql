-- Guardrails against a session that holds the xmin horizon (and its locks) back: per-role
-- statement_timeout and idle_in_transaction_session_timeout for the API roles and the runner's
-- login (ALTER ROLE ... SET, as PostgREST and Supabase set per-role statement timeouts;
-- PostgREST applies the impersonated role's settings to each request's transaction), and a
-- database default idle_in_transaction_session_timeout for every other session (a forgotten
-- BEGIN in psql). Any session may override them (SET idle_in_transaction_session_timeout = 0),
-- pg_dump does so itself. The values and why: docs/OPERATIONS.md, "Timeouts".
--   anon           3 s statements,  10 s idle in a transaction (it may call nothing)
--   authenticated  8 s statements,  10 s idle (the dashboard's reads and decisions)
--   service_role  60 s statements,  30 s idle (the gate in milliseconds; run_retention batches
--                 and run_job take up to the retention job's 1-minute timeout)
--   moose_runner  10 min statements (each job sets its own, shorter, statement_timeout per
--                 transaction; this bounds everything else, VACUUM after retention included),
--                 1 min idle (the runner never waits inside a transaction)
--   the database  5 min idle in a transaction, for every other login
-- Role settings are cluster-wide (roles are); the database setting is this database's only.
-- Re-running it sets the same values. A role without the privilege to alter a role or the
-- database gets a WARNING naming what to run, not a failed migration.
-- depends: 0070_health_long_transactions

DO $$
DECLARE
    v_setting record;
BEGIN
    FOR v_setting IN
        SELECT * FROM (VALUES ('anon', 'statement_timeout', '3s'), ('anon', 'idle_in_transaction_session_timeout', '10s'),
                              ('authenticated', 'statement_timeout', '8s'),
                              ('authenticated', 'idle_in_transaction_session_timeout', '10s'),
                              ('service_role', 'statement_timeout', '60s'),
                              ('service_role', 'idle_in_transaction_session_timeout', '30s'),
                              ('moose_runner', 'statement_timeout', '10min'),
                              ('moose_runner', 'idle_in_transaction_session_timeout', '1min'))
                      AS s(role_name, setting, value)
    LOOP
        -- Roles are shared by every database of the cluster: a migration of another database
        -- may be setting the same value at this moment. Write only what differs; after losing
        -- that race (its row changed or appeared under us) the value it wrote is the same.
        CONTINUE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_db_role_setting AS d
                              WHERE d.setdatabase = 0 AND d.setrole = v_setting.role_name::regrole
                                AND format('%s=%s', v_setting.setting, v_setting.value) = ANY (d.setconfig));
        BEGIN
            EXECUTE format('ALTER ROLE %I SET %I = %L', v_setting.role_name, v_setting.setting, v_setting.value);
        EXCEPTION
            WHEN insufficient_privilege THEN
                RAISE WARNING 'cannot set % for role %: %', v_setting.setting, v_setting.role_name, SQLERRM
                    USING HINT = format('As a superuser: ALTER ROLE %I SET %I = %L;', v_setting.role_name, v_setting.setting,
                                        v_setting.value);
            WHEN unique_violation THEN
                NULL;  -- another database's migration created the role's settings row first
            WHEN internal_error THEN
                IF SQLERRM <> 'tuple concurrently updated' THEN
                    RAISE;
                END IF;  -- another database's migration changed it first, to the same value
        END;
    END LOOP;
    BEGIN
        EXECUTE format('ALTER DATABASE %I SET idle_in_transaction_session_timeout = %L', current_database(), '5min');
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE WARNING 'cannot set idle_in_transaction_session_timeout for database %: %', current_database(), SQLERRM
            USING HINT = format('As the database owner: ALTER DATABASE %I SET idle_in_transaction_session_timeout = ''5min'';',
                                current_database());
    END;
END
$$;
