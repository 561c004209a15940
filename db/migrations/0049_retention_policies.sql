-- What run_retention purges, as data: one row per purge (a table, the age it is measured by,
-- the config key of its period, extra conditions, the batch size), instead of one hand-written
-- DELETE block per table. The expressions are SQL over the alias r (the row considered); only
-- the migrating role can write this table (no grants), so they are trusted as code is.
-- depends: 0044_retention_reservations_and_history 0045_names_that_say_the_difference

CREATE TABLE public.retention_policies (
    name          text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
    table_name    text NOT NULL CHECK (table_name ~ '^[a-z][a-z0-9_]{0,62}$'),
    age_expr      text NOT NULL,
    retention_key text NOT NULL REFERENCES public.system_config (key),
    condition     text NOT NULL DEFAULT 'true',
    batch_size    integer CHECK (batch_size BETWEEN 1 AND 1000000),
    cascades_to   text[] NOT NULL DEFAULT '{}',
    position      integer NOT NULL UNIQUE
);
COMMENT ON TABLE public.retention_policies IS
    'One row per purge run_retention makes: rows of table_name whose age_expr (SQL over alias r) is older than the interval in system_config.retention_key and that meet condition, oldest first, at most batch_size (NULL: retention_batch_size) per call; cascades_to names tables whose rows go with them (vacuumed too). Reported under name.';
ALTER TABLE public.retention_policies ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON public.retention_policies TO service_role, moose_runner;
CREATE POLICY retention_policies_read ON public.retention_policies FOR SELECT TO service_role, moose_runner USING (true);

INSERT INTO public.retention_policies (position, name, table_name, age_expr, retention_key, condition, cascades_to) VALUES
    (1, 'outcome_vectors', 'outcome_vectors', 'r.created_at', 'outcome_vectors_retention', 'true', '{}'),
    -- Rolled up into cost_daily_totals in the deleting statement (run_retention's one special case).
    (2, 'cost_tracking', 'cost_tracking', 'r.created_at', 'cost_tracking_retention', 'true', '{}'),
    -- An alert goes once no delivery of it is pending or sending; its deliveries go with it.
    (3, 'alerts', 'alerts', 'r.last_raised_at', 'alerts_retention',
        $$NOT EXISTS (SELECT 1 FROM public.alert_deliveries AS d WHERE d.alert_id = r.id AND d.status IN ('pending', 'sending'))$$,
        '{alert_deliveries}'),
    (4, 'alert_summaries', 'alert_deliveries', 'r.updated_at', 'alerts_retention',
        $$r.is_summary AND r.status IN ('delivered', 'failed')$$, '{}'),
    (5, 'job_runs', 'job_runs', 'r.started_at', 'job_runs_retention', $$r.outcome <> 'running'$$, '{}'),
    (6, 'escalations', 'escalations', 'coalesce(r.resolved_at, r.updated_at)', 'escalations_retention',
        $$r.status IN ('resolved', 'dismissed')$$, '{}'),
    -- A closed reservation goes once no cost row points at it (cost rows purged earlier in the
    -- same call already count as gone); the ledger keeps the totals.
    (7, 'budget_reservations', 'budget_reservations', 'r.closed_at', 'budget_reservations_retention',
        'r.closed_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM public.cost_tracking AS c WHERE c.reservation_id = r.id)', '{}'),
    (8, 'work_order_history', 'work_order_history', 'r.at', 'work_order_history_retention', 'true', '{}');
