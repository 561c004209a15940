-- check_and_reserve_budget: the answer's shape, the ledger it moves, refusals as answers
-- (limit, the runbook's limit 0, the kill switch), idempotent retries and expiry.
BEGIN;
SELECT plan(26);

UPDATE public.system_config SET value = '10' WHERE key = 'daily_budget_limit';

CREATE TEMP TABLE r1 AS SELECT public.check_and_reserve_budget(4, 'architect', '{"work_order": "a"}') AS a;
SELECT is((SELECT a ->> 'canProceed' FROM r1), 'true', 'a reservation within the limit may proceed');
SELECT ok((SELECT a ?& ARRAY['canProceed', 'currentTotal', 'reservationId', 'tier', 'model', 'limit', 'remaining', 'expiresAt']
           FROM r1), 'the answer has the runbook''s keys plus tier, model, limit, remaining, expiresAt');
SELECT is((SELECT (a ->> 'currentTotal')::numeric FROM r1), 0::numeric, 'currentTotal is today''s settled spend');
SELECT is((SELECT (a ->> 'remaining')::numeric FROM r1), 6::numeric, 'remaining = limit - spent - reserved');
SELECT is((SELECT a ->> 'tier' FROM r1), 'normal', 'tier normal under 20%');
SELECT is((SELECT (a ->> 'expiresAt')::timestamptz FROM r1), now() + interval '15 minutes',
          'the reservation expires after reservation_ttl');
SELECT is((SELECT reserved FROM public.budget_ledger WHERE budget_day = private.budget_day(now())), 4::numeric(16, 6),
          'the ledger row holds the reserved amount');
SELECT is((SELECT status FROM public.budget_reservations WHERE id = (SELECT (a ->> 'reservationId')::uuid FROM r1)), 'open',
          'the reservation is recorded open');

-- Refused: the answer, not an error, and nothing written.
CREATE TEMP TABLE r2 AS SELECT public.check_and_reserve_budget(6.5, 'architect') AS a;
SELECT is((SELECT a ->> 'canProceed' FROM r2), 'false', 'a reservation that would pass the limit is refused');
SELECT is((SELECT a ->> 'reason' FROM r2), 'limit_exceeded', 'with reason limit_exceeded');
SELECT ok((SELECT a -> 'reservationId' = 'null'::jsonb FROM r2), 'and no reservation id');
SELECT is((SELECT count(*)::int FROM public.budget_reservations), 1, 'a refusal writes no reservation');
SELECT is((SELECT reserved FROM public.budget_ledger WHERE budget_day = private.budget_day(now())), 4::numeric(16, 6),
          'a refusal leaves the ledger as it was');
SELECT is(public.check_and_reserve_budget(6, 'architect') ->> 'canProceed', 'true', 'exactly up to the limit is allowed');
SELECT is(public.check_and_reserve_budget(0.000001, 'architect') ->> 'canProceed', 'false', 'one micro-dollar more is not');

-- Retry safety.
CREATE TEMP TABLE r3 AS SELECT public.check_and_reserve_budget(0.5, 'coder', '{"idempotency_key": "wo-1-step-1"}') AS a;
UPDATE public.system_config SET value = '20' WHERE key = 'daily_budget_limit';
CREATE TEMP TABLE r3b AS SELECT public.check_and_reserve_budget(0.5, 'coder', '{"idempotency_key": "wo-1-step-1"}') AS a;
SELECT is((SELECT a ->> 'canProceed' FROM r3), 'false', '(the first call was refused: the day was full)');
SELECT is((SELECT a ->> 'canProceed' FROM r3b), 'true', 'a refused call may be retried with the same key once room exists');
CREATE TEMP TABLE r3c AS SELECT public.check_and_reserve_budget(0.5, 'coder', '{"idempotency_key": "wo-1-step-1"}') AS a;
SELECT is((SELECT a ->> 'reservationId' FROM r3c), (SELECT a ->> 'reservationId' FROM r3b),
          'the same idempotency key returns the same reservation');
SELECT is((SELECT a ->> 'idempotentReplay' FROM r3c), 'true', 'marked as a replay');
SELECT is((SELECT reserved FROM public.budget_ledger WHERE budget_day = private.budget_day(now())), 10.5::numeric(16, 6),
          'a replay reserves nothing more');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(0.7, 'coder', '{"idempotency_key": "wo-1-step-1"}')$$, '22023',
                 format('idempotency key "wo-1-step-1" was used for reservation %s with amount 0.500000 and service "coder"',
                        (SELECT a ->> 'reservationId' FROM r3b)),
                 'the same key with another amount is a caller bug (private.budget_check_replay)');

-- The runbook's own stop: a limit of 0 refuses everything.
UPDATE public.system_config SET value = '0' WHERE key = 'daily_budget_limit';
SELECT is(public.check_and_reserve_budget(0.01, 'architect') ->> 'reason', 'limit_zero',
          'after the runbook''s UPDATE ... SET value = ''0'' every reservation is refused');
UPDATE public.system_config SET value = '100' WHERE key = 'daily_budget_limit';
SELECT is(public.check_and_reserve_budget(0.01, 'architect') ->> 'canProceed', 'true', 'raising the limit admits again');

-- Expired reservations answer as expired to a replay (private.budget_answer).
UPDATE public.budget_reservations SET expires_at = now() - interval '1 second' WHERE idempotency_key = 'wo-1-step-1';
CREATE TEMP TABLE r4 AS SELECT public.check_and_reserve_budget(0.5, 'coder', '{"idempotency_key": "wo-1-step-1"}') AS a;
SELECT is((SELECT a ->> 'canProceed' FROM r4), 'false', 'a replay of an expired reservation may not proceed');
SELECT is((SELECT a ->> 'reason' FROM r4), 'reservation_expired', 'reason reservation_expired');
SELECT is((SELECT a ->> 'status' FROM r4), 'expired',
          'the replay answer reports an open but past-due reservation as expired');

SELECT * FROM finish();
ROLLBACK;
