-- run_retention on the tables that would otherwise only grow: closed budget reservations go
-- after budget_reservations_retention once no cost row points at them (a settled one waits for
-- its cost row's own purge), open ones never; work-order status history goes after
-- work_order_history_retention. Both in bounded batches, and both reported for VACUUM.
BEGIN;
-- A simulated clock (2030): only a superuser session with this flag may pass one (private.scheduler_now).
SET LOCAL moose.simulated_clock = on;
SELECT plan(12);

DELETE FROM public.alerts;
DELETE FROM public.job_runs;
UPDATE public.system_config SET value = '1000' WHERE key = 'daily_budget_limit';

-- Reservations: one settled (its cost row stays until cost retention), one released, one
-- expired, all closed long ago; one closed recently; one still open.
CREATE TEMP TABLE res AS
SELECT n, (public.check_and_reserve_budget(1, 'coder') ->> 'reservationId')::uuid AS id FROM generate_series(1, 5) AS n;
SELECT public.settle_reservation((SELECT id FROM res WHERE n = 1), 0.5);
SELECT public.release_reservation((SELECT id FROM res WHERE n = 2));
SELECT public.release_reservation((SELECT id FROM res WHERE n = 3));
SELECT public.release_reservation((SELECT id FROM res WHERE n = 4));
UPDATE public.budget_reservations SET closed_at = '2030-01-01Z' WHERE id IN (SELECT id FROM res WHERE n IN (1, 2, 3));
UPDATE public.budget_reservations SET closed_at = '2030-03-30Z' WHERE id = (SELECT id FROM res WHERE n = 4);
-- The settled one's cost row is recent (kept by cost_tracking_retention) at first.
UPDATE public.cost_tracking SET created_at = '2030-03-30Z' WHERE reservation_id = (SELECT id FROM res WHERE n = 1);

-- History: three old rows, one recent.
INSERT INTO public.work_orders (id, title) VALUES ('00000000-0000-0000-0000-0000000009a1', 'wo');
DELETE FROM public.work_order_history;
INSERT INTO public.work_order_history (work_order_id, from_status, to_status, actor, at) VALUES
    ('00000000-0000-0000-0000-0000000009a1', NULL, 'pending', 't', '2029-01-01Z'),
    ('00000000-0000-0000-0000-0000000009a1', 'pending', 'approved', 't', '2029-01-02Z'),
    ('00000000-0000-0000-0000-0000000009a1', 'approved', 'in_progress', 't', '2029-01-03Z'),
    ('00000000-0000-0000-0000-0000000009a1', 'in_progress', 'completed', 't', '2030-03-30Z');

CREATE TEMP TABLE pass1 AS SELECT public.run_retention('2030-04-05Z', 2) AS r;
SELECT is((SELECT (r -> 'deleted' ->> 'budget_reservations')::int FROM pass1), 2,
          'a batch of 2 takes two of the old closed reservations without a cost row');
SELECT is((SELECT (r -> 'deleted' ->> 'work_order_history')::int FROM pass1), 2, 'and two old history rows');
SELECT is((SELECT r ->> 'more' FROM pass1), 'true', 'a full batch says there is more');
SELECT ok((SELECT r -> 'vacuum' ? 'budget_reservations' AND r -> 'vacuum' ? 'work_order_history' FROM pass1),
          'both tables are named for VACUUM');
SELECT is(public.run_retention('2030-04-05Z', 2) ->> 'more', 'false', 'the next pass finishes');

SELECT is((SELECT string_agg(n::text, ',' ORDER BY n) FROM res WHERE id IN (SELECT id FROM public.budget_reservations)),
          '1,4,5', 'kept: the settled one (its cost row remains), the recently closed one and the open one');
SELECT is((SELECT status::text FROM public.budget_reservations WHERE id = (SELECT id FROM res WHERE n = 5)), 'open',
          'the open reservation is untouched');
SELECT is((SELECT string_agg(to_status, ',') FROM public.work_order_history), 'completed', 'history: the recent row is kept');

-- Once the settled reservation's cost row is past cost retention, both go in one pass; the
-- spend survives in cost_daily_totals and the ledger.
UPDATE public.cost_tracking SET created_at = '2030-01-01Z' WHERE reservation_id = (SELECT id FROM res WHERE n = 1);
CREATE TEMP TABLE pass3 AS SELECT public.run_retention('2030-04-05Z') AS r;
SELECT is((SELECT (r -> 'deleted' ->> 'cost_tracking')::int FROM pass3), 1, 'the old cost row goes');
SELECT is((SELECT (r -> 'deleted' ->> 'budget_reservations')::int FROM pass3), 1, 'and its reservation with it');
SELECT is((SELECT total_cost FROM public.cost_daily_totals WHERE day = '2030-01-01' AND service_name = 'coder'),
          0.5::numeric(14, 6), 'the settled spend is in the daily totals');

SELECT throws_ok($$UPDATE public.system_config SET value = '"1 hour"' WHERE key = 'budget_reservations_retention'$$,
                 '22023', 'config "budget_reservations_retention" = 1 hour is out of range [172800, 315360000]',
                 'a retention shorter than two days is refused');

SELECT * FROM finish();
ROLLBACK;
