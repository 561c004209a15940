-- The runbook's tables with the columns its queries read, plus the policy, alert and audit
-- tables the shared entry points need. Money is numeric; times are timestamptz.
-- depends: 0001_roles_and_schemas

CREATE TABLE public.system_config (
    key         text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]{0,62}$'),
    value       jsonb NOT NULL,
    value_type  text NOT NULL CHECK (value_type IN ('numeric', 'integer', 'interval', 'boolean', 'text', 'timezone')),
    min_value   numeric,
    max_value   numeric,
    description text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text
);
COMMENT ON TABLE public.system_config IS 'Every tunable number of the ops core (key/value). Values are validated against value_type and range by a trigger; changes are audited.';

CREATE TABLE public.work_orders (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    title               text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    description         text NOT NULL DEFAULT '',
    status              text NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'approved', 'in_progress', 'paused', 'blocked',
                                          'needs_review', 'completed', 'failed', 'cancelled')),
    priority            text NOT NULL DEFAULT 'medium' CHECK (priority IN ('low', 'medium', 'high', 'critical')),
    complexity_score    numeric(4, 3) CHECK (complexity_score BETWEEN 0 AND 1),
    refinement_attempts integer NOT NULL DEFAULT 0 CHECK (refinement_attempts >= 0),
    metadata            jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    status_changed_at   timestamptz NOT NULL DEFAULT now(),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE public.work_orders IS 'Units of work driven through AI coding agents (runbook 1.4).';
CREATE INDEX work_orders_status_idx ON public.work_orders (status, created_at);
-- The runbook's stuck query: status IN (pending, in_progress) AND updated_at < now() - interval.
CREATE INDEX work_orders_active_updated_idx ON public.work_orders (updated_at)
    WHERE status IN ('pending', 'in_progress');

CREATE TABLE public.outcome_vectors (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    work_order_id     uuid NOT NULL REFERENCES public.work_orders (id) ON DELETE CASCADE,
    model_used        text NOT NULL CHECK (length(model_used) BETWEEN 1 AND 200),
    cost              numeric(14, 6) NOT NULL DEFAULT 0 CHECK (cost >= 0 AND cost < 1000000000),
    success           boolean NOT NULL,
    execution_time_ms integer CHECK (execution_time_ms >= 0),
    route_reason      text,
    metadata          jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    created_at        timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE public.outcome_vectors IS 'One row per agent attempt on a work order: model, cost, success (runbook 1.3, 3.1).';
CREATE INDEX outcome_vectors_created_idx ON public.outcome_vectors (created_at);
CREATE INDEX outcome_vectors_work_order_idx ON public.outcome_vectors (work_order_id, created_at);

CREATE TABLE public.cost_tracking (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    service_name  text NOT NULL CHECK (length(service_name) BETWEEN 1 AND 200),
    cost          numeric(14, 6) NOT NULL CHECK (cost >= 0 AND cost < 1000000000),
    work_order_id uuid REFERENCES public.work_orders (id) ON DELETE SET NULL,
    metadata      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    created_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE public.cost_tracking IS 'Actual LLM spend, one row per settled call (runbook 4.2).';
CREATE INDEX cost_tracking_created_idx ON public.cost_tracking (created_at);
CREATE INDEX cost_tracking_work_order_idx ON public.cost_tracking (work_order_id) WHERE work_order_id IS NOT NULL;

CREATE TABLE public.contracts (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    version       text NOT NULL DEFAULT '1.0.0' CHECK (length(version) BETWEEN 1 AND 50),
    contract_type text NOT NULL DEFAULT 'api' CHECK (contract_type IN ('api', 'database', 'event', 'file', 'other')),
    status        text NOT NULL DEFAULT 'active' CHECK (status IN ('draft', 'active', 'deprecated')),
    specification jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(specification) = 'object'),
    metadata      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (name, version)
);
COMMENT ON TABLE public.contracts IS 'Integration contracts checked by the contract validator (runbook 3.1 type 4).';

CREATE TABLE public.escalation_policies (
    trigger_type       text PRIMARY KEY CHECK (trigger_type ~ '^[a-z][a-z0-9_]{0,62}$'),
    priority           text NOT NULL CHECK (priority IN ('high', 'medium', 'low')),
    sla                interval NOT NULL CHECK (sla > interval '0'),
    description        text NOT NULL,
    resolution_options jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(resolution_options) = 'array')
);
COMMENT ON TABLE public.escalation_policies IS 'Per escalation type: priority, SLA and resolution options (runbook 1.2, 3.1).';

