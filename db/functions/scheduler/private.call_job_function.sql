-- Calls a job's function by name and returns its result as jsonb. The function must be in
-- schema public, return one value (or void), take no argument or one timestamptz (the
-- scheduler's now), and be executable by the caller (the runner's own role) AND by the job's
-- owner (jobs.owner_role, the role that wrote it): a job cannot call what its runner could not
-- call by hand, nor what the role that wrote the job could not (service_role naming
-- schedule_pg_cron, which only the runner may call).
CREATE OR REPLACE FUNCTION private.call_job_function(p_function_name text, p_now timestamptz, p_owner text)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_proc regprocedure;
    v_takes_now boolean;
    v_returns_void boolean;
    v_returns_set boolean;
    v_qualified text;
    v_caller text := coalesce(nullif(current_setting('role', true), 'none'), session_user::text);
    v_call text;
    v_result jsonb;
BEGIN
    IF p_function_name IS NULL OR p_function_name !~ '^public\.[a-z_][a-z0-9_]{0,62}$' THEN
        RAISE EXCEPTION 'job function must be a public function name, got %', coalesce(quote_literal(left(p_function_name, 80)), 'NULL')
            USING ERRCODE = '22023', HINT = 'E.g. public.run_retention.';
    END IF;
    -- Prefer a form taking the scheduler's now as first argument; other arguments need defaults.
    SELECT p.oid, p.pronargs >= 1 AND p.proargtypes[0] = 'timestamptz'::regtype
    INTO v_proc, v_takes_now
    FROM pg_catalog.pg_proc AS p JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
    WHERE n.nspname = 'public' AND p.proname = split_part(p_function_name, '.', 2) AND p.prokind = 'f'
      AND (p.pronargs = p.pronargdefaults
           OR (p.proargtypes[0] = 'timestamptz'::regtype AND p.pronargs - p.pronargdefaults <= 1))
    ORDER BY 2 DESC, p.pronargs
    LIMIT 1;
    IF v_proc IS NULL THEN
        RAISE EXCEPTION 'job function %() does not exist', p_function_name
            USING ERRCODE = 'P0002',
                  HINT = 'Deploy it (`moose migrate`), or disable the job: moose jobs disable NAME. A job function takes no argument or one timestamptz (others need defaults).';
    END IF;
    SELECT p.prorettype = 'void'::regtype, p.proretset, format('%I.%I', n.nspname, p.proname)
    INTO v_returns_void, v_returns_set, v_qualified
    FROM pg_catalog.pg_proc AS p JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
    WHERE p.oid = v_proc;
    IF v_returns_set THEN
        RAISE EXCEPTION 'job function % returns a set; a job function returns one value', v_proc
            USING ERRCODE = '22023', HINT = 'Return a count (integer) or a jsonb summary.';
    END IF;
    IF p_owner IS NULL THEN
        RAISE EXCEPTION 'job function % has no owner', v_proc
            USING ERRCODE = '22004', HINT = 'Pass jobs.owner_role: the job runs only what its owner may execute.';
    END IF;
    IF NOT has_function_privilege(p_owner, v_proc, 'EXECUTE') THEN
        RAISE EXCEPTION 'the job''s owner % may not execute job function %', p_owner, v_proc
            USING ERRCODE = '42501',
                  HINT = 'A job runs only functions the role that wrote it could call; have a role that may re-create the job.';
    END IF;
    IF NOT has_function_privilege(v_caller, v_proc, 'EXECUTE') THEN
        RAISE EXCEPTION 'role % may not execute job function %', v_caller, v_proc
            USING ERRCODE = '42501', HINT = 'GRANT EXECUTE on the function to the runner''s role, or run the job as a role that has it.';
    END IF;

    v_call := format('%s(%s)', v_qualified,
                     CASE WHEN v_takes_now THEN quote_literal(p_now) || '::timestamptz' ELSE '' END);
    IF v_returns_void THEN
        EXECUTE 'SELECT ' || v_call;
        RETURN NULL;
    END IF;
    EXECUTE 'SELECT to_jsonb(' || v_call || ')' INTO v_result;
    RETURN v_result;
END
$$;

REVOKE ALL ON FUNCTION private.call_job_function(text, timestamptz, text) FROM PUBLIC;

COMMENT ON FUNCTION private.call_job_function(text, timestamptz, text) IS 'Runs a job''s public function (no argument, or the scheduler''s now as one timestamptz) and returns its result as jsonb. P0002 when missing, 22023 for a set-returning function, 42501 when the calling role or the job''s owner (p_owner) may not execute it.';
