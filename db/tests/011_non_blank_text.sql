-- One rule for non-blank text (private.is_blank, private.check_text): a name, reason or note of
-- nothing but Unicode white space (tab, newline, U+00A0, U+3000, ...) or zero-width characters
-- is refused with 22023 and a hint, by every function that takes one; the message says
-- "blank", not a length; stored text is stripped of such characters at both ends.
BEGIN;
SELECT plan(24);

SELECT ok(private.is_blank(''), 'empty is blank');
SELECT ok(private.is_blank(E' \t\n\r\f' || chr(11)), 'ASCII white space is blank');
SELECT ok(private.is_blank(U&'\00A0\3000\2003\2028\1680\0085'), 'no-break, ideographic, em space, line separator... are blank');
SELECT ok(private.is_blank(U&'\200B\FEFF\2060'), 'zero-width characters are blank');
SELECT ok(NOT private.is_blank(U&'\3000x\00A0'), 'one visible character is not blank');
SELECT is(private.is_blank(NULL), NULL, 'NULL is not judged (callers refuse it with 22004)');
SELECT is(private.strip_blank(U&'\3000\00A0 retry storm \200B' || E'\t'), 'retry storm', 'strip_blank strips the same characters at both ends');

SELECT throws_ok($$SELECT public.check_and_reserve_budget(0.1, E'\t')$$,
                 '22023', 'service name must not be blank (white space only)', 'a tab as service name: 22023');
SELECT throws_ok($$SELECT public.check_and_reserve_budget(0.1, U&'\00A0')$$,
                 '22023', 'service name must not be blank (white space only)', 'a no-break space as service name: 22023');
SELECT throws_ok($$SELECT public.emergency_kill(U&'\3000')$$, '22023', 'the kill reason must not be blank (white space only)',
                 'an ideographic space as kill reason: 22023');
SELECT throws_ok($$SELECT public.emergency_kill('   ')$$, '22023', 'the kill reason must not be blank (white space only)',
                 'three spaces: the message says blank, not "got 3"');
SELECT throws_ok($$SELECT public.resume_operations(E'\n\n')$$, '22023', 'the resume note must not be blank (white space only)',
                 'newlines as resume note: 22023');
SELECT throws_ok($$SELECT public.orchestrator_stop(U&'\2003\2003')$$,
                 '22023', 'the reason to stop the orchestrator must not be blank (white space only)',
                 'em spaces as stop reason: 22023');
SELECT throws_ok($$SELECT public.raise_alert('info', 'test.blank', E'\t', 'b', 'k', '{}')$$,
                 '22023', 'alert title must not be blank (white space only)', 'a tab as alert title: 22023');
SELECT throws_ok($$SELECT public.raise_alert('info', 'test.blank', 't', 'b', U&'\200B', '{}')$$,
                 '22023', 'alert dedupe key must not be blank (white space only)', 'a zero-width dedupe key: 22023');

INSERT INTO public.work_orders (id, title) VALUES ('00000000-0000-0000-0000-000000000b11', 'wo');
SELECT throws_ok($$SELECT public.record_outcome('00000000-0000-0000-0000-000000000b11', U&'\3000', 0.1, true)$$,
                 '22023', 'model name must not be blank (white space only)', 'an ideographic space as model name: 22023');
SELECT throws_ok($$SELECT public.report_aider_failure('00000000-0000-0000-0000-000000000b11', E'\n\t')$$,
                 '22023', 'Aider output must not be blank (white space only)', 'blank Aider output: 22023');
SELECT throws_ok($$SELECT public.claim_job(U&'\00A0')$$,
                 '22023', 'the runner name must be 1 to 200 printable characters, got 1 characters', 'a blank runner name: 22023');
CREATE TEMP TABLE t_e AS SELECT public.create_escalation('00000000-0000-0000-0000-000000000b11', 'aider_failure', '{}') AS id;
SELECT throws_ok(format('SELECT public.dismiss_escalation(%L, %L)', (SELECT id FROM t_e), U&'\00A0' || E'\t'),
                 '22023', 'notes must not be blank for this decision', 'blank dismiss notes: 22023');
SELECT throws_ok(format('SELECT public.resolve_escalation(%L, %L, %L)', (SELECT id FROM t_e), 'manual_application', U&'\3000'),
                 '22023', 'notes must not be blank for this decision', 'blank notes where the option requires them: 22023');
SELECT is((SELECT status FROM public.escalations WHERE id = (SELECT id FROM t_e)), 'pending', 'and the escalation is still open');

-- Stored text is stripped by the same rule.
SELECT is(public.orchestrator_stop(U&'\3000deploying a fix\00A0') ->> 'stopped_reason', 'deploying a fix',
          'the stop reason is stored without the surrounding blanks');
SELECT is(public.dismiss_escalation((SELECT id FROM t_e), U&'\00A0duplicate of another' || E'\t') ->> 'status', 'dismissed',
          'notes with visible text are accepted');
SELECT is((SELECT decision_reasoning FROM public.escalations WHERE id = (SELECT id FROM t_e)), 'duplicate of another',
          'and stored stripped');

SELECT * FROM finish();
ROLLBACK;
