-- Retention for the two tables that otherwise only grow: closed budget reservations and the
-- work-order status history. run_retention purges them in the same bounded batches as the
-- rest; these are the periods and the indexes its batches walk.
-- budget_reservations_closed_idx holds only closed rows (closed_at is set when a reservation is
-- settled, released, expired or cancelled), so the reservation gate's INSERT of an open row
-- adds no entry to it.
-- depends: 0040_scheduler_and_retention 0014_budget_hot_path 0020_work_order_lifecycle
--
-- Reviewed for a live database (squawk, docs/CONVENTIONS.md): retention's indexes on
-- budget_reservations and work_order_history: writes (the gate's INSERTs) wait for the build, as
-- CONCURRENTLY cannot run in moose migrate's transaction. Kept as applied: installed databases ran
-- it before the lint existed, and a fresh install runs it on new, near-empty tables.
-- squawk-ignore-file require-concurrent-index-creation

INSERT INTO public.system_config (key, value, value_type, min_value, max_value, description) VALUES
    ('budget_reservations_retention', '"90 days"', 'interval', 172800, 315360000,
     'Closed budget reservations (settled, released, expired, cancelled) closed longer ago than this are purged by run_retention, once no cost_tracking row still points at them.'),
    ('work_order_history_retention', '"365 days"', 'interval', 86400, 315360000,
     'work_order_history rows (status changes) older than this are purged by run_retention.')
ON CONFLICT (key) DO NOTHING;

CREATE INDEX budget_reservations_closed_idx ON public.budget_reservations (closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX work_order_history_at_idx ON public.work_order_history (at);

UPDATE public.jobs
SET description = 'Purge expired outcome vectors, cost rows (after rolling them up), alerts, job runs, decided escalations, closed budget reservations and old work-order history in bounded batches (runbook 6.2).'
WHERE name = 'retention';
