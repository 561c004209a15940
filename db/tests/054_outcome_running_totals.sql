-- The running figures per work order (private.outcome_figures: totals plus pending deltas;
-- outcomes, failures, cost) equal what summing outcome_vectors gives after any mix of inserts (single, multi-row,
-- record_outcome, each role), retention purges, a DBA's deletes, corrections of cost, success
-- and work_order_id, a deleted work order and TRUNCATE; the retry_exhausted escalation's
-- cost_spent is the exact sum; a multi-row failed INSERT counts every row and escalates once.
BEGIN;
SELECT plan(31);

SELECT has_trigger('public', 'outcome_vectors', 'outcome_vectors_totals_deleted', 'a purge leaves deltas (trigger outcome_vectors_totals_deleted)');
SELECT has_trigger('public', 'outcome_vectors', 'outcome_vectors_totals_corrected', 'a correction leaves deltas (trigger outcome_vectors_totals_corrected)');
SELECT has_trigger('public', 'outcome_vectors', 'outcome_vectors_totals_truncated', 'TRUNCATE empties the figures (trigger outcome_vectors_totals_truncated)');

-- Work orders whose figures (totals plus pending deltas, private.outcome_figures) differ from
-- what summing their rows gives.
CREATE FUNCTION pg_temp.drift() RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*)
    FROM public.work_orders AS w
    CROSS JOIN LATERAL private.outcome_figures(w.id) AS f
    LEFT JOIN (SELECT o.work_order_id, count(*) AS n, count(*) FILTER (WHERE NOT o.success) AS fl, sum(o.cost) AS c
               FROM public.outcome_vectors AS o GROUP BY o.work_order_id) AS s ON s.work_order_id = w.id
    WHERE (f.outcomes, f.failures, f.cost) IS DISTINCT FROM (coalesce(s.n, 0), coalesce(s.fl, 0), coalesce(s.c, 0))
$$;

UPDATE system_config SET value = '100' WHERE key = 'max_refinement_attempts';
INSERT INTO work_orders (id, title, status)
SELECT ('53000000-0000-0000-0000-00000000000' || i)::uuid, 'wo ' || i, 'in_progress' FROM generate_series(1, 6) AS i;

-- inserts: single rows, record_outcome, a multi-row INSERT ... SELECT over several work orders
INSERT INTO outcome_vectors (work_order_id, model_used, cost, success)
VALUES ('53000000-0000-0000-0000-000000000001', 'gpt-4o', 0.123456, false);
SELECT record_outcome('53000000-0000-0000-0000-000000000001', 'gpt-4o', 0.5, true);
INSERT INTO outcome_vectors (work_order_id, model_used, cost, success, created_at)
SELECT ('53000000-0000-0000-0000-00000000000' || (1 + g % 4))::uuid, 'gpt-4o-mini', round((g * 0.013)::numeric, 6),
       g % 3 <> 0, now() - (g || ' days')::interval
FROM generate_series(1, 300) AS g;
SELECT is(pg_temp.drift(), 0::bigint, 'after single, record_outcome and multi-row inserts the figures equal the sums');
SELECT is((SELECT outcomes FROM private.outcome_figures('53000000-0000-0000-0000-000000000002')), 75::bigint,
          'a multi-row insert counts each of its rows once');
SELECT is((SELECT refinement_attempts FROM work_orders WHERE id = '53000000-0000-0000-0000-000000000002'),
          (SELECT count(*)::int FROM outcome_vectors WHERE work_order_id = '53000000-0000-0000-0000-000000000002' AND NOT success),
          'a multi-row insert adds every failed row to refinement_attempts');

-- retention: rows past 90 days leave the figures, in bounded batches
SELECT public.run_retention(now(), 50) FROM generate_series(1, 6);
SELECT is((SELECT count(*) FROM outcome_vectors WHERE created_at < now() - interval '90 days'), 0::bigint, 'retention purged the old rows');
SELECT is(pg_temp.drift(), 0::bigint, 'after retention batches the figures equal the sums');

SELECT is((SELECT count(*) FROM private.work_order_outcome_deltas), 0::bigint,
          'run_retention folded the deltas its purge left into the totals rows');

