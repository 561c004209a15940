-- Running counts for ops_metrics() (the Prometheus scrape, health domain), so a scrape never
-- counts a table that grows with history: work orders per status and alert deliveries per
-- channel and status are kept as rows of private.ops_counts (appended by statement triggers on
-- work_orders and alert_deliveries, folded now and then: the sum per metric and labels is the
-- count); each job's failure total and last success live in private.job_run_totals (a row
-- trigger on job_runs). Seeded here from the rows present.
-- depends: 0049_retention_policies 0047_job_owner 0032_pg_net 0029_outcome_running_totals
--
-- Reviewed for a live database (squawk, docs/CONVENTIONS.md): runners holds one row per runner
-- ever started: the build is short. Kept as applied: installed databases ran it before the lint
-- existed, and a fresh install runs it on new, near-empty tables.
-- squawk-ignore-file require-concurrent-index-creation

CREATE TABLE private.ops_counts (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    metric  text   NOT NULL CHECK (metric IN ('work_orders', 'alert_deliveries')),
    label_1 text   NOT NULL DEFAULT '',
    label_2 text   NOT NULL DEFAULT '',
    value   bigint NOT NULL
);
COMMENT ON TABLE private.ops_counts IS
    'Running counts behind ops_metrics(): the sum of value per (metric, label_1, label_2) is the count (work_orders: label_1 status; alert_deliveries: label_1 channel id, label_2 status). Statement triggers append one row per group changed; private.fold_ops_counts sums the rows into one per group. Never edit by hand; a bulk load with triggers off must write it (docs/performance/growth.md).';
ALTER TABLE private.ops_counts ENABLE ROW LEVEL SECURITY;

INSERT INTO private.ops_counts (metric, label_1, value)
SELECT 'work_orders', w.status, count(*) FROM public.work_orders AS w GROUP BY w.status;
INSERT INTO private.ops_counts (metric, label_1, label_2, value)
SELECT 'alert_deliveries', d.channel_id::text, d.status, count(*)
FROM public.alert_deliveries AS d GROUP BY d.channel_id, d.status;

CREATE TABLE private.job_run_totals (
    job_name        text PRIMARY KEY REFERENCES public.jobs (name) ON UPDATE CASCADE ON DELETE CASCADE,
    failures        bigint NOT NULL DEFAULT 0 CHECK (failures >= 0),
    last_success_at timestamptz
);
COMMENT ON TABLE private.job_run_totals IS
    'Per job: runs that ended failed, timed_out or abandoned (ever, whatever retention deleted since) and when the last successful run finished; kept by the trigger job_runs_totals for ops_metrics().';
ALTER TABLE private.job_run_totals ENABLE ROW LEVEL SECURITY;

INSERT INTO private.job_run_totals (job_name, failures, last_success_at)
SELECT r.job_name, count(*) FILTER (WHERE r.outcome IN ('failed', 'timed_out', 'abandoned')),
       max(r.finished_at) FILTER (WHERE r.outcome = 'succeeded')
FROM public.job_runs AS r GROUP BY r.job_name;

-- runners alive (seen within 2 minutes) without reading every runner ever started.
CREATE INDEX runners_last_seen_idx ON public.runners (last_seen_at);
