-- The scheduler's state (jobs, their runs, the leases that decide which runner runs a job, the
-- runners themselves), the daily cost totals that survive retention, the health check's memory,
-- and the config keys of retention and backoff. Behaviour lives in db/functions.
-- depends: 0004_orchestrator_state

-- Jobs as data: each names a function in schema public that takes no argument or one
-- timestamptz (the scheduler's "now", so tests can drive a simulated clock). The function is
-- resolved when the job runs, not here: a migration runs before db/functions is applied, and a
-- job whose function is missing fails with a clear error, backs off and alerts.
CREATE TABLE public.jobs (
    name                 text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
    function_name        text NOT NULL CHECK (function_name ~ '^public\.[a-z_][a-z0-9_]{0,62}$'),
    run_interval         interval NOT NULL CHECK (run_interval BETWEEN interval '1 second' AND interval '31 days'),
    statement_timeout    interval NOT NULL DEFAULT interval '5 minutes'
                         CHECK (statement_timeout BETWEEN interval '100 milliseconds' AND interval '6 hours'),
    enabled              boolean NOT NULL DEFAULT true,
    description          text NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
    next_run_at          timestamptz NOT NULL DEFAULT now(),
    consecutive_failures integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
    failing_since        timestamptz,
    last_run_at          timestamptz,
    last_outcome         text CHECK (last_outcome IN ('succeeded', 'failed', 'timed_out', 'abandoned')),
    last_error           text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE public.jobs IS 'Scheduled jobs: a public SQL function run every run_interval under its statement_timeout, with backoff after failures. Edited with set_job_enabled / `moose jobs`.';
CREATE INDEX jobs_due_idx ON public.jobs (next_run_at) WHERE enabled;

CREATE TABLE public.job_runs (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_name       text NOT NULL REFERENCES public.jobs (name) ON DELETE CASCADE ON UPDATE CASCADE,
    holder         text NOT NULL,
    scheduled_for  timestamptz NOT NULL,
    started_at     timestamptz NOT NULL,
    finished_at    timestamptz,
    outcome        text NOT NULL DEFAULT 'running'
                   CHECK (outcome IN ('running', 'succeeded', 'failed', 'timed_out', 'abandoned')),
    rows_affected  bigint,
    result         jsonb,
    error          text,
    error_sqlstate text
);
COMMENT ON TABLE public.job_runs IS 'One row per job run: who ran it, when, the outcome, rows affected and the error. Purged by run_retention after job_runs_retention.';
CREATE INDEX job_runs_job_idx ON public.job_runs (job_name, started_at DESC);
CREATE INDEX job_runs_started_idx ON public.job_runs (started_at);

-- A lease is a row, not a session lock: it works through PgBouncer in transaction mode and
-- expires by time when its holder dies.
CREATE TABLE public.job_leases (
    job_name    text PRIMARY KEY REFERENCES public.jobs (name) ON DELETE CASCADE ON UPDATE CASCADE,
    holder      text NOT NULL,
    run_id      bigint REFERENCES public.job_runs (id) ON DELETE CASCADE,
    acquired_at timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);
COMMENT ON TABLE public.job_leases IS 'Which runner holds which job until when. A lease past expires_at belongs to a dead runner: the next claim marks its run abandoned and runs the job again.';
CREATE INDEX job_leases_run_idx ON public.job_leases (run_id);

CREATE TABLE public.runners (
    holder       text PRIMARY KEY CHECK (length(holder) BETWEEN 1 AND 200),
    details      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object'),
    started_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    stopped_at   timestamptz
);
COMMENT ON TABLE public.runners IS 'Runner processes (`moose run`) and when each was last seen: moose status shows them beside the job leases.';

-- Spend history that outlives the raw cost rows (runbook 4.2's per-day, per-service query).
CREATE TABLE public.cost_daily_totals (
    day           date NOT NULL,
    service_name  text NOT NULL,
    total_cost    numeric(20, 6) NOT NULL CHECK (total_cost >= 0),
    request_count bigint NOT NULL CHECK (request_count >= 0),
    rolled_up_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (day, service_name)
);
COMMENT ON TABLE public.cost_daily_totals IS 'Daily spend per service (budget day), rolled up by run_retention before raw cost_tracking rows are purged.';

-- The health check's memory, so an unhealthy system alerts on the change and then at most once
-- per health_alert_repeat, not every five minutes.
CREATE TABLE public.health_checks (
    id            boolean PRIMARY KEY DEFAULT true CHECK (id),
    last_status   text,
    status_since  timestamptz,
    last_alert_at timestamptz,
    checked_at    timestamptz,
    last_report   jsonb
);
COMMENT ON TABLE public.health_checks IS 'Single row: the last system_health() status seen by the health-check job and when it last alerted.';
INSERT INTO public.health_checks (id) VALUES (true);

ALTER TABLE public.jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.job_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.job_leases ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.runners ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.cost_daily_totals ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.health_checks ENABLE ROW LEVEL SECURITY;

CREATE POLICY service_all ON public.jobs FOR ALL TO service_role, moose_runner USING (true) WITH CHECK (true);
CREATE POLICY service_all ON public.job_runs FOR ALL TO service_role, moose_runner USING (true) WITH CHECK (true);
CREATE POLICY service_all ON public.job_leases FOR ALL TO service_role, moose_runner USING (true) WITH CHECK (true);
CREATE POLICY service_all ON public.runners FOR ALL TO service_role, moose_runner USING (true) WITH CHECK (true);
CREATE POLICY service_all ON public.cost_daily_totals FOR ALL TO service_role, moose_runner USING (true) WITH CHECK (true);
CREATE POLICY service_all ON public.health_checks FOR ALL TO service_role, moose_runner USING (true) WITH CHECK (true);

CREATE POLICY dashboard_read ON public.jobs FOR SELECT TO authenticated USING (true);
CREATE POLICY dashboard_read ON public.job_runs FOR SELECT TO authenticated USING (true);
CREATE POLICY dashboard_read ON public.job_leases FOR SELECT TO authenticated USING (true);
CREATE POLICY dashboard_read ON public.runners FOR SELECT TO authenticated USING (true);
CREATE POLICY dashboard_read ON public.cost_daily_totals FOR SELECT TO authenticated USING (true);
CREATE POLICY dashboard_read ON public.health_checks FOR SELECT TO authenticated USING (true);

GRANT SELECT ON public.jobs, public.job_runs, public.job_leases, public.runners, public.cost_daily_totals,
    public.health_checks TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.jobs, public.job_runs, public.job_leases, public.runners,
    public.cost_daily_totals, public.health_checks TO service_role, moose_runner;
GRANT USAGE, SELECT ON SEQUENCE public.job_runs_id_seq TO service_role, moose_runner;

INSERT INTO public.system_config (key, value, value_type, min_value, max_value, description) VALUES
    ('job_runs_retention',      '"30 days"',   'interval', 3600, 315360000, 'Finished job_runs rows older than this are purged by run_retention.'),
    ('alerts_retention',        '"30 days"',   'interval', 3600, 315360000, 'Alerts older than this (and, where deliveries are tracked, fully delivered) are purged by run_retention.'),
    ('escalations_retention',   '"180 days"',  'interval', 86400, 315360000, 'Resolved or dismissed escalations decided longer ago than this are purged by run_retention.'),
    ('cost_tracking_retention', '"90 days"',   'interval', 172800, 315360000, 'Raw cost_tracking rows older than this are rolled up into cost_daily_totals and purged.'),
    ('retention_batch_size',    '5000',        'integer',  100, 100000, 'Rows run_retention deletes per table per transaction, so writers never wait long.'),
    ('job_max_backoff',         '"1 hour"',    'interval', 1, 86400, 'Longest delay before retrying a failing job (the delay doubles per consecutive failure).'),
    ('job_lease_grace',         '"30 seconds"', 'interval', 1, 3600, 'A job lease lasts the job''s statement timeout plus this; after that the job counts as abandoned.'),
    ('health_alert_repeat',     '"4 hours"',   'interval', 60, 604800, 'While system_health() stays unhealthy, the health check re-alerts at most this often.');

INSERT INTO public.jobs (name, function_name, run_interval, statement_timeout, description) VALUES
    ('retention', 'public.run_retention', interval '1 day', interval '1 minute',
     'Purge expired outcome vectors, cost rows (after rolling them up), alerts, job runs and decided escalations in bounded batches (runbook 6.2).');
