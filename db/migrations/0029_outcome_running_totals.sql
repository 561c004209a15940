-- Running figures per work order, so no write sums a work order's history: how many outcome
-- vectors it has, how many failed, and what they cost. Totals plus the work order's pending
-- deltas equal at every commit what `SELECT count(*), count(*) FILTER (WHERE NOT success),
-- sum(cost) FROM outcome_vectors` gives for it (private.outcome_figures reads them). Inserts
-- move the totals row (the inserter already serialises on it); deletes (retention, a DBA's
-- clean-up) and corrections of cost, success or work_order_id only append a delta row, so they
-- never wait on a writer that holds the totals row; the next insert for the work order, or
-- run_retention, folds the deltas in. Statement triggers: db/triggers/work_orders/outcome_vectors_*.
-- The old row trigger is dropped: the behaviour file recreates it as a statement trigger.
-- depends: 0024_check_orchestrator_starts_it 0020_work_order_lifecycle

CREATE TABLE private.work_order_outcome_totals (
    work_order_id uuid PRIMARY KEY REFERENCES public.work_orders (id) ON DELETE CASCADE,
    outcomes      bigint  NOT NULL DEFAULT 0,
    failures      bigint  NOT NULL DEFAULT 0,
    cost          numeric NOT NULL DEFAULT 0
);
COMMENT ON TABLE private.work_order_outcome_totals IS
    'Per work order: count, failed count and SUM(cost) of its outcome vectors, less what work_order_outcome_deltas still holds (read both with private.outcome_figures); kept by the statement triggers on outcome_vectors (never edit by hand; a bulk load with triggers off must write it, see docs/performance/growth.md).';
-- Only the owner (the SECURITY DEFINER trigger functions, run_retention, escalation facts) reads or writes them.
ALTER TABLE private.work_order_outcome_totals ENABLE ROW LEVEL SECURITY;

CREATE TABLE private.work_order_outcome_deltas (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    work_order_id uuid    NOT NULL,
    outcomes      bigint  NOT NULL,
    failures      bigint  NOT NULL,
    cost          numeric NOT NULL
);
COMMENT ON TABLE private.work_order_outcome_deltas IS
    'Changes to a work order''s running figures from deleted or corrected outcome vectors, not yet folded into work_order_outcome_totals (the next insert for the work order or run_retention folds them). No foreign key: a delete trigger must not wait on or fail for the work order row.';
CREATE INDEX work_order_outcome_deltas_work_order_idx ON private.work_order_outcome_deltas (work_order_id);
ALTER TABLE private.work_order_outcome_deltas ENABLE ROW LEVEL SECURITY;

INSERT INTO private.work_order_outcome_totals (work_order_id, outcomes, failures, cost)
SELECT o.work_order_id, count(*), count(*) FILTER (WHERE NOT o.success), sum(o.cost)
FROM public.outcome_vectors AS o
GROUP BY o.work_order_id;

DROP TRIGGER IF EXISTS outcome_vectors_count_attempts ON public.outcome_vectors;
