-- Work-order lifecycle state: the legal status transitions as data, the history of every
-- transition, the counters the reporters keep (test failure cycles) and stuck episodes (one row
-- per work order per period of inactivity, so detection escalates each episode once).
-- depends: 0004_orchestrator_state
--
-- Reviewed for a live database (squawk, docs/CONVENTIONS.md): index swap on work_orders and a new
-- index on outcome_vectors: writes to them wait for the build (CREATE INDEX CONCURRENTLY cannot
-- run in moose migrate's transaction). Kept as applied: installed databases ran it before the lint
-- existed, and a fresh install runs it on new, near-empty tables.
-- squawk-ignore-file require-concurrent-index-creation, require-concurrent-index-deletion

-- The state machine as data: a status change not listed here is refused by the trigger
-- work_orders_status_guard with the legal targets in its HINT.
CREATE TABLE public.work_order_transitions (
    from_status text NOT NULL,
    to_status   text NOT NULL,
    description text NOT NULL,
    PRIMARY KEY (from_status, to_status),
    CHECK (from_status <> to_status)
);
COMMENT ON TABLE public.work_order_transitions IS 'Legal work-order status transitions (the state machine); anything else is refused with SQLSTATE 55000.';

INSERT INTO public.work_order_transitions (from_status, to_status, description) VALUES
    ('pending',      'approved',     'approved for execution'),
    ('pending',      'in_progress',  'picked up by the orchestrator'),
    ('pending',      'paused',       'paused (by hand, by a decision or by emergency_kill)'),
    ('pending',      'blocked',      'held for a human decision'),
    ('pending',      'cancelled',    'cancelled before it started'),
    ('approved',     'pending',      'sent back to the queue'),
    ('approved',     'in_progress',  'picked up by the orchestrator'),
    ('approved',     'paused',       'paused (by hand, by a decision or by emergency_kill)'),
    ('approved',     'blocked',      'held for a human decision'),
    ('approved',     'cancelled',    'cancelled before it started'),
    ('in_progress',  'pending',      'requeued or retried'),
    ('in_progress',  'needs_review', 'changes ready for review'),
    ('in_progress',  'completed',    'done'),
    ('in_progress',  'failed',       'gave up'),
    ('in_progress',  'paused',       'paused while running'),
    ('in_progress',  'blocked',      'held for a human decision (retries exhausted, tests, contract, Aider)'),
    ('in_progress',  'cancelled',    'cancelled while running'),
    ('paused',       'pending',      'resumed (resume_operations or a decision)'),
    ('paused',       'approved',     'resumed (resume_operations restores approved)'),
    ('paused',       'in_progress',  'resumed where it stopped'),
    ('paused',       'blocked',      'held for a human decision'),
    ('paused',       'cancelled',    'cancelled while paused'),
    ('blocked',      'pending',      'decision: retry or requeue'),
    ('blocked',      'approved',     'decision: back to where it was'),
    ('blocked',      'in_progress',  'decision: back to where it was'),
    ('blocked',      'paused',       'decision: pause'),
    ('blocked',      'needs_review', 'decision: manual application, review it'),
    ('blocked',      'completed',    'decision: the flagged result stands'),
    ('blocked',      'failed',       'decision: give up'),
    ('blocked',      'cancelled',    'decision: abort, split, revert or cancel'),
    ('needs_review', 'in_progress',  'review asked for changes'),
    ('needs_review', 'pending',      'review sent it back to the queue'),
    ('needs_review', 'completed',    'review approved'),
    ('needs_review', 'failed',       'review rejected'),
    ('needs_review', 'blocked',      'held for a human decision'),
    ('needs_review', 'cancelled',    'cancelled in review'),
    ('failed',       'pending',      'retried'),
    ('failed',       'cancelled',    'given up for good'),
    ('completed',    'needs_review', 'reopened for review'),
    ('completed',    'blocked',      'a contract violation found after completion holds it for a decision');

-- Every status change (and every insert) with who and why. The reason comes from the
-- transaction-local setting moose.status_reason, which the API functions set.
CREATE TABLE public.work_order_history (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    work_order_id uuid NOT NULL REFERENCES public.work_orders (id) ON DELETE CASCADE,
    from_status   text,
    to_status     text NOT NULL,
    actor         text NOT NULL,
    reason        text,
    at            timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE public.work_order_history IS 'One row per work-order status change (from NULL on insert): actor (JWT sub, role or login), reason, time.';
CREATE INDEX work_order_history_work_order_idx ON public.work_order_history (work_order_id, at);

ALTER TABLE public.work_orders
    ADD COLUMN test_failure_cycles integer NOT NULL DEFAULT 0 CHECK (test_failure_cycles >= 0);
COMMENT ON COLUMN public.work_orders.test_failure_cycles IS 'Consecutive failing Sentinel test runs (report_test_run); a passing run resets it.';
COMMENT ON COLUMN public.work_orders.refinement_attempts IS 'Failed agent attempts recorded in outcome_vectors (trigger outcome_vectors_count_attempts).';

-- A stuck episode is a work order in pending / in_progress whose updated_at has not moved for
-- longer than the configured threshold. It is identified by (work order, updated_at at
-- detection): if the work order moves, updated_at moves and a later stall is a new episode.
CREATE TABLE public.work_order_stuck_episodes (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    work_order_id uuid NOT NULL REFERENCES public.work_orders (id) ON DELETE CASCADE,
    status        text NOT NULL,
    since         timestamptz NOT NULL,
    stuck_for     interval NOT NULL,
    detected_at   timestamptz NOT NULL DEFAULT now(),
    escalation_id uuid REFERENCES public.escalations (id) ON DELETE SET NULL,
    UNIQUE (work_order_id, since)
);
COMMENT ON TABLE public.work_order_stuck_episodes IS 'One row per stuck episode (work order, updated_at when it stalled), written by detect_stuck_work_orders so each episode escalates once.';

-- Stuck candidates: few rows are pending or in progress, so a partial index on exactly those
-- keeps detection an index range scan per status whatever the table size. It also serves the
-- runbook's own stuck query (status IN (...) AND updated_at < ...), so it replaces the
-- foundation's (updated_at) partial index.
DROP INDEX public.work_orders_active_updated_idx;
CREATE INDEX work_orders_stuck_candidates_idx ON public.work_orders (status, updated_at)
    WHERE status IN ('pending', 'in_progress');

-- Failures are a small share of outcome vectors: the 24 h error rate counts them from this
-- partial index and the total from outcome_vectors_created_idx (index-only).
CREATE INDEX outcome_vectors_failed_created_idx ON public.outcome_vectors (created_at) WHERE NOT success;

INSERT INTO public.system_config (key, value, value_type, min_value, max_value, description) VALUES
    ('max_test_failure_cycles', '3',  'integer', 1, 100, 'More consecutive failing Sentinel test runs than this open a test_failures escalation (runbook 3.1 type 3).'),
    ('retry_storm_attempts',    '10', 'integer', 1, 100000, 'More outcome vectors than this for one work order in one budget day is a retry storm (runbook 5.1).'),
    ('health_error_rate_warning_pct', '5', 'numeric', 0, 100, 'system_health() warns when the share of failed outcome vectors in 24 h exceeds this percentage (runbook 1.1).'),
    ('health_budget_warning_pct', '80', 'numeric', 0, 1000, 'system_health() warns when budget usage exceeds this percentage of the daily limit (runbook 1.1).');

ALTER TABLE public.work_order_transitions ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.work_order_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.work_order_stuck_episodes ENABLE ROW LEVEL SECURITY;

CREATE POLICY service_all ON public.work_order_transitions FOR ALL TO service_role, moose_runner USING (true) WITH CHECK (true);
CREATE POLICY service_all ON public.work_order_history FOR ALL TO service_role, moose_runner USING (true) WITH CHECK (true);
CREATE POLICY service_all ON public.work_order_stuck_episodes FOR ALL TO service_role, moose_runner USING (true) WITH CHECK (true);
CREATE POLICY dashboard_read ON public.work_order_transitions FOR SELECT TO authenticated USING (true);
CREATE POLICY dashboard_read ON public.work_order_history FOR SELECT TO authenticated USING (true);
CREATE POLICY dashboard_read ON public.work_order_stuck_episodes FOR SELECT TO authenticated USING (true);

GRANT SELECT ON public.work_order_transitions, public.work_order_history, public.work_order_stuck_episodes TO authenticated;
-- The transition table is policy: services read it, only migrations change it.
GRANT SELECT ON public.work_order_transitions TO service_role, moose_runner;
GRANT SELECT, INSERT ON public.work_order_history, public.work_order_stuck_episodes TO service_role, moose_runner;
GRANT USAGE, SELECT ON SEQUENCE public.work_order_history_id_seq, public.work_order_stuck_episodes_id_seq
    TO service_role, moose_runner;
