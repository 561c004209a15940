-- Turns a scheduled job on or off (`moose jobs enable|disable NAME`), audited. Enabling a job
-- makes it due now and clears its failure streak: the operator has presumably fixed the cause.
CREATE OR REPLACE FUNCTION public.set_job_enabled(p_name text, p_enabled boolean) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_job public.jobs%ROWTYPE;
BEGIN
    IF p_name IS NULL OR p_enabled IS NULL THEN
        RAISE EXCEPTION 'job name and enabled must not be NULL'
            USING ERRCODE = '22004', HINT = 'E.g. SELECT set_job_enabled(''retention'', false);';
    END IF;
    PERFORM private.check_text('job name', p_name, 63, 'List the jobs with: moose jobs list (or SELECT name FROM jobs).');
    UPDATE public.jobs AS j
    SET enabled = p_enabled,
        next_run_at = CASE WHEN p_enabled AND NOT j.enabled THEN least(j.next_run_at, now()) ELSE j.next_run_at END,
        consecutive_failures = CASE WHEN p_enabled AND NOT j.enabled THEN 0 ELSE j.consecutive_failures END,
        failing_since = CASE WHEN p_enabled AND NOT j.enabled THEN NULL ELSE j.failing_since END,
        updated_at = now()
    WHERE j.name = p_name
    RETURNING * INTO v_job;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown job %', quote_literal(left(p_name, 80))
            USING ERRCODE = 'P0002', HINT = 'List the jobs with: moose jobs list (or SELECT name FROM jobs).';
    END IF;
    INSERT INTO public.audit_log (actor, action, target, details)
    VALUES (private.current_actor(), CASE WHEN p_enabled THEN 'job.enable' ELSE 'job.disable' END, v_job.name,
            jsonb_build_object('next_run_at', v_job.next_run_at));
    RETURN jsonb_build_object('job', v_job.name, 'enabled', v_job.enabled, 'next_run_at', v_job.next_run_at);
END
$$;

REVOKE ALL ON FUNCTION public.set_job_enabled(text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.set_job_enabled(text, boolean) TO service_role, moose_runner;

COMMENT ON FUNCTION public.set_job_enabled(text, boolean) IS 'Enable or disable a scheduled job (audited). Enabling makes it due now and clears its failure streak. P0002 for an unknown job.';
