-- Rate limits in the gate: check_and_reserve_budget draws on every applicable bucket in the
-- same step as the budgets, all or nothing; a refusal is an answer (rate_limited, retryAfterMs,
-- limit); release gives back the request and its tokens, a settle with token counts the tokens
-- not used. Each bucket is frozen (refilled_at a day ahead: an instant before refilled_at
-- refills nothing), so the figures are exact however long the test takes.
BEGIN;
SELECT plan(24);

CREATE TEMP TABLE answers (name text PRIMARY KEY, answer jsonb);
CREATE FUNCTION pg_temp.freeze() RETURNS void LANGUAGE sql AS $$
    UPDATE public.rate_limits SET refilled_at = now() + interval '1 day'
$$;
CREATE FUNCTION pg_temp.available(p_key text, p_kind text) RETURNS numeric LANGUAGE sql AS $$
    SELECT sum(available) FROM public.rate_limits WHERE key = p_key AND kind = p_kind
$$;

SELECT set_rate_limit('service', 'svc', 2, 1000);
SELECT pg_temp.freeze();

-- Admitted calls draw 1 request, and their tokens when the metadata gives both counts.
INSERT INTO answers VALUES ('plain', check_and_reserve_budget(1, 'svc'));
SELECT is((SELECT answer ->> 'canProceed' FROM answers WHERE name = 'plain'), 'true', 'a call within the limits is admitted');
SELECT is((SELECT test_helpers.rate_holds(rate_holds) FROM public.budget_reservations WHERE id = (SELECT (answer ->> 'reservationId')::uuid FROM answers WHERE name = 'plain')),
          '[[2, "svc", "requests", 1]]'::jsonb, 'it records the request it drew; without token counts no tokens');
INSERT INTO answers VALUES ('tokens', check_and_reserve_budget(1, U&'svc\00A0', '{"input_tokens": 300, "max_output_tokens": 300}'));
SELECT is((SELECT test_helpers.rate_holds(rate_holds) FROM public.budget_reservations WHERE id = (SELECT (answer ->> 'reservationId')::uuid FROM answers WHERE name = 'tokens')),
          '[[2, "svc", "requests", 1], [2, "svc", "tokens", 600]]'::jsonb,
          'input plus maximum output tokens are drawn (and the service name is stripped of blanks first)');
SELECT results_eq($$SELECT pg_temp.available('svc', 'requests'), pg_temp.available('svc', 'tokens')$$,
                  $$VALUES (0::numeric, 400::numeric)$$, 'both buckets show the draws');

-- A short bucket refuses: an answer, and the budgets are not debited.
INSERT INTO answers VALUES ('refused', check_and_reserve_budget(1, 'svc'));
SELECT is((SELECT answer - 'currentTotal' - 'reserved' - 'remaining' - 'budgetDay' - 'message' - 'tier' FROM answers WHERE name = 'refused'),
          '{"canProceed": false, "reason": "rate_limited", "retryAfterMs": 30000, "reservationId": null, "model": null,
            "requestedModel": null, "expiresAt": null,
            "limit": {"scope": "service", "key": "svc", "kind": "requests", "perMinute": 2, "available": 0}}'::jsonb,
          'the third call is refused: rate_limited, when to retry (1 request at 2 per minute: 30 s), and which limit');
SELECT is((SELECT answer ->> 'message' FROM answers WHERE name = 'refused'), 'The requests rate limit of service svc allows 2 requests per minute; retry in 30000 ms.',
          'the message says which limit and when');
SELECT is((SELECT reserved FROM public.budget_ledger WHERE budget_day = private.budget_day(now())), 2::numeric,
          'the refused call reserved nothing on the budgets');
SELECT is((SELECT count(*)::int FROM public.budget_reservations WHERE service_name = 'svc'), 2, 'and recorded no reservation');
SELECT is((check_and_reserve_budget(1, 'svc', '{"idempotency_key": "k-refused"}')) ->> 'reason', 'rate_limited',
          'a refused call with an idempotency key is refused the same way');
SELECT is((SELECT count(*)::int FROM public.budget_reservations WHERE idempotency_key = 'k-refused'), 0,
          'and leaves no reservation behind for its key');

-- A budget that refuses leaves the buckets alone.
SELECT set_budget('service', 'capped', 'day', 1);
SELECT set_rate_limit('service', 'capped', 10, NULL);
SELECT pg_temp.freeze();
SELECT is(check_and_reserve_budget(5, 'capped') ->> 'reason', 'limit_exceeded', 'a call over a service budget is refused');
SELECT is(pg_temp.available('capped', 'requests'), 10::numeric, 'and draws nothing on the service''s rate limit');