-- a DBA's clean-up (runbook 4.2 style duplicate delete)
DELETE FROM outcome_vectors WHERE work_order_id = '53000000-0000-0000-0000-000000000003' AND cost > 0.5;
SELECT is(pg_temp.drift(), 0::bigint, 'after a hand-written DELETE the figures equal the sums');

-- corrections: cost, success, a row moved to a work order that had none, a mixed multi-row update
UPDATE outcome_vectors SET cost = cost + 0.000001 WHERE work_order_id = '53000000-0000-0000-0000-000000000001';
SELECT is(pg_temp.drift(), 0::bigint, 'a corrected cost moves the difference');
UPDATE outcome_vectors SET success = NOT success WHERE work_order_id = '53000000-0000-0000-0000-000000000002';
SELECT is(pg_temp.drift(), 0::bigint, 'a corrected success moves the failure count');
UPDATE outcome_vectors SET work_order_id = '53000000-0000-0000-0000-000000000005'
WHERE id IN (SELECT id FROM outcome_vectors WHERE work_order_id = '53000000-0000-0000-0000-000000000004' ORDER BY id LIMIT 5);
SELECT is(pg_temp.drift(), 0::bigint, 'rows moved to a work order without rows carry their figures');
UPDATE outcome_vectors
SET cost = CASE WHEN id % 2 = 0 THEN 0 ELSE cost * 2 END,
    work_order_id = CASE WHEN id % 5 = 0 THEN '53000000-0000-0000-0000-000000000006'::uuid ELSE work_order_id END,
    success = CASE WHEN id % 7 = 0 THEN NOT success ELSE success END;
SELECT is(pg_temp.drift(), 0::bigint, 'a multi-row update mixing every correction nets out per work order');
SELECT is((SELECT cost FROM private.outcome_figures('53000000-0000-0000-0000-000000000001')),
          (SELECT sum(cost) FROM outcome_vectors WHERE work_order_id = '53000000-0000-0000-0000-000000000001'),
          'the running cost is exact (numeric, to the micro-dollar)');
SELECT lives_ok($$UPDATE outcome_vectors SET metadata = '{"late_fix": true}'$$, 'a metadata-only update');
SELECT is(pg_temp.drift(), 0::bigint, 'a metadata-only update leaves the figures as they were');

-- random mix: 300 operations, seeded
SELECT setseed(0.53);
DO $$
DECLARE
    v_wo uuid;
BEGIN
    FOR i IN 1..300 LOOP
        v_wo := ('53000000-0000-0000-0000-00000000000' || (1 + floor(random() * 6))::int)::uuid;
        CASE floor(random() * 4)::int
            WHEN 0 THEN INSERT INTO public.outcome_vectors (work_order_id, model_used, cost, success)
                        VALUES (v_wo, 'm', round((random() * 2)::numeric, 6), random() < 0.5);
            WHEN 1 THEN DELETE FROM public.outcome_vectors WHERE id = (SELECT min(id) FROM public.outcome_vectors WHERE work_order_id = v_wo);
            WHEN 2 THEN UPDATE public.outcome_vectors SET cost = round((random() * 3)::numeric, 6), success = random() < 0.5
                        WHERE id = (SELECT max(id) FROM public.outcome_vectors WHERE work_order_id = v_wo);
            ELSE UPDATE public.outcome_vectors SET work_order_id = v_wo
                 WHERE id = (SELECT max(id) FROM public.outcome_vectors WHERE work_order_id <> v_wo);
        END CASE;
    END LOOP;
END
$$;
SELECT is(pg_temp.drift(), 0::bigint, 'after 300 random inserts, deletes and corrections the figures equal the sums');
SELECT ok(private.fold_outcome_deltas(1000) > 0, 'fold_outcome_deltas folds the pending deltas of the work orders');
SELECT is((SELECT count(*) FROM private.work_order_outcome_deltas), 0::bigint, 'no delta is left pending');
SELECT is(pg_temp.drift(), 0::bigint, 'and the figures still equal the sums');
-- Folding is per work order: the deltas of the work orders named, and only those.
INSERT INTO public.outcome_vectors (work_order_id, model_used, cost, success)
VALUES ('53000000-0000-0000-0000-000000000001', 'm', 0.25, false), ('53000000-0000-0000-0000-000000000002', 'm', 0.5, true);
DELETE FROM public.outcome_vectors WHERE cost IN (0.25, 0.5) AND model_used = 'm'
   AND work_order_id IN ('53000000-0000-0000-0000-000000000001', '53000000-0000-0000-0000-000000000002');
