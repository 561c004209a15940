-- Rate limits as token buckets: set_rate_limit / remove_rate_limit / rate_limit_usage, and the
-- bucket arithmetic of private.rate_limit_take and private.rate_limit_give_back at pinned
-- instants (capacity = the per-minute figure, refill figure/60 per second, all or nothing
-- across buckets, retryAfterMs, give-backs capped at capacity).
BEGIN;
SELECT plan(43);

-- Bad input: the documented SQLSTATE, a hint, nothing written.
SELECT throws_ok($$SELECT set_rate_limit(NULL, 'svc', 1, NULL)$$, '22004', 'scope must not be NULL', 'a NULL scope is 22004');
SELECT throws_ok($$SELECT set_rate_limit('team', 'svc', 1, NULL)$$, '22023', 'unknown rate limit scope team',
                 'an unknown scope is 22023');
SELECT throws_ok($$SELECT set_rate_limit('global', 'svc', 1, NULL)$$, '22023', 'the global scope has only the key *, got svc',
                 'the global scope takes only *');
SELECT throws_ok($$SELECT set_rate_limit('service', '*', 1, NULL)$$, '22023', 'a service rate limit names one service, not *',
                 'a service limit names one service');
SELECT throws_ok($$SELECT set_rate_limit('service', U&'svc\200B', 1, NULL)$$,
                 '22023', 'rate limit key must be 1 to 200 characters without surrounding blanks, got 4',
                 'a key with an invisible blank around it is refused');
SELECT throws_ok($$SELECT set_rate_limit('service', 'svc', NULL, NULL)$$,
                 '22023', 'a rate limit needs requests or tokens per minute', 'a limit of neither kind is refused');
SELECT throws_ok($$SELECT set_rate_limit('service', 'svc', 0, NULL)$$,
                 '22023', 'per-minute figures must be positive (tokens at most 10^12), got 0 requests, NULL tokens',
                 'zero requests per minute is refused');
SELECT throws_ok($$SELECT set_rate_limit('service', 'svc', NULL, -5)$$,
                 '22023', 'per-minute figures must be positive (tokens at most 10^12), got NULL requests, -5 tokens',
                 'negative tokens per minute are refused');
SELECT isnt(test_helpers.hint_of($$SELECT set_rate_limit('service', 'svc', NULL, NULL)$$), NULL, 'and the refusal says what to do');
SELECT throws_ok($$SELECT remove_rate_limit('model', 'gpt-4o')$$, 'P0002', 'no rate limit for model gpt-4o',
                 'removing a missing limit is P0002');
SELECT is((SELECT count(*)::int FROM public.rate_limits), 0, 'no refusal wrote a row');

-- A limit of both kinds: two buckets, full, audited.
SELECT is(set_rate_limit('service', 'svc', 60, 1000) - 'updatedBy',
          '{"scope": "service", "key": "svc", "requestsPerMinute": 60, "tokensPerMinute": 1000, "created": true,
            "previousRequestsPerMinute": null, "previousTokensPerMinute": null}'::jsonb,
          'set_rate_limit answers what it set');
SELECT results_eq($$SELECT kind, max(per_minute), sum(available), sum(share), count(*)::int FROM public.rate_limits
                    WHERE key = 'svc' GROUP BY kind ORDER BY kind$$,
                  $$VALUES ('requests'::text, 60::bigint, 60::numeric, 60::numeric, 15), ('tokens', 1000, 1000, 1000, 1)$$,
                  'a new limit starts full, on stripes whose shares add up to its figure (15 of 4 requests; 1000 tokens stay one)');
SELECT is((SELECT count(*)::int FROM public.audit_log WHERE action = 'budget.set_rate_limit' AND target = 'rate_limit:service:svc'), 1,
          'the change is audited');
SELECT results_eq($$SELECT kind, per_minute, available FROM rate_limit_usage() WHERE key = 'svc' ORDER BY kind$$,
                  $$VALUES ('requests'::text, 60::bigint, 60.000::numeric), ('tokens', 1000, 1000.000)$$,
                  'rate_limit_usage shows both buckets');

-- Draws at pinned instants: the buckets were filled at clock_timestamp() of set_rate_limit, so
-- pin them to a known instant first.
UPDATE public.rate_limits SET refilled_at = '2027-03-01 12:00:00+00';
SELECT is(test_helpers.rate_holds(private.rate_limit_take('svc', NULL, NULL, 400, '2027-03-01 12:00:00+00') -> 'holds'),
          '[[2, "svc", "requests", 1], [2, "svc", "tokens", 400]]', 'a call draws 1 request and its tokens');
SELECT is(test_helpers.rate_holds(private.rate_limit_take('svc', NULL, NULL, 600, '2027-03-01 12:00:00+00') -> 'holds'),
          '[[2, "svc", "requests", 1], [2, "svc", "tokens", 600]]', 'the bucket admits up to its capacity exactly');
