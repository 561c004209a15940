-- check_and_reserve_budget records the reservation before it takes the ledger row lock, for
-- the normal tier, and settles the rest under the lock: the stored row ends up with the tier
-- and model of the spend seen under the lock, and every kind of refusal removes the row again
-- (nothing written), keyed or not.
BEGIN;
SELECT plan(16);

UPDATE public.system_config SET value = '100' WHERE key = 'daily_budget_limit';
CREATE TEMP TABLE today AS SELECT private.budget_day(now()) AS d;

-- Normal tier: the row as recorded.
CREATE TEMP TABLE n AS SELECT public.check_and_reserve_budget(1, 'coder', '{"model": "gpt-4o"}') AS a;
SELECT is((SELECT row(r.tier, r.model, r.model_decision, r.requested_model)::text FROM public.budget_reservations AS r
           WHERE r.id = (SELECT (a ->> 'reservationId')::uuid FROM n)),
          '(normal,gpt-4o,as_is,gpt-4o)', 'normal tier: the stored row has the model as asked');

-- Warning tier (25% settled): corrected under the lock, answer and row agree.
INSERT INTO public.cost_tracking (service_name, cost) VALUES ('legacy', 25);
CREATE TEMP TABLE w AS SELECT public.check_and_reserve_budget(1, 'coder', '{"model": "gpt-4o"}') AS a;
SELECT is((SELECT a ->> 'tier' FROM w), 'warning', 'at 25% the answer says warning');
SELECT is((SELECT row(r.tier, r.model, r.model_decision)::text FROM public.budget_reservations AS r
           WHERE r.id = (SELECT (a ->> 'reservationId')::uuid FROM w)),
          '(warning,gpt-4o-mini,downgraded)', 'and the stored row was corrected to the warning tier''s model');
SELECT is((SELECT a ->> 'model' FROM w), 'gpt-4o-mini', 'the answer names the same model as the row');

-- Hard cap (55%) without a model: forced.
INSERT INTO public.cost_tracking (service_name, cost) VALUES ('legacy', 30);
CREATE TEMP TABLE h AS SELECT public.check_and_reserve_budget(1, 'coder') AS a;
SELECT is((SELECT row(r.tier, r.model, r.model_decision)::text FROM public.budget_reservations AS r
           WHERE r.id = (SELECT (a ->> 'reservationId')::uuid FROM h)),
          '(hard_cap,gpt-4o-mini,forced)', 'hard_cap without a model: the row holds the forced model');

-- Critical (85%): another model is refused; the row recorded first is gone and the ledger is as it was.
INSERT INTO public.cost_tracking (service_name, cost) VALUES ('legacy', 30);
CREATE TEMP TABLE before AS
SELECT (SELECT count(*) FROM public.budget_reservations) AS rows,
       (SELECT reserved FROM public.budget_ledger WHERE budget_day = (SELECT d FROM today)) AS reserved;
CREATE TEMP TABLE c AS SELECT public.check_and_reserve_budget(1, 'coder', '{"model": "gpt-4o", "idempotency_key": "k-crit"}') AS a;
SELECT is((SELECT a ->> 'reason' FROM c), 'model_not_allowed', 'critical: gpt-4o is refused');
SELECT is((SELECT count(*) FROM public.budget_reservations), (SELECT rows FROM before),
          'the refused call left no reservation row');
SELECT is((SELECT reserved FROM public.budget_ledger WHERE budget_day = (SELECT d FROM today)), (SELECT reserved FROM before),
          'and the ledger''s reserved amount is as it was');
SELECT is((SELECT count(*)::int FROM public.budget_reservations WHERE idempotency_key = 'k-crit'), 0,
          'its idempotency key is free again');
CREATE TEMP TABLE c2 AS SELECT public.check_and_reserve_budget(1, 'coder', '{"model": "gpt-4o-mini", "idempotency_key": "k-crit"}') AS a;
SELECT is((SELECT a ->> 'canProceed' FROM c2), 'true', 'a retry with the same key and the allowed model is admitted');
SELECT ok((SELECT a ->> 'idempotentReplay' IS NULL FROM c2), 'as a new reservation, not a replay of the refusal');

-- Over the limit, keyed: no row, no key held.
CREATE TEMP TABLE big AS SELECT public.check_and_reserve_budget(14, 'coder', '{"idempotency_key": "k-big"}') AS a;
SELECT is((SELECT a ->> 'reason' FROM big), 'limit_exceeded', 'more than the room left is refused');
SELECT is((SELECT count(*)::int FROM public.budget_reservations WHERE idempotency_key = 'k-big'), 0,
          'a keyed refusal leaves no row');

-- Kill switch on: refused, nothing recorded.
SELECT public.emergency_kill('test: record-first refusal');
CREATE TEMP TABLE before_kill AS SELECT count(*) AS rows FROM public.budget_reservations;
SELECT is(public.check_and_reserve_budget(0.5, 'coder', '{"model": "gpt-4o-mini"}') ->> 'reason', 'kill_switch',
          'with the kill switch on the answer is kill_switch');
SELECT is((SELECT count(*) FROM public.budget_reservations), (SELECT rows FROM before_kill),
          'and no reservation row was left behind');

-- The same key twice in one transaction: one row.
SELECT public.resume_operations('test: resume');
UPDATE public.system_config SET value = '1000' WHERE key = 'daily_budget_limit';
SELECT is((SELECT count(DISTINCT a ->> 'reservationId')::int
           FROM (SELECT public.check_and_reserve_budget(1, 'coder', '{"idempotency_key": "k-twice"}') AS a
                 FROM generate_series(1, 3)) AS t),
          1, 'three calls with one key give one reservation');

SELECT * FROM finish();
ROLLBACK;