SELECT is(private.fold_held_outcome_deltas(ARRAY['53000000-0000-0000-0000-000000000001'::uuid]), 1,
          'fold_held_outcome_deltas moves the totals row of the one work order named');
SELECT results_eq($$SELECT DISTINCT work_order_id FROM private.work_order_outcome_deltas$$,
                  $$VALUES ('53000000-0000-0000-0000-000000000002'::uuid)$$,
                  'the other work order''s deltas stay pending');
SELECT is(pg_temp.drift(), 0::bigint, 'folded or pending, the figures equal the sums');

-- the escalation's cost_spent: the exact sum at the moment it opened, after some history left
UPDATE system_config SET value = '3' WHERE key = 'max_refinement_attempts';
INSERT INTO work_orders (id, title, status) VALUES ('53000000-0000-0000-0000-000000000010', 'storm', 'in_progress');
INSERT INTO outcome_vectors (work_order_id, model_used, cost, success)
VALUES ('53000000-0000-0000-0000-000000000010', 'gpt-4o', 0.333333, true), ('53000000-0000-0000-0000-000000000010', 'gpt-4o', 9, true);
DELETE FROM outcome_vectors WHERE work_order_id = '53000000-0000-0000-0000-000000000010' AND cost = 9;
INSERT INTO outcome_vectors (work_order_id, model_used, cost, success, metadata)
SELECT '53000000-0000-0000-0000-000000000010', 'claude-sonnet-4.5', 0.1, false, jsonb_build_object('error_message', 'fail ' || g)
FROM generate_series(1, 10) AS g;
SELECT results_eq($$SELECT count(*)::int, min((context ->> 'attempts')::int), min((context ->> 'cost_spent')::numeric),
                           min(context ->> 'last_error'), min(context ->> 'model_used')
                    FROM escalations WHERE work_order_id = '53000000-0000-0000-0000-000000000010'$$,
                  $$VALUES (1, 10, 1.333333::numeric, 'fail 10', 'claude-sonnet-4.5')$$,
                  'ten failures in one INSERT: one retry_exhausted with all ten attempts, the exact cost spent and the last error');
SELECT is((SELECT status FROM work_orders WHERE id = '53000000-0000-0000-0000-000000000010'), 'blocked', 'and the work order is blocked');

-- each API role's plain INSERT moves the figures; nobody but the owner reads them
SELECT is(test_helpers.as_role('service_role', $$INSERT INTO outcome_vectors (work_order_id, model_used, cost, success)
                                                VALUES ('53000000-0000-0000-0000-000000000006', 'm', 0.25, false) RETURNING 'ok'$$),
          'ok', 'service_role inserts an outcome vector');
SELECT is(pg_temp.drift(), 0::bigint, 'and its figures moved (the trigger runs as the owner)');
SELECT is(test_helpers.as_role('authenticated', $$SELECT count(*) FROM private.work_order_outcome_totals$$), 'ERROR 42501',
          'authenticated may not read the running figures');

-- a deleted work order takes its figures along; TRUNCATE empties them
DELETE FROM work_orders WHERE id = '53000000-0000-0000-0000-000000000001';
SELECT is(pg_temp.drift() + (SELECT count(*) FROM private.work_order_outcome_totals WHERE work_order_id = '53000000-0000-0000-0000-000000000001'),
          0::bigint, 'deleting a work order removes its rows and its figures');

TRUNCATE outcome_vectors;
SELECT is((SELECT count(*) FROM private.work_order_outcome_totals) + (SELECT count(*) FROM private.work_order_outcome_deltas),
          0::bigint, 'TRUNCATE outcome_vectors empties the figures');

SELECT * FROM finish();
ROLLBACK;
