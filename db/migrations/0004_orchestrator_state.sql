-- The orchestrator's run state (runbook 4.3: {"status": "running", "interval_ms": 10000} and
-- its last poll), one row. The kill switch stops it; orchestrator functions start it again.
-- depends: 0003_seed_config_and_policies

CREATE TABLE public.orchestrator_state (
    id             boolean PRIMARY KEY DEFAULT true CHECK (id),
    status         text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'stopped')),
    interval_ms    integer NOT NULL DEFAULT 10000 CHECK (interval_ms BETWEEN 100 AND 3600000),
    last_poll_at   timestamptz,
    stopped_reason text,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    updated_by     text
);
COMMENT ON TABLE public.orchestrator_state IS 'Single row: whether the work-order orchestrator may run, its poll interval and last poll (runbook 4.3).';
INSERT INTO public.orchestrator_state (id) VALUES (true);

ALTER TABLE public.orchestrator_state ENABLE ROW LEVEL SECURITY;
CREATE POLICY service_all ON public.orchestrator_state FOR ALL TO service_role, moose_runner USING (true) WITH CHECK (true);
CREATE POLICY dashboard_read ON public.orchestrator_state FOR SELECT TO authenticated USING (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON public.orchestrator_state TO service_role, moose_runner;
GRANT SELECT ON public.orchestrator_state TO authenticated;
