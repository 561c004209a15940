-- The thresholds the triage views show and filter by, readable by the dashboard user, who may
-- not read system_config itself (it may hold delivery secrets).
CREATE OR REPLACE FUNCTION public.triage_thresholds()
RETURNS TABLE (stuck_pending_after interval, stuck_in_progress_after interval, retry_storm_attempts integer,
               max_refinement_attempts integer, max_test_failure_cycles integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT private.config_interval('stuck_pending_after'), private.config_interval('stuck_in_progress_after'),
           private.config_numeric('retry_storm_attempts')::integer,
           private.config_numeric('max_refinement_attempts')::integer,
           private.config_numeric('max_test_failure_cycles')::integer;
$$;

REVOKE ALL ON FUNCTION public.triage_thresholds() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.triage_thresholds() TO authenticated, service_role, moose_runner;

COMMENT ON FUNCTION public.triage_thresholds() IS 'Stuck thresholds, retry-storm threshold, max refinement attempts and max test failure cycles from system_config.';