SELECT is(private.rate_limit_take('svc', NULL, NULL, 1, '2027-03-01 12:00:00+00'),
          '{"refused": {"scope": "service", "key": "svc", "kind": "tokens", "perMinute": 1000, "available": 0, "cost": 1,
                        "retryAfterMs": 60}}',
          'one token more is refused, with when it will be there (60 ms at 1000 per minute)');
SELECT is((SELECT sum(available) FROM public.rate_limits WHERE key = 'svc' AND kind = 'requests'), 58::numeric,
          'a refused call gives back the request it drew first (all or nothing)');
SELECT is(test_helpers.rate_holds(private.rate_limit_take('svc', NULL, NULL, 500, '2027-03-01 12:00:30+00') -> 'holds'),
          '[[2, "svc", "requests", 1], [2, "svc", "tokens", 500]]', '30 s later half the capacity has refilled');
SELECT is((SELECT sum(available) FROM public.rate_limits WHERE key = 'svc' AND kind = 'tokens'), 0::numeric, 'and is drawn');
SELECT is(private.rate_limit_take('svc', NULL, NULL, 10, '2027-03-01 12:00:20+00') -> 'refused' ->> 'kind', 'tokens',
          'an instant before the last refill refills nothing (the bucket''s clock never goes back)');
SELECT is(private.rate_limit_take('svc', NULL, NULL, 2000, '2027-03-01 12:10:00+00') -> 'refused' ->> 'retryAfterMs', NULL,
          'a call above the per-minute figure is refused with no retry time: it can never pass');
SELECT is((SELECT sum(available) FROM public.rate_limits WHERE key = 'svc' AND kind = 'requests'), 60::numeric,
          'ten minutes on the requests bucket is full again, never above its capacity');
SELECT is(test_helpers.rate_holds(private.rate_limit_take('svc', NULL, NULL, NULL, '2027-03-01 12:10:00+00') -> 'holds'),
          '[[2, "svc", "requests", 1]]', 'a call that names no tokens draws on the requests bucket only');

