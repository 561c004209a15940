-- Keeps each job's failure total and last success (ops_metrics(): moose_job_failures_total,
-- moose_job_last_success_timestamp_seconds) as runs end, so a scrape never reads job_runs and
-- retention deleting old runs does not lower the total. A run ends failed, timed_out or
-- abandoned (a failure) or succeeded; only one run of a job holds its lease at a time, so the
-- job's row is never contended.
CREATE OR REPLACE FUNCTION private.job_runs_totals() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NEW.outcome = 'running' OR (TG_OP = 'UPDATE' AND OLD.outcome = NEW.outcome) THEN
        RETURN NULL;
    END IF;
    INSERT INTO private.job_run_totals AS t (job_name, failures, last_success_at)
    VALUES (NEW.job_name, CASE WHEN NEW.outcome = 'succeeded' THEN 0 ELSE 1 END,
            CASE WHEN NEW.outcome = 'succeeded' THEN coalesce(NEW.finished_at, now()) END)
    ON CONFLICT (job_name) DO UPDATE
    SET failures = t.failures + EXCLUDED.failures,
        last_success_at = greatest(t.last_success_at, EXCLUDED.last_success_at);
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER job_runs_totals
    AFTER INSERT OR UPDATE OF outcome ON public.job_runs
    FOR EACH ROW EXECUTE FUNCTION private.job_runs_totals();

REVOKE ALL ON FUNCTION private.job_runs_totals() FROM PUBLIC;
COMMENT ON FUNCTION private.job_runs_totals() IS 'Row trigger function: a job run that ends adds to its job''s failure total or moves its last success (private.job_run_totals).';
COMMENT ON TRIGGER job_runs_totals ON public.job_runs IS 'Ended job runs keep the job''s failure total and last success behind ops_metrics().';
