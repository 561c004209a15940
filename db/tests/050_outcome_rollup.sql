-- rollup_outcome_hours and private.outcome_counts: the 24 h error rate of system_health() from
-- hourly rollups plus raw edges equals a raw count; missing or gappy rollups fall back to raw;
-- late rows are counted once their hour is recomputed. Also: system_health's stuck count agrees
-- with find_stuck_work_orders().
BEGIN;
SELECT plan(16);

CREATE FUNCTION pg_temp.raw() RETURNS text LANGUAGE sql AS $$
    SELECT count(*) || '/' || count(*) FILTER (WHERE NOT success) FROM outcome_vectors WHERE created_at >= now() - interval '24 hours'
$$;
CREATE FUNCTION pg_temp.counted() RETURNS text LANGUAGE sql AS $$
    SELECT attempts || '/' || failures FROM private.outcome_counts(now() - interval '24 hours', 'infinity')
$$;

SELECT update_config('max_refinement_attempts', '100');
INSERT INTO work_orders (id, title, status) VALUES ('b0000000-0000-0000-0000-000000000001', 'w', 'completed');
-- one attempt every 7 minutes over the last 30 hours, every fifth one failing
INSERT INTO outcome_vectors (work_order_id, model_used, cost, success, created_at)
SELECT 'b0000000-0000-0000-0000-000000000001', 'm', 0.01, i % 5 <> 0, now() - i * interval '7 minutes'
FROM generate_series(0, 257) AS i;

SELECT throws_ok($$SELECT rollup_outcome_hours(NULL)$$, '22004', 'hours must not be NULL', 'NULL hours: 22004');
SELECT throws_ok($$SELECT rollup_outcome_hours(0)$$, '22023', 'hours must be between 1 and 2160, got 0', 'zero hours: 22023');
SELECT throws_ok($$SELECT rollup_outcome_hours(100000)$$, '22023', 'hours must be between 1 and 2160, got 100000',
                 'huge hours: 22023');

SELECT is(pg_temp.counted(), pg_temp.raw(), 'without a rollup the count is raw and exact');
SELECT is(rollup_outcome_hours(), 25, 'the first run fills the last 25 complete hours');
SELECT ok((SELECT count(*) FROM outcome_hourly_stats) = 25 AND (SELECT min(hour) FROM outcome_hourly_stats) = date_trunc('hour', now(), 'UTC') - interval '25 hours',
          'contiguous UTC hours up to the current one');
SELECT is(pg_temp.counted(), pg_temp.raw(), 'rolled-up hours plus raw edges equal the raw count');
SELECT is(rollup_outcome_hours(), 2, 'later runs recompute the last two hours');

INSERT INTO outcome_vectors (work_order_id, model_used, cost, success) VALUES ('b0000000-0000-0000-0000-000000000001', 'm', 0, false);
SELECT is(pg_temp.counted(), pg_temp.raw(), 'a row in the current hour is counted raw');

INSERT INTO outcome_vectors (work_order_id, model_used, cost, success, created_at)
VALUES ('b0000000-0000-0000-0000-000000000001', 'm', 0, false, date_trunc('hour', now(), 'UTC') - interval '10 hours' + interval '5 minutes');
SELECT isnt(pg_temp.counted(), pg_temp.raw(), 'a late row in an hour already rolled up is missed (documented)');
SELECT rollup_outcome_hours(48);
SELECT is(pg_temp.counted(), pg_temp.raw(), 'until that hour is recomputed');

DELETE FROM outcome_hourly_stats WHERE hour = date_trunc('hour', now(), 'UTC') - interval '5 hours';
SELECT is(pg_temp.counted(), pg_temp.raw(), 'a gap in the rollup falls back to the raw count');
SELECT is((SELECT (h -> 'error_rate' ->> 'attempts') || '/' || (h -> 'error_rate' ->> 'failed') FROM (SELECT system_health() AS h) q),
          pg_temp.raw(), 'system_health reports the same figures');

-- system_health's stuck count is find_stuck_work_orders()
INSERT INTO work_orders (title, status) SELECT 'q' || i, CASE WHEN i % 2 = 0 THEN 'pending' ELSE 'in_progress' END FROM generate_series(1, 40) AS i;
UPDATE work_orders SET updated_at = now() - (substr(title, 2)::int) * interval '1 hour' WHERE title LIKE 'q%';
SELECT is((system_health() -> 'stuck_work_orders' ->> 'total')::int, (SELECT count(*)::int FROM find_stuck_work_orders()),
          'system_health counts what find_stuck_work_orders lists');
SELECT is((system_health() -> 'stuck_work_orders' ->> 'pending')::int,
          (SELECT count(*)::int FROM find_stuck_work_orders() WHERE status = 'pending'), 'per status too');

SELECT is(test_helpers.as_role('authenticated', $$SELECT rollup_outcome_hours()$$), 'ERROR 42501', 'authenticated may not run the rollup');

SELECT * FROM finish();
ROLLBACK;