-- Release gives back the request and its tokens; a settle with counts gives back unused tokens.
SELECT release_reservation((SELECT (answer ->> 'reservationId')::uuid FROM answers WHERE name = 'tokens'));
SELECT results_eq($$SELECT pg_temp.available('svc', 'requests'), pg_temp.available('svc', 'tokens')$$,
                  $$VALUES (1::numeric, 1000::numeric)$$, 'a release gives back the request and its tokens');
INSERT INTO answers VALUES ('settled', check_and_reserve_budget(1, 'svc', '{"input_tokens": 300, "max_output_tokens": 500}'));
SELECT settle_reservation((SELECT (answer ->> 'reservationId')::uuid FROM answers WHERE name = 'settled'), 0.5,
                          '{"input_tokens": 300, "output_tokens": 120, "cached_input_tokens": 80}');
SELECT results_eq($$SELECT pg_temp.available('svc', 'requests'), pg_temp.available('svc', 'tokens')$$,
                  $$VALUES (0::numeric, 580::numeric)$$,
                  'a settle gives back the tokens drawn and not used (800 drawn, 420 used: cached among the input), not the request');
SELECT settle_reservation((SELECT (answer ->> 'reservationId')::uuid FROM answers WHERE name = 'plain'), 0.5);
SELECT is(pg_temp.available('svc', 'requests'), 0::numeric, 'a settle without token counts gives back nothing');

-- Bad token counts: 22023 with a hint, nothing drawn.
SELECT throws_ok($$SELECT check_and_reserve_budget(1, 'svc', '{"input_tokens": 300}')$$,
                 '22023', 'metadata.input_tokens and metadata.max_output_tokens must both be whole numbers of tokens',
                 'input_tokens without max_output_tokens is refused');
SELECT throws_ok($$SELECT check_and_reserve_budget(1, 'svc', '{"input_tokens": "300", "max_output_tokens": 1}')$$,
                 '22023', 'metadata.input_tokens and metadata.max_output_tokens must both be whole numbers of tokens',
                 'a token count given as a string is refused');
SELECT throws_ok($$SELECT check_and_reserve_budget(1, 'svc', '{"input_tokens": -1, "max_output_tokens": 1}')$$,
                 '22023', 'metadata.input_tokens and metadata.max_output_tokens must both be whole numbers of tokens',
                 'a negative token count is refused');
SELECT isnt(test_helpers.hint_of($$SELECT check_and_reserve_budget(1, 'svc', '{"input_tokens": 1.5, "max_output_tokens": 1}')$$), NULL,
            'and the refusal says what to pass');
SELECT throws_ok($$SELECT settle_reservation(gen_random_uuid(), 1, '{"input_tokens": 1, "output_tokens": "x"}')$$,
                 '22023', 'metadata.input_tokens and metadata.output_tokens must both be whole numbers of tokens',
                 'settle refuses a bad token count before it looks the reservation up');

-- Model and project limits apply by metadata; the global one to every call; a retry with the
-- same idempotency key draws nothing again.
SELECT set_rate_limit('model', 'gpt-4o', NULL, 100);
SELECT set_rate_limit('project', 'checkout', 5, NULL);
SELECT set_rate_limit('global', '*', 100, NULL);
SELECT pg_temp.freeze();
SELECT is(check_and_reserve_budget(1, 'other', '{"model": "gpt-4o", "project": "checkout", "input_tokens": 60, "max_output_tokens": 40, "idempotency_key": "k1"}')
          ->> 'canProceed', 'true', 'a call under the model, project and global limits is admitted');
SELECT is(check_and_reserve_budget(1, 'other', '{"model": "gpt-4o", "project": "checkout", "input_tokens": 60, "max_output_tokens": 40, "idempotency_key": "k1"}')
          ->> 'idempotentReplay', 'true', 'its retry is the same reservation');
SELECT results_eq($$SELECT key || ':' || kind, sum(available) FROM public.rate_limits WHERE key IN ('*', 'gpt-4o', 'checkout')
                    GROUP BY scope_rank, key, kind ORDER BY scope_rank$$,
                  $$VALUES ('*:requests'::text, 99::numeric), ('gpt-4o:tokens', 0), ('checkout:requests', 4)$$,
                  'each applicable bucket was drawn once');
SELECT is(check_and_reserve_budget(1, 'other', '{"model": "gpt-4o", "input_tokens": 1, "max_output_tokens": 0}') -> 'limit' ->> 'key', 'gpt-4o',
          'the model''s empty token bucket refuses the next call with tokens');

SELECT * FROM finish();
ROLLBACK;