CREATE TABLE public.escalations (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    work_order_id   uuid REFERENCES public.work_orders (id) ON DELETE SET NULL,
    trigger_type    text NOT NULL REFERENCES public.escalation_policies (trigger_type),
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'acknowledged', 'resolved', 'dismissed')),
    priority        text NOT NULL CHECK (priority IN ('high', 'medium', 'low')),
    sla_due_at      timestamptz NOT NULL,
    context         jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(context) = 'object'),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    acknowledged_at timestamptz,
    acknowledged_by text,
    resolved_at     timestamptz,
    resolved_by     text,
    resolution      jsonb CHECK (resolution IS NULL OR jsonb_typeof(resolution) = 'object')
);
COMMENT ON TABLE public.escalations IS 'Decisions a human must make, with priority and SLA from escalation_policies (runbook 3).';
-- One open escalation per work order and type; NULL work orders (budget-wide) count as one.
CREATE UNIQUE INDEX escalations_one_open_idx ON public.escalations (work_order_id, trigger_type)
    NULLS NOT DISTINCT WHERE status IN ('pending', 'acknowledged');
CREATE INDEX escalations_open_sla_idx ON public.escalations (sla_due_at)
    WHERE status IN ('pending', 'acknowledged');
CREATE INDEX escalations_work_order_idx ON public.escalations (work_order_id);

CREATE TABLE public.alerts (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    severity       text NOT NULL CHECK (severity IN ('info', 'warning', 'error', 'critical')),
    kind           text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_.]{0,62}$'),
    title          text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    body           text NOT NULL DEFAULT '' CHECK (length(body) <= 10000),
    dedupe_key     text NOT NULL CHECK (length(dedupe_key) BETWEEN 1 AND 500),
    context        jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(context) = 'object'),
    occurrences    integer NOT NULL DEFAULT 1 CHECK (occurrences >= 1),
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_raised_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE public.alerts IS 'Durable alert outbox: one row per distinct alert within its dedupe window; delivery records hang off it.';
CREATE INDEX alerts_dedupe_idx ON public.alerts (dedupe_key, created_at DESC);
CREATE INDEX alerts_created_idx ON public.alerts (created_at);

CREATE TABLE public.audit_log (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor      text NOT NULL,
    action     text NOT NULL,
    target     text,
    details    jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE public.audit_log IS 'Who did what to the system: kills, resumes, decisions, config changes.';
CREATE INDEX audit_log_created_idx ON public.audit_log (created_at);

-- Row level security on every table. The migrating role owns the tables and SECURITY DEFINER
-- functions act as it; policies below decide what each API role sees directly.
ALTER TABLE public.system_config ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.work_orders ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.outcome_vectors ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.cost_tracking ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.contracts ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.escalation_policies ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.escalations ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.alerts ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.audit_log ENABLE ROW LEVEL SECURITY;

-- service_role and the runner operate everything.
CREATE POLICY service_all ON public.system_config FOR ALL TO service_role, moose_runner USING (true) WITH CHECK (true);
CREATE POLICY service_all ON public.work_orders FOR ALL TO service_role, moose_runner USING (true) WITH CHECK (true);
CREATE POLICY service_all ON public.outcome_vectors FOR ALL TO service_role, moose_runner USING (true) WITH CHECK (true);
CREATE POLICY service_all ON public.cost_tracking FOR ALL TO service_role, moose_runner USING (true) WITH CHECK (true);
CREATE POLICY service_all ON public.contracts FOR ALL TO service_role, moose_runner USING (true) WITH CHECK (true);
CREATE POLICY service_all ON public.escalation_policies FOR ALL TO service_role, moose_runner USING (true) WITH CHECK (true);
CREATE POLICY service_all ON public.escalations FOR ALL TO service_role, moose_runner USING (true) WITH CHECK (true);
CREATE POLICY service_all ON public.alerts FOR ALL TO service_role, moose_runner USING (true) WITH CHECK (true);
CREATE POLICY service_all ON public.audit_log FOR ALL TO service_role, moose_runner USING (true) WITH CHECK (true);

-- authenticated (the dashboard user) reads what the dashboard shows; writes go through functions.
CREATE POLICY dashboard_read ON public.work_orders FOR SELECT TO authenticated USING (true);
CREATE POLICY dashboard_read ON public.outcome_vectors FOR SELECT TO authenticated USING (true);
CREATE POLICY dashboard_read ON public.cost_tracking FOR SELECT TO authenticated USING (true);
CREATE POLICY dashboard_read ON public.contracts FOR SELECT TO authenticated USING (true);
CREATE POLICY dashboard_read ON public.escalation_policies FOR SELECT TO authenticated USING (true);
CREATE POLICY dashboard_read ON public.escalations FOR SELECT TO authenticated USING (true);

GRANT SELECT ON public.work_orders, public.outcome_vectors, public.cost_tracking, public.contracts,
    public.escalation_policies, public.escalations TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.system_config, public.work_orders, public.outcome_vectors,
    public.cost_tracking, public.contracts, public.escalation_policies, public.escalations, public.alerts,
    public.audit_log TO service_role, moose_runner;
GRANT USAGE, SELECT ON SEQUENCE public.outcome_vectors_id_seq, public.cost_tracking_id_seq,
    public.alerts_id_seq, public.audit_log_id_seq TO service_role, moose_runner;
