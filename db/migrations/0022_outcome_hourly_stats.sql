-- Hourly rollup of outcome vectors (attempts, failures, cost per UTC hour), so system_health()
-- reads the 24 h error rate from ~24 rows plus the raw rows of the partial hours at either end
-- instead of counting ~100k rows per call at 10M outcome vectors. Written by the scheduled
-- function rollup_outcome_hours(); without it system_health() counts raw rows (still correct).
-- depends: 0021_escalation_workflow

CREATE TABLE public.outcome_hourly_stats (
    hour         timestamptz PRIMARY KEY CHECK (hour = date_trunc('hour', hour, 'UTC')),
    attempts     bigint NOT NULL CHECK (attempts >= 0),
    failures     bigint NOT NULL CHECK (failures >= 0 AND failures <= attempts),
    cost         numeric NOT NULL CHECK (cost >= 0),
    rolled_up_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE public.outcome_hourly_stats IS 'Outcome vectors per complete UTC hour (attempts, failures, cost), maintained by rollup_outcome_hours(); read by system_health().';

ALTER TABLE public.outcome_hourly_stats ENABLE ROW LEVEL SECURITY;
CREATE POLICY service_all ON public.outcome_hourly_stats FOR ALL TO service_role, moose_runner USING (true) WITH CHECK (true);
CREATE POLICY dashboard_read ON public.outcome_hourly_stats FOR SELECT TO authenticated USING (true);
GRANT SELECT ON public.outcome_hourly_stats TO authenticated, service_role, moose_runner;
