-- raise_alert: a durable outbox row per alert; the same dedupe key within alert_dedupe_window
-- counts occurrences on the open row; after the window a new row; bad arguments refused with
-- 22023 and a HINT, writing nothing.
BEGIN;
SELECT plan(36);

-- A first alert ----------------------------------------------------------------------------------------
CREATE TEMP TABLE first AS
SELECT public.raise_alert('warning', 'budget.tier', 'Budget at 55%', 'Spend crossed the hard cap.',
                          'budget_tier:hard_cap:2026-11-26', '{"percentage": 55}') AS id;
SELECT isnt((SELECT id FROM first), NULL::bigint, 'raise_alert returns the new alert id');
SELECT results_eq(
    $$SELECT severity, kind, title, body, dedupe_key, context, occurrences FROM public.alerts WHERE id = (SELECT id FROM first)$$,
    $$VALUES ('warning', 'budget.tier', 'Budget at 55%', 'Spend crossed the hard cap.', 'budget_tier:hard_cap:2026-11-26',
              '{"percentage": 55}'::jsonb, 1)$$,
    'the outbox row holds what was raised, one occurrence');

-- Dedupe within the window ------------------------------------------------------------------------------
UPDATE public.alerts SET last_raised_at = now() - interval '10 minutes', created_at = now() - interval '10 minutes'
WHERE id = (SELECT id FROM first);
SELECT is(public.raise_alert('warning', 'budget.tier', 'Budget at 57%', 'Still over.', 'budget_tier:hard_cap:2026-11-26', '{}'),
          (SELECT id FROM first), 'the same key within the window returns the existing alert');
SELECT is(public.raise_alert('warning', 'budget.tier', 'Budget at 59%', 'Still over.', 'budget_tier:hard_cap:2026-11-26', '{}'),
          (SELECT id FROM first), 'and again');
SELECT results_eq(
    $$SELECT occurrences, last_raised_at = now(), title FROM public.alerts WHERE id = (SELECT id FROM first)$$,
    $$VALUES (3, true, 'Budget at 55%')$$,
    'repeats count occurrences and move last_raised_at, keeping the first title');
SELECT is((SELECT count(*)::int FROM public.alerts WHERE dedupe_key = 'budget_tier:hard_cap:2026-11-26'), 1,
          'repeats within the window add no row');
SELECT isnt(public.raise_alert('warning', 'budget.tier', 'Budget at 81%', '', 'budget_tier:critical:2026-11-26', '{}'),
            (SELECT id FROM first), 'another key is another alert');

-- Window expiry -----------------------------------------------------------------------------------------
UPDATE public.alerts SET created_at = now() - interval '61 minutes', last_raised_at = now() - interval '61 minutes'
WHERE id = (SELECT id FROM first);
CREATE TEMP TABLE second AS
SELECT public.raise_alert('warning', 'budget.tier', 'Budget at 60%', '', 'budget_tier:hard_cap:2026-11-26', '{}') AS id;
SELECT isnt((SELECT id FROM second), (SELECT id FROM first), 'after the window (1 hour) the same key raises a new alert');
SELECT is((SELECT occurrences FROM public.alerts WHERE id = (SELECT id FROM first)), 3, 'the expired alert is left as it was');
SELECT is((SELECT occurrences FROM public.alerts WHERE id = (SELECT id FROM second)), 1, 'the new alert starts at one occurrence');
SELECT is(public.raise_alert('warning', 'budget.tier', 'Budget at 61%', '', 'budget_tier:hard_cap:2026-11-26', '{}'),
          (SELECT id FROM second), 'later repeats go to the newest alert of the key');

UPDATE public.system_config SET value = '"0 seconds"' WHERE key = 'alert_dedupe_window';
SELECT isnt(public.raise_alert('info', 'test.window', 'x', '', 'window-zero', '{}'),
            public.raise_alert('info', 'test.window', 'x', '', 'window-zero', '{}'),
            'a zero dedupe window turns deduplication off');
UPDATE public.system_config SET value = '"1 hour"' WHERE key = 'alert_dedupe_window';

CREATE TEMP TABLE no_body AS SELECT public.raise_alert('info', 'test.null_body', 'no body', NULL, 'null-body', '{}') AS id;
SELECT is((SELECT body FROM public.alerts WHERE id = (SELECT id FROM no_body)), '', 'a NULL body is stored as empty text');
SELECT lives_ok($$SELECT public.raise_alert('critical', 'a', repeat('t', 300), repeat('b', 10000), repeat('k', 500), '{}')$$,
                'titles up to 300, bodies up to 10000 and keys up to 500 characters are accepted');

-- Bad arguments ---------------------------------------------------------------------------------------------
CREATE TEMP TABLE alerts_before AS SELECT count(*) AS n, sum(occurrences) AS occ FROM public.alerts;
SELECT throws_ok($$SELECT public.raise_alert(NULL, 'k', 't', 'b', 'key', '{}')$$, '22004', 'alert severity must not be NULL',
                 'NULL severity refused');
