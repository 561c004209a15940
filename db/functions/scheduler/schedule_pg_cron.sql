-- For installations that run no `moose run` (Supabase): registers every enabled job in pg_cron
-- as `SELECT public.run_job('<name>', true)` under the name `moose:<name>`, with the job's
-- statement timeout; unschedules disabled jobs (and, with p_remove, all of them). Re-running it
-- after changing jobs brings pg_cron in line. cron is reached through dynamic SQL because the
-- extension exists only where it was installed.
CREATE OR REPLACE FUNCTION public.schedule_pg_cron(p_remove boolean DEFAULT false) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_job public.jobs%ROWTYPE;
    v_schedule text;
    v_command text;
    v_scheduled jsonb := '[]'::jsonb;
    v_removed jsonb := '[]'::jsonb;
    v_exists boolean;
    v_cron text := 'cron';  -- a variable, so linters do not resolve cron.* where pg_cron is absent
BEGIN
    PERFORM private.check_required('p_remove', p_remove, 'false registers, true removes.');
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension AS e WHERE e.extname = 'pg_cron') THEN
        RAISE EXCEPTION 'pg_cron is not installed in this database'
            USING ERRCODE = '55000',
                  HINT = 'pg_cron installs only in the database cron.database_name names (SHOW cron.database_name;), with pg_cron in shared_preload_libraries: CREATE EXTENSION pg_cron there (`moose db up` does it on the embedded cluster, in database moose), or run `moose run` instead.';
    END IF;
    FOR v_job IN SELECT * FROM public.jobs AS j ORDER BY j.name LOOP
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.job WHERE jobname = $1)', v_cron) INTO v_exists USING 'moose:' || v_job.name;
        IF p_remove OR NOT v_job.enabled THEN
            IF v_exists THEN
                EXECUTE format('SELECT %I.unschedule($1)', v_cron) USING 'moose:' || v_job.name;
                v_removed := v_removed || to_jsonb(v_job.name);
            END IF;
            CONTINUE;
        END IF;
        v_schedule := private.job_cron_schedule(v_job.run_interval);
        v_command := format('SET statement_timeout = %L; SELECT public.run_job(%L, true)',
                            (extract(epoch FROM v_job.statement_timeout) * 1000)::bigint || 'ms', v_job.name);
        EXECUTE format('SELECT %I.schedule($1, $2, $3)', v_cron) USING 'moose:' || v_job.name, v_schedule, v_command;
        v_scheduled := v_scheduled || jsonb_build_object('job', v_job.name, 'schedule', v_schedule, 'command', v_command);
    END LOOP;
    INSERT INTO public.audit_log (actor, action, target, details)
    VALUES (private.current_actor(), CASE WHEN p_remove THEN 'pg_cron.unschedule' ELSE 'pg_cron.schedule' END, 'jobs',
            jsonb_build_object('scheduled', v_scheduled, 'removed', v_removed));
    RETURN jsonb_build_object('scheduled', v_scheduled, 'removed', v_removed);
END
$$;

REVOKE ALL ON FUNCTION public.schedule_pg_cron(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.schedule_pg_cron(boolean) TO moose_runner;

COMMENT ON FUNCTION public.schedule_pg_cron(boolean) IS 'Register every enabled job in pg_cron as moose:<name> running run_job(name, true) under its statement timeout (p_remove => true: unschedule them all). 55000 when pg_cron is not installed. Returns {scheduled: [{job, schedule, command}], removed: [names]}.';
