-- Invisible format characters are blanks, at every entry point that takes a name: the one blank
-- rule (private.blank_chars, for private.is_blank / strip_blank / check_text / check_key) covers
-- the Unicode format characters (category Cf: U+200B-200F, U+00AD, U+180E, U+202A-202E,
-- U+2060-2064, U+2066-2069, U+FEFF, ...) and the fillers that render as nothing (U+034F,
-- U+061C, U+115F, U+3164, U+FFA0) as well as white space. So a service, project or work order
-- padded with them meets its budget, a price or limit key of them alone is refused, and
-- model_price() strips the name as set_model_price stored it ('' is 22023, not P0002). Before,
-- U+200E and the rest were neither blank nor stripped. tests/test_blank_rule.py checks the
-- whole set against Python's unicodedata.
BEGIN;
SELECT plan(21);

CREATE TEMP TABLE listed AS
SELECT c FROM unnest(ARRAY[x'200B', x'200C', x'200D', x'200E', x'200F', x'00AD', x'180E', x'202A', x'202B', x'202C',
                           x'202D', x'202E', x'2060', x'2061', x'2062', x'2063', x'2064', x'2066', x'2067', x'2068',
                           x'2069', x'FEFF', x'034F', x'061C', x'115F', x'3164', x'FFA0']::int[]) AS c;
SELECT is((SELECT array_agg(to_hex(c) ORDER BY c) FROM listed WHERE NOT private.is_blank(chr(c))), NULL,
          'each format character and filler the issue lists is blank');
SELECT is((SELECT array_agg(to_hex(c) ORDER BY c) FROM listed WHERE private.strip_blank(chr(c) || 'svcx' || chr(c)) <> 'svcx'), NULL,
          'and stripped from both ends of a name');
SELECT is(private.strip_blank(U&'a\200Eb'), U&'a\200Eb', 'inside a name it stays');

-- Names the gate matches on.
SELECT set_budget('service', 'svcx', 'day', 0.01);
SELECT is(check_and_reserve_budget(0.02, U&'svcx\200E') #>> '{scope,key}', 'svcx',
          'svcx + U+200E is refused by svcx''s budget of 0.01');
SELECT is(check_and_reserve_budget(0.02, U&'\202Esvcx\00AD') #>> '{scope,key}', 'svcx', 'U+202E + svcx + U+00AD too');
SELECT throws_ok($$SELECT check_and_reserve_budget(1, U&'\200E\200F\3164')$$,
                 '22023', 'service name must not be blank (white space only)', 'a service name of format characters only is refused');
SELECT set_budget('project', 'proj8', 'month', 0.01);
SELECT is(check_and_reserve_budget(0.02, 'other', jsonb_build_object('project', U&'\2067proj8\2069')) #>> '{scope,key}',
          'proj8', 'a project between U+2067 and U+2069 is refused by its budget');
INSERT INTO public.work_orders (id, title, status) VALUES ('00000000-0000-4000-8000-000000011301', 'format', 'in_progress');
SELECT set_budget('work_order', '00000000-0000-4000-8000-000000011301', 'total', 0.01);
SELECT is(check_and_reserve_budget(0.02, 'other',
              jsonb_build_object('work_order_id', U&'00000000-0000-4000-8000-000000011301\2060')) #>> '{scope,scope}',
          'work_order', 'a work order id + U+2060 is the work order, and its budget refuses');

-- Keys of budgets and rate limits.
SELECT throws_ok($$SELECT set_budget('service', U&'svc\2066', 'day', 1)$$,
                 '22023', 'budget key must be 1 to 200 characters without surrounding blanks, got 4',
                 'a budget key with U+2066 around it is refused');
SELECT throws_ok($$SELECT set_rate_limit('model', U&'\200E', 1, NULL)$$,
                 '22023', 'rate limit key must be 1 to 200 characters without surrounding blanks, got 1',
                 'a model rate limit key of U+200E alone is refused');
SELECT throws_ok($$SELECT set_rate_limit('model', U&'gpt-4o\FEFF', 1, NULL)$$,
                 '22023', 'rate limit key must be 1 to 200 characters without surrounding blanks, got 7',
                 'a model rate limit key with U+FEFF after it is refused');

-- Prices: set_model_price stores the stripped name; model_price() and model_prices_list() find it.
SELECT throws_ok($$SELECT set_model_price(U&'\200E', 1, 1)$$,
                 '22023', 'model must not be blank (white space only)', 'a price for the model U+200E is refused');
SELECT is(set_model_price(U&'hole8-model\200F', 1, 2) ->> 'model', 'hole8-model', 'a price is stored under the stripped name');
SELECT throws_ok($$SELECT model_price('')$$, '22023', 'model must not be blank (white space only)', 'model_price('''') is 22023');
SELECT throws_ok($$SELECT model_price(U&'\3164\200B')$$, '22023', 'model must not be blank (white space only)',
                 'model_price of fillers and format characters only is 22023');
SELECT isnt(test_helpers.hint_of($$SELECT model_price(' ')$$), NULL, 'with a hint');
SELECT throws_ok($$SELECT model_price(NULL)$$, '22004', 'model must not be NULL', 'model_price(NULL) is still 22004');
SELECT throws_ok($$SELECT model_price('', NULL)$$, '22004', 'instant must not be NULL', 'NULLs are checked before values');
SELECT is(model_price(U&'\FEFFhole8-model\200E') ->> 'model', 'hole8-model', 'model_price strips the name');
SELECT is((SELECT count(*)::int FROM model_prices_list(U&'hole8-model\00AD')), 1, 'model_prices_list too');
SELECT throws_ok($$SELECT model_price('no-such-model')$$, 'P0002',
                 format('no price for model no-such-model at %s', now()), 'an unknown model is still P0002');

SELECT * FROM finish();
ROLLBACK;
