-- acknowledge_escalation, dismiss_escalation (with private.lock_open_escalation and
-- private.check_decision_text) and check_escalation_slas: one alert per breached escalation.
BEGIN;
SELECT plan(24);

INSERT INTO work_orders (id, title, status) VALUES
    ('80000000-0000-0000-0000-000000000001', 'aider', 'in_progress'),
    ('80000000-0000-0000-0000-000000000002', 'other', 'in_progress');
SELECT report_aider_failure('80000000-0000-0000-0000-000000000001', 'conflict');
SELECT create_escalation('80000000-0000-0000-0000-000000000002', 'stuck_work_order', '{}');

-- acknowledge
SELECT throws_ok($$SELECT acknowledge_escalation(NULL)$$, '22004', 'escalation id must not be NULL', 'acknowledge NULL: 22004');
SELECT throws_ok($$SELECT acknowledge_escalation('99999999-0000-0000-0000-000000000000')$$,
                 'P0002', 'escalation 99999999-0000-0000-0000-000000000000 does not exist', 'acknowledge unknown: P0002');
SELECT throws_ok(format('SELECT acknowledge_escalation(%L, %L)', (SELECT id FROM escalations WHERE trigger_type = 'aider_failure'), repeat('x', 10001)),
                 '22023', 'notes must be at most 10000 characters, got 10001', 'acknowledge with huge notes: 22023');
SELECT is(test_helpers.as_role('authenticated',
              format('SELECT acknowledge_escalation(%L, %L) ->> %L', (SELECT id FROM escalations WHERE trigger_type = 'aider_failure'), 'looking', 'status'),
              '{"sub": "oncall-1"}'), 'acknowledged', 'authenticated acknowledges');
SELECT results_eq($$SELECT status, acknowledged_by, context ->> 'acknowledge_notes' FROM escalations WHERE trigger_type = 'aider_failure'$$,
                  $$VALUES ('acknowledged'::text, 'oncall-1'::text, 'looking'::text)$$, 'acknowledged with who and notes');
SELECT throws_ok(format('SELECT acknowledge_escalation(%L)', (SELECT id FROM escalations WHERE trigger_type = 'aider_failure')),
                 '55000', (SELECT format('escalation %s was already acknowledged by oncall-1 at %s', id, acknowledged_at)
                           FROM escalations WHERE trigger_type = 'aider_failure'),
                 'acknowledging twice: 55000');
SELECT is((SELECT count(*)::int FROM audit_log WHERE action = 'escalation.acknowledged'), 1, 'one audit row');

-- dismiss
SELECT throws_ok(format('SELECT dismiss_escalation(%L, NULL)', (SELECT id FROM escalations WHERE trigger_type = 'aider_failure')),
                 '22004', 'notes are required for this decision', 'dismiss without notes: 22004');
SELECT throws_ok(format('SELECT dismiss_escalation(%L, %L)', (SELECT id FROM escalations WHERE trigger_type = 'aider_failure'), ''),
                 '22023', 'notes must not be blank for this decision', 'dismiss with empty notes: 22023');
SELECT throws_ok($$SELECT dismiss_escalation('99999999-0000-0000-0000-000000000000', 'x')$$,
                 'P0002', 'escalation 99999999-0000-0000-0000-000000000000 does not exist', 'dismiss unknown: P0002');
SELECT is((SELECT status FROM work_orders WHERE id = '80000000-0000-0000-0000-000000000001'), 'blocked', 'the Aider failure blocked the work order');
SELECT is(test_helpers.as_role('authenticated',
              format('SELECT dismiss_escalation(%L, %L) ->> %L', (SELECT id FROM escalations WHERE trigger_type = 'aider_failure'),
                     'transient: the next run applied cleanly', 'status'),
              '{"sub": "oncall-1"}'), 'dismissed', 'authenticated dismisses');
SELECT is((SELECT status FROM work_orders WHERE id = '80000000-0000-0000-0000-000000000001'), 'in_progress',
          'dismissal returns the blocked work order to where it was');
SELECT results_eq($$SELECT status, resolved_by, decision_reasoning FROM escalations WHERE trigger_type = 'aider_failure'$$,
                  $$VALUES ('dismissed'::text, 'oncall-1'::text, 'transient: the next run applied cleanly'::text)$$, 'dismissed with who and why');
SELECT throws_ok(format('SELECT dismiss_escalation(%L, %L)', (SELECT id FROM escalations WHERE trigger_type = 'aider_failure'), 'again'),
                 '55000', (SELECT format('escalation %s was already dismissed by oncall-1 at %s: it cannot be dismissed', id, resolved_at)
                           FROM escalations WHERE trigger_type = 'aider_failure'),
                 'dismissing twice: 55000');
SELECT throws_ok(format('SELECT resolve_escalation(%L, %L)', (SELECT id FROM escalations WHERE trigger_type = 'aider_failure'), 'retry_clean_state'),
                 '55000', (SELECT format('escalation %s was already dismissed by oncall-1 at %s: it cannot be resolved', id, resolved_at)
                           FROM escalations WHERE trigger_type = 'aider_failure'),
                 'resolving a dismissed escalation: 55000');
SELECT is(test_helpers.as_role('anon', format('SELECT acknowledge_escalation(%L)', (SELECT id FROM escalations WHERE trigger_type = 'stuck_work_order'))),
          'ERROR 42501', 'anon may not acknowledge');

-- private.check_decision_text
SELECT is(private.check_decision_text('notes', '  trimmed  ', true), 'trimmed', 'decision text is trimmed');
SELECT is(private.check_decision_text('notes', NULL, false), NULL, 'optional text may be NULL');

-- SLA breaches: one alert each, once
SELECT is(check_escalation_slas(), 0, 'nothing is past its SLA yet');
UPDATE escalations SET sla_due_at = now() - interval '5 minutes' WHERE trigger_type = 'stuck_work_order';
SELECT is(check_escalation_slas(), 1, 'a breached escalation raises an alert');
SELECT results_eq($$SELECT kind, severity, context ->> 'trigger_type' FROM alerts WHERE kind = 'escalation.sla_breached'$$,
                  $$VALUES ('escalation.sla_breached'::text, 'error'::text, 'stuck_work_order'::text)$$, 'the alert names the escalation');
SELECT is(check_escalation_slas(), 0, 'running again raises nothing');
UPDATE escalations SET sla_due_at = now() - interval '1 minute' WHERE trigger_type = 'aider_failure';
SELECT is(check_escalation_slas(), 0, 'a decided escalation past its deadline is not a breach');

SELECT * FROM finish();
ROLLBACK;