SELECT is(private.rate_limit_take('svc', NULL, NULL, NULL, '2027-03-01 12:11:00+00') #>> '{holds,0,4}',
          to_jsonb('2027-03-01 12:11:00+00'::timestamptz) #>> '{}', 'each hold says when its bucket was drawn');

-- Give-backs: settle returns unused tokens, release returns everything, never above capacity.
UPDATE public.rate_limits SET available = 100, refilled_at = '2027-03-01 13:00:00+00' WHERE key = 'svc' AND kind = 'tokens';
UPDATE public.rate_limits SET available = 0, refilled_at = '2027-03-01 13:00:00+00' WHERE key = 'svc' AND kind = 'requests';
SELECT private.rate_limit_give_back('[[2, "svc", "requests", 1], [2, "svc", "tokens", 300]]', 120, '2027-03-01 13:00:00+00');
SELECT results_eq($$SELECT kind, sum(available) FROM public.rate_limits WHERE key = 'svc' GROUP BY kind ORDER BY kind$$,
                  $$VALUES ('requests'::text, 0::numeric), ('tokens', 280)$$,
                  'a settle gives back the tokens drawn and not used, not the request');
SELECT private.rate_limit_give_back('[[2, "svc", "requests", 1], [2, "svc", "tokens", 300]]', NULL, '2027-03-01 13:00:00+00');
SELECT results_eq($$SELECT kind, sum(available) FROM public.rate_limits WHERE key = 'svc' GROUP BY kind ORDER BY kind$$,
                  $$VALUES ('requests'::text, 1::numeric), ('tokens', 580)$$,
                  'a release gives back the request (to the stripe it names) and its tokens');
SELECT private.rate_limit_give_back('[[2, "svc", "tokens", 900]]', NULL, '2027-03-01 13:00:00+00');
SELECT is((SELECT sum(available) FROM public.rate_limits WHERE key = 'svc' AND kind = 'tokens'), 1000::numeric,
          'a give-back never fills a bucket above its capacity');

-- Scopes together: global, service, model and project, in lock order, all or nothing.
SELECT set_rate_limit('global', '*', 1000, NULL);
SELECT set_rate_limit('model', 'gpt-4o', NULL, 50);
SELECT set_rate_limit('project', 'checkout', 2, NULL);
UPDATE public.rate_limits SET refilled_at = '2027-03-01 14:00:00+00', available = share;
SELECT is(test_helpers.rate_holds(private.rate_limit_take('svc', 'gpt-4o', 'checkout', 40, '2027-03-01 14:00:00+00') -> 'holds'),
          '[[1, "*", "requests", 1], [2, "svc", "requests", 1], [2, "svc", "tokens", 40], [3, "gpt-4o", "tokens", 40],
            [4, "checkout", "requests", 1]]', 'every applicable bucket is drawn, in lock order');
SELECT is(private.rate_limit_take('svc', 'gpt-4o', 'checkout', 40, '2027-03-01 14:00:00+00') -> 'refused' ->> 'key', 'gpt-4o',
          'the model''s token bucket refuses the second call');
SELECT results_eq($$SELECT key || ':' || kind, sum(available) FROM public.rate_limits GROUP BY scope_rank, key, kind
                    ORDER BY scope_rank, key, kind$$,
                  $$VALUES ('*:requests'::text, 999::numeric), ('svc:requests', 59), ('svc:tokens', 960),
                           ('gpt-4o:tokens', 10), ('checkout:requests', 1)$$,
                  'and what the refused call drew before it was given back');
SELECT is(test_helpers.rate_holds(private.rate_limit_take('other', 'gpt-3.5', NULL, 40, '2027-03-01 14:00:00+00') -> 'holds'),
          '[[1, "*", "requests", 1]]', 'a call of another service and model meets only the global limit');

-- Changing a limit keeps what the bucket holds, capped at the new figure; NULL drops a kind.
SELECT is(set_rate_limit('service', 'svc', 30, NULL) ->> 'previousRequestsPerMinute', '60', 'a change says the previous figure');
SELECT results_eq($$SELECT kind, max(per_minute), sum(available) <= 30, sum(share), count(*)::int FROM public.rate_limits
                    WHERE key = 'svc' GROUP BY kind$$,
                  $$VALUES ('requests'::text, 30::bigint, true, 30::numeric, 7)$$,
                  'lowering a limit caps what its bucket holds; a NULL kind removes that bucket');
CREATE TEMP TABLE before_raise AS SELECT sum(available) AS held FROM public.rate_limits WHERE key = 'svc';
SELECT set_rate_limit('service', 'svc', 100, NULL);
SELECT results_eq($$SELECT count(*)::int, sum(share), sum(available) FROM public.rate_limits WHERE key = 'svc'$$,
                  $$SELECT 25, 100::numeric, held FROM before_raise$$,
                  'raising a limit re-splits it over more stripes and adds capacity, not tokens: it holds what it held');
SELECT is(remove_rate_limit('service', 'svc') - 'updatedBy',
          '{"scope": "service", "key": "svc", "removedRequestsPerMinute": 100, "removedTokensPerMinute": null}'::jsonb,
          'remove_rate_limit removes the limit and says what it was');

-- Stripes pool: 60 requests a minute on 15 stripes of 4; a call whose own stripe is empty
-- draws on the others, so exactly 60 calls pass at one instant, wherever their stripes are.
SELECT set_rate_limit('project', 'pooled', 60, NULL);
UPDATE public.rate_limits SET refilled_at = '2027-03-01 15:00:00+00' WHERE key = 'pooled';
SELECT is((SELECT count(*)::int FROM generate_series(1, 61) AS g
           WHERE private.rate_limit_take('x', NULL, 'pooled', NULL, '2027-03-01 15:00:00+00') -> 'holds' @> '[[4, "pooled"]]'),
          60, 'a limit on 15 stripes admits exactly its figure at one instant: short stripes pool the others');
SELECT is((SELECT sum(available) FROM public.rate_limits WHERE key = 'pooled'), 0::numeric, 'and every stripe is empty');

-- The helpers: the scope's place in the lock order, the target check, one kind written as stripes.
SELECT results_eq($$SELECT private.rate_limit_scope_rank(s) FROM unnest(ARRAY['global', 'service', 'model', 'project', 'team']) AS s$$,
                  $$VALUES (1::smallint), (2::smallint), (3::smallint), (4::smallint), (NULL::smallint)$$,
                  'rate_limit_scope_rank: global, service, model, project in lock order; NULL for anything else');
SELECT throws_ok($$SELECT private.rate_limit_check_target('model', ' gpt-4o')$$,
                 '22023', 'rate limit key must be 1 to 200 characters without surrounding blanks, got 7',
                 'rate_limit_check_target refuses a key with a blank around it');
SELECT lives_ok($$SELECT private.rate_limit_check_target('global', '*')$$, 'and accepts the global key');
SELECT private.rate_limit_write(3::smallint, 'model', 'written', 'tokens', 100000, 'test', '2027-03-01 16:00:00+00');
SELECT results_eq($$SELECT count(*)::int, sum(share), sum(available), min(stripes), max(stripes) FROM public.rate_limits WHERE key = 'written'$$,
                  $$VALUES (5, 100000::numeric, 100000::numeric, 5::smallint, 5::smallint)$$,
                  'rate_limit_write: 100,000 tokens a minute as 5 full stripes of at least 20,000 tokens');

SELECT * FROM finish();
ROLLBACK;
