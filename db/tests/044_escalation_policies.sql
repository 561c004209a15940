-- Escalation policies as data: every runbook 3.1 type has its priority, SLA and resolution
-- options (key, label, description, pros, cons, effect, requires_notes, prior, context rules);
-- the trigger escalation_policies_validate refuses malformed options (effect actions from
-- private.escalation_actions); create_escalation stores the recommendation and keeps its
-- one-open dedupe and its escalation.opened alert.
BEGIN;
SELECT plan(22);

SELECT results_eq(
    $$SELECT trigger_type, priority, sla FROM escalation_policies
      WHERE trigger_type IN ('retry_exhausted', 'budget_warning', 'budget_critical', 'test_failures', 'contract_violation',
                             'aider_failure', 'stuck_work_order') ORDER BY trigger_type$$,
    $$VALUES ('aider_failure'::text, 'medium'::text, interval '2 hours'), ('budget_critical', 'high', interval '30 minutes'),
             ('budget_warning', 'medium', interval '2 hours'), ('contract_violation', 'high', interval '1 hour'),
             ('retry_exhausted', 'medium', interval '2 hours'), ('stuck_work_order', 'medium', interval '2 hours'),
             ('test_failures', 'medium', interval '4 hours')$$,
    'priorities and SLAs of runbook 1.2 and 3.1');
SELECT is_empty($$SELECT trigger_type FROM escalation_policies
                  WHERE trigger_type IN ('retry_exhausted', 'budget_warning', 'budget_critical', 'test_failures',
                                         'contract_violation', 'aider_failure', 'stuck_work_order')
                    AND jsonb_array_length(resolution_options) <> 4$$,
                'every runbook type has its four resolution options');
SELECT is_empty($$SELECT p.trigger_type, o.value ->> 'key' FROM escalation_policies p, jsonb_array_elements(p.resolution_options) o
                  WHERE jsonb_array_length(o.value -> 'pros') = 0 OR jsonb_array_length(o.value -> 'cons') = 0
                     OR length(o.value ->> 'description') < 10$$,
                'every option has pros, cons and a description');
SELECT set_eq($$SELECT o.value ->> 'key' FROM escalation_policies p, jsonb_array_elements(p.resolution_options) o
                WHERE p.trigger_type = 'retry_exhausted'$$,
              ARRAY['retry_stronger_model', 'pivot_solution', 'split_work_order', 'abort_redesign'],
              'retry_exhausted: retry, pivot, split, abort (runbook 3.1 type 1)');
SELECT set_eq($$SELECT DISTINCT o.value -> 'effect' ->> 'action' FROM escalation_policies p, jsonb_array_elements(p.resolution_options) o$$,
              $$SELECT jsonb_object_keys(private.escalation_actions())$$,
              'the seeded options use every known action and only those');
SELECT lives_ok($$UPDATE escalation_policies SET resolution_options = resolution_options$$,
                'the seeded options pass escalation_policies_validate');

-- malformed options are refused
SELECT throws_ok($$UPDATE escalation_policies SET resolution_options = resolution_options || '[{"key": "x", "label": "X", "description": "d", "pros": [], "cons": [], "effect": {"action": "reboot_universe"}, "requires_notes": false, "prior": 0.5}]' WHERE trigger_type = 'retry_exhausted'$$,
                 '22023', 'option x of retry_exhausted has unknown effect action reboot_universe',
                 'an unknown effect action is refused');
SELECT throws_ok($$UPDATE escalation_policies SET resolution_options = resolution_options || (resolution_options -> 0) WHERE trigger_type = 'retry_exhausted'$$,
                 '22023', 'resolution options of retry_exhausted have duplicate keys', 'a duplicate key is refused');
SELECT throws_ok($$UPDATE escalation_policies SET resolution_options = '[{"key": "x", "label": "X", "description": "d", "pros": [], "cons": [], "effect": {"action": "pause"}, "requires_notes": false, "prior": 1.5}]' WHERE trigger_type = 'retry_exhausted'$$,
                 '22023', 'option x of retry_exhausted is malformed', 'a prior outside [0, 1] is refused');
SELECT throws_ok($$UPDATE escalation_policies SET resolution_options = '[{"key": "x", "label": "X", "description": "d", "pros": [], "cons": [], "effect": {"action": "pause"}, "requires_notes": false, "prior": 0.5, "context_rules": [{"field": "cost_spent", "op": "gt", "value": "ten", "adjust": 0.1}]}]' WHERE trigger_type = 'retry_exhausted'$$,
                 '22023', 'option x of retry_exhausted has a malformed context rule {"op": "gt", "field": "cost_spent", "value": "ten", "adjust": 0.1}',
                 'a numeric rule with a text value is refused');
SELECT throws_ok($$UPDATE escalation_policies SET resolution_options = '[{"key": "x", "label": "X", "description": "d", "pros": [], "cons": [], "effect": {"action": "set_config", "key": "no_such_key"}, "requires_notes": true, "prior": 0.5}]' WHERE trigger_type = 'budget_warning'$$,
                 '22023', 'option x of budget_warning must fix an existing config key and its value, got key no_such_key',
                 'set_config on an unknown config key is refused');
SELECT throws_ok($$UPDATE escalation_policies SET resolution_options = '[{"key": "Bad Key", "label": "X"}]' WHERE trigger_type = 'budget_warning'$$,
                 '22023', 'option Bad Key of budget_warning is malformed', 'a malformed option is refused');

-- create_escalation stores a recommendation and keeps dedupe + alert
INSERT INTO work_orders (id, title, status) VALUES ('50000000-0000-0000-0000-000000000001', 'x', 'in_progress');
SELECT isnt(create_escalation('50000000-0000-0000-0000-000000000001', 'aider_failure', '{"reason": "conflict"}'), NULL,
            'create_escalation returns the id');
SELECT is((SELECT recommendation ->> 'option' FROM escalations WHERE work_order_id = '50000000-0000-0000-0000-000000000001'),
          'retry_clean_state', 'the recommendation is stored at creation');
SELECT is((SELECT recommendation ->> 'basis' FROM escalations WHERE work_order_id = '50000000-0000-0000-0000-000000000001'),
          'context_only', 'with no history its basis is the context only');
SELECT is(create_escalation('50000000-0000-0000-0000-000000000001', 'aider_failure', '{}'),
          (SELECT id FROM escalations WHERE work_order_id = '50000000-0000-0000-0000-000000000001'),
          'a second call returns the open escalation');
SELECT is((SELECT count(*)::int FROM alerts WHERE kind = 'escalation.opened'), 1, 'one escalation.opened alert');
SELECT matches((SELECT body FROM alerts WHERE kind = 'escalation.opened'), 'Recommended: retry_clean_state \(confidence 0.25\)',
               'the alert names the recommendation');
SELECT is((SELECT context ->> 'recommended_option' FROM alerts WHERE kind = 'escalation.opened'), 'retry_clean_state',
          'the alert context carries it too');
SELECT throws_ok($$SELECT create_escalation(NULL, 'no_such_type', '{}')$$,
                 '22023', 'unknown escalation trigger type "no_such_type"', 'unknown type: 22023');
SELECT throws_ok($$SELECT create_escalation('99999999-0000-0000-0000-000000000000', 'aider_failure', '{}')$$,
                 'P0002', 'work order 99999999-0000-0000-0000-000000000000 does not exist', 'unknown work order: P0002');
SELECT is(test_helpers.as_role('authenticated', $$SELECT create_escalation(NULL, 'budget_warning', '{}')$$), 'ERROR 42501',
          'authenticated may not open escalations');

SELECT * FROM finish();
ROLLBACK;
