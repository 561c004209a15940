-- metadata.model goes through the one blank rule before the gate matches it (a model rate
-- limit, the model policy, the reservation's requested model): "gpt-4o " or gpt-4o followed by
-- U+200B is gpt-4o, so a model limit of 1 request a minute refuses the second call however the
-- name is padded (before: each padding passed as another model). A model of blanks only is
-- 22023. The bucket is frozen (refilled_at a day ahead), so the figures do not depend on time.
BEGIN;
SELECT plan(10);

CREATE TEMP TABLE answers (name text PRIMARY KEY, answer jsonb);
SELECT set_rate_limit('model', 'gpt-4o', 1, NULL);
UPDATE public.rate_limits SET refilled_at = now() + interval '1 day';

INSERT INTO answers VALUES ('first', check_and_reserve_budget(0.01, 'svc', '{"model": "gpt-4o"}'));
SELECT is((SELECT answer ->> 'canProceed' FROM answers WHERE name = 'first'), 'true', 'the first call of gpt-4o is admitted');

INSERT INTO answers
SELECT v.name, check_and_reserve_budget(0.01, 'svc', jsonb_build_object('model', v.model))
FROM (VALUES ('space', 'gpt-4o '), ('zwsp', U&'gpt-4o\200B'), ('tab', E'\tgpt-4o'), ('lrm', U&'\200Egpt-4o'),
             ('nbsp', U&'gpt-4o\00A0')) AS v(name, model);
SELECT is((SELECT answer ->> 'reason' FROM answers WHERE name = 'space'), 'rate_limited', '"gpt-4o " is refused by gpt-4o''s limit');
SELECT is((SELECT answer #>> '{limit,key}' FROM answers WHERE name = 'space'), 'gpt-4o', 'naming the gpt-4o limit');
SELECT is((SELECT answer ->> 'reason' FROM answers WHERE name = 'zwsp'), 'rate_limited', 'gpt-4o + U+200B too');
SELECT is((SELECT answer ->> 'reason' FROM answers WHERE name = 'tab'), 'rate_limited', 'a tab + gpt-4o too');
SELECT is((SELECT answer ->> 'reason' FROM answers WHERE name = 'lrm'), 'rate_limited', 'U+200E (left-to-right mark) + gpt-4o too');
SELECT is((SELECT answer ->> 'requestedModel' FROM answers WHERE name = 'nbsp'), 'gpt-4o',
          'the answer names the stripped model');
SELECT is((SELECT sum(available) FROM public.rate_limits WHERE key = 'gpt-4o'), 0::numeric, 'gpt-4o''s bucket gave one request only');

SELECT throws_ok($$SELECT check_and_reserve_budget(0.01, 'svc', jsonb_build_object('model', U&' \200B\2060'))$$,
                 '22023', 'metadata.model must be a string of 1 to 200 characters', 'a model of blanks only is refused');
SELECT isnt(test_helpers.hint_of($$SELECT check_and_reserve_budget(0.01, 'svc', '{"model": "  "}')$$), NULL,
            'and the refusal says what to pass');

SELECT * FROM finish();
ROLLBACK;
