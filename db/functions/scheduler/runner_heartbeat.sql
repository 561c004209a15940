-- A runner says it is alive (every loop) or stopping (on SIGTERM), so `moose status` can show
-- which runners are up beside the job leases they hold.
CREATE OR REPLACE FUNCTION public.runner_heartbeat(
    p_holder text,
    p_details jsonb DEFAULT '{}'::jsonb,
    p_stopping boolean DEFAULT false,
    p_now timestamptz DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_holder text := private.check_holder(p_holder);
    v_now timestamptz := private.scheduler_now(p_now);
    v_row public.runners%ROWTYPE;
BEGIN
    PERFORM private.check_required('p_stopping', p_stopping, 'true when the runner exits.');
    PERFORM private.check_json_object('runner details', p_details, NULL, 'E.g. ''{"host": "a", "pid": 1}''::jsonb, or ''{}''.');
    INSERT INTO public.runners AS r (holder, details, started_at, last_seen_at, stopped_at)
    VALUES (v_holder, p_details, v_now, v_now, CASE WHEN p_stopping THEN v_now END)
    ON CONFLICT (holder) DO UPDATE
    SET details = r.details || EXCLUDED.details,
        last_seen_at = EXCLUDED.last_seen_at,
        stopped_at = EXCLUDED.stopped_at
    RETURNING * INTO v_row;
    RETURN jsonb_build_object('holder', v_row.holder, 'last_seen_at', v_row.last_seen_at,
                              'stopped_at', v_row.stopped_at);
END
$$;

REVOKE ALL ON FUNCTION public.runner_heartbeat(text, jsonb, boolean, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.runner_heartbeat(text, jsonb, boolean, timestamptz) TO service_role, moose_runner;

COMMENT ON FUNCTION public.runner_heartbeat(text, jsonb, boolean, timestamptz) IS 'Record that runner p_holder is alive (or stopping, p_stopping => true), with details such as host and pid. Returns {holder, last_seen_at, stopped_at}.';