SELECT throws_ok($$SELECT public.raise_alert('fatal', 'k', 't', 'b', 'key', '{}')$$,
                 '22023', 'alert severity must be info, warning, error or critical, got ''fatal''', 'unknown severity refused');
SELECT throws_ok($$SELECT public.raise_alert('WARNING', 'k', 't', 'b', 'key', '{}')$$,
                 '22023', 'alert severity must be info, warning, error or critical, got ''WARNING''',
                 'severity is case-sensitive');
SELECT throws_ok($$SELECT public.raise_alert('info', NULL, 't', 'b', 'key', '{}')$$, '22004', 'alert kind must not be NULL',
                 'NULL kind refused');
SELECT throws_ok($$SELECT public.raise_alert('info', 'Budget Tier', 't', 'b', 'key', '{}')$$,
                 '22023', 'alert kind must be a lowercase dotted name, got ''Budget Tier''',
                 'kind with spaces and capitals refused');
SELECT throws_ok($$SELECT public.raise_alert('info', '', 't', 'b', 'key', '{}')$$,
                 '22023', 'alert kind must be a lowercase dotted name, got ''''', 'empty kind refused');
SELECT throws_ok($$SELECT public.raise_alert('info', repeat('k', 64), 't', 'b', 'key', '{}')$$,
                 '22023', 'alert kind must be a lowercase dotted name, got ''kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk''',
                 'huge kind refused');
SELECT throws_ok($$SELECT public.raise_alert('info', 'k', NULL, 'b', 'key', '{}')$$, '22004', 'alert title must not be NULL',
                 'NULL title refused');
SELECT throws_ok($$SELECT public.raise_alert('info', 'k', '', 'b', 'key', '{}')$$,
                 '22023', 'alert title must not be blank (white space only)', 'empty title refused');
SELECT throws_ok($$SELECT public.raise_alert('info', 'k', repeat('t', 301), 'b', 'key', '{}')$$,
                 '22023', 'alert title must be at most 300 characters, got 301', 'huge title refused');
SELECT throws_ok($$SELECT public.raise_alert('info', 'k', 't', repeat('b', 10001), 'key', '{}')$$,
                 '22023', 'alert body must be at most 10000 characters, got 10001', 'huge body refused');
SELECT throws_ok($$SELECT public.raise_alert('info', 'k', 't', 'b', NULL, '{}')$$, '22004', 'alert dedupe key must not be NULL',
                 'NULL dedupe key refused');
SELECT throws_ok($$SELECT public.raise_alert('info', 'k', 't', 'b', '', '{}')$$,
                 '22023', 'alert dedupe key must not be blank (white space only)', 'empty dedupe key refused');
SELECT throws_ok($$SELECT public.raise_alert('info', 'k', 't', 'b', repeat('k', 501), '{}')$$,
                 '22023', 'alert dedupe key must be at most 500 characters, got 501', 'huge dedupe key refused');
SELECT throws_ok($$SELECT public.raise_alert('info', 'k', 't', 'b', 'key', '[1]')$$,
                 '22023', 'alert context must be a JSON object, got array', 'array context refused');
SELECT throws_ok($$SELECT public.raise_alert('info', 'k', 't', 'b', 'key', '42')$$,
                 '22023', 'alert context must be a JSON object, got number', 'number context refused');
SELECT throws_ok($$SELECT public.raise_alert('info', 'k', 't', 'b', 'key', NULL)$$, '22004', 'alert context must not be NULL',
                 'NULL context refused');
-- A refused repeat of an existing key does not count an occurrence either.
SELECT throws_ok($$SELECT public.raise_alert('warning', 'budget.tier', '', 'b', 'budget_tier:hard_cap:2026-11-26', '{}')$$,
                 '22023', 'alert title must not be blank (white space only)', 'a bad repeat of an existing key refused');
SELECT results_eq($$SELECT count(*), sum(occurrences) FROM public.alerts$$, $$SELECT n, occ FROM alerts_before$$,
                  'refused calls wrote no row and counted no occurrence');
SELECT isnt(test_helpers.hint_of($$SELECT public.raise_alert('fatal', 'k', 't', 'b', 'key', '{}')$$), NULL, 'the bad-severity error has a HINT');
SELECT isnt(test_helpers.hint_of($$SELECT public.raise_alert('info', 'k', 't', 'b', '', '{}')$$), NULL, 'the bad-key error has a HINT');
SELECT isnt(test_helpers.hint_of($$SELECT public.raise_alert('info', 'k', 't', 'b', 'key', '[]')$$), NULL, 'the bad-context error has a HINT');

SELECT * FROM finish();
ROLLBACK;
