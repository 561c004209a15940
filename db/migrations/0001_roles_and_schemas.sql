-- Roles, schemas and default privileges: the security frame every later object lives in.
-- Roles are cluster-wide, so they are created only where absent (Supabase already has them),
-- and a concurrent migration of another database on the same cluster is tolerated.

DO $$
DECLARE
    v_role text;
BEGIN
    FOREACH v_role IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = v_role) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', v_role);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;
            END;
        END IF;
    END LOOP;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'moose_runner') THEN
        BEGIN
            CREATE ROLE moose_runner LOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
END
$$;

CREATE SCHEMA IF NOT EXISTS private;
COMMENT ON SCHEMA private IS 'Internal helpers of the Moose ops core: not part of the API, never exposed through PostgREST.';

REVOKE ALL ON SCHEMA private FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role, moose_runner;

-- Functions created from now on by the migrating role are not executable by PUBLIC;
-- each function file grants EXECUTE to the roles that may call it.
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA private REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- yoyo's bookkeeping tables live in public; lock them like every other table.
ALTER TABLE IF EXISTS public._yoyo_migration ENABLE ROW LEVEL SECURITY;
ALTER TABLE IF EXISTS public._yoyo_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE IF EXISTS public._yoyo_version ENABLE ROW LEVEL SECURITY;
ALTER TABLE IF EXISTS public.yoyo_lock ENABLE ROW LEVEL SECURITY;
