-- Who a job runs for: on insert, and whenever function_name or owner_role changes, owner_role
-- becomes the writing role (current_user; a value the writer passes is ignored), and the row is
-- refused (42501, writes nothing) when that role may not execute the named public function. A
-- function that is not deployed yet is accepted here and checked when the job runs
-- (private.call_job_function, which checks the owner again at run time). SECURITY INVOKER on
-- purpose: current_user must be the writer, not this function's owner.
CREATE OR REPLACE FUNCTION private.jobs_owner() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_denied regprocedure;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.function_name IS NOT DISTINCT FROM OLD.function_name
       AND NEW.owner_role IS NOT DISTINCT FROM OLD.owner_role THEN
        RETURN NEW;
    END IF;
    NEW.owner_role := current_user;
    SELECT p.oid INTO v_denied
    FROM pg_catalog.pg_proc AS p
    WHERE p.pronamespace = 'public'::regnamespace AND p.proname = split_part(NEW.function_name, '.', 2)
      AND NOT pg_catalog.has_function_privilege(current_user, p.oid, 'EXECUTE')
    LIMIT 1;
    IF v_denied IS NOT NULL THEN
        RAISE EXCEPTION 'role % may not execute %, so a job it writes may not run it', current_user, v_denied
            USING ERRCODE = '42501',
                  HINT = 'A job runs only functions its owner could call itself; ask a role that may (e.g. the runner''s login for schedule_pg_cron).';
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER jobs_owner
    BEFORE INSERT OR UPDATE ON public.jobs
    FOR EACH ROW EXECUTE FUNCTION private.jobs_owner();

REVOKE ALL ON FUNCTION private.jobs_owner() FROM PUBLIC;
COMMENT ON FUNCTION private.jobs_owner() IS 'Trigger function: jobs.owner_role := current_user on insert or a change of function_name; 42501 when that role may not execute the function.';
COMMENT ON TRIGGER jobs_owner ON public.jobs IS 'A job may name only functions the role that wrote it may execute (42501); sets owner_role.';
