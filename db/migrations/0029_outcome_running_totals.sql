-- Running figures per work order, so no write sums a work order's history: how many outcome
-- vectors it has, how many failed, and what they cost, equal at every commit to what
-- `SELECT count(*), count(*) FILTER (WHERE NOT success), sum(cost) FROM outcome_vectors` gives
-- for it. Kept by the statement triggers on outcome_vectors (db/work_orders/triggers/
-- outcome_vectors_count_attempts.sql, outcome_vectors_totals.sql) through inserts, deletes
-- (retention, a DBA's clean-up, a deleted work order) and corrections of cost, success or
-- work_order_id. The retry_exhausted escalation reads the cost spent here (exact, numeric).
-- The old row trigger is dropped: the behaviour file recreates it as a statement trigger.
-- depends: 0045_names_that_say_the_difference

CREATE TABLE private.work_order_outcome_totals (
    work_order_id uuid PRIMARY KEY REFERENCES public.work_orders (id) ON DELETE CASCADE,
    outcomes      bigint  NOT NULL DEFAULT 0 CHECK (outcomes >= 0),
    failures      bigint  NOT NULL DEFAULT 0 CHECK (failures >= 0 AND failures <= outcomes),
    cost          numeric NOT NULL DEFAULT 0 CHECK (cost >= 0)
);
COMMENT ON TABLE private.work_order_outcome_totals IS
    'Per work order: count, failed count and SUM(cost) of its outcome vectors, kept by the statement triggers on outcome_vectors (never edit by hand; a bulk load with triggers off must rebuild it, see docs/performance/growth.md).';
-- Only the owner (the SECURITY DEFINER trigger functions and escalation facts) reads or writes it.
ALTER TABLE private.work_order_outcome_totals ENABLE ROW LEVEL SECURITY;

INSERT INTO private.work_order_outcome_totals (work_order_id, outcomes, failures, cost)
SELECT o.work_order_id, count(*), count(*) FILTER (WHERE NOT o.success), sum(o.cost)
FROM public.outcome_vectors AS o
GROUP BY o.work_order_id;

DROP TRIGGER IF EXISTS outcome_vectors_count_attempts ON public.outcome_vectors;
