-- One job, claimed, run and recorded in a single call and transaction: for pg_cron (which runs
-- one SQL command per schedule) and for an operator's `moose jobs run NAME` / psql. With
-- p_scheduled = true (pg_cron: cron decides the timing) a disabled job is skipped, and so is a
-- failing job still inside its backoff.
CREATE OR REPLACE FUNCTION public.run_job(
    p_name text, p_scheduled boolean DEFAULT false, p_now timestamptz DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_holder text := left(private.current_actor(), 150) || ':run_job:' || pg_backend_pid();
    v_job public.jobs%ROWTYPE;
    v_claim jsonb;
BEGIN
    PERFORM private.check_required('job name', p_name, 'List the jobs with: SELECT name FROM jobs;');
    PERFORM private.check_required('p_scheduled', p_scheduled,
        'true: skip a disabled or backed-off job (pg_cron); false: run now.');
    PERFORM private.check_text('job name', p_name, 63, 'List the jobs with: moose jobs list (or SELECT name FROM jobs).');
    SELECT * INTO v_job FROM public.jobs AS j WHERE j.name = p_name;
    IF FOUND AND p_scheduled
       AND (NOT v_job.enabled OR (v_job.consecutive_failures > 0 AND v_job.next_run_at > private.scheduler_now(p_now))) THEN
        RETURN jsonb_build_object('job', v_job.name, 'outcome', 'skipped',
                                  'reason', CASE WHEN NOT v_job.enabled THEN 'disabled' ELSE 'backing off' END,
                                  'next_run_at', v_job.next_run_at);
    END IF;
    v_claim := public.claim_job(v_holder, p_now, p_name);
    RETURN public.execute_job((v_claim ->> 'run_id')::bigint, v_holder, p_now);
END
$$;

REVOKE ALL ON FUNCTION public.run_job(text, boolean, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.run_job(text, boolean, timestamptz) TO service_role, moose_runner;

COMMENT ON FUNCTION public.run_job(text, boolean, timestamptz) IS 'Claim, run and record one job in this transaction (pg_cron and manual runs). p_scheduled => true skips a disabled job or one backed off after failures. P0002 unknown job, 55000 when a runner holds its lease.';
