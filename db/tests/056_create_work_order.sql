-- create_work_order: the documented way to create a work order. Defaults, every column it takes,
-- the creation in work_order_history, the starting statuses, each bad argument refused by name
-- with nothing written, and each role's access.
BEGIN;
SELECT plan(18);

CREATE TEMP TABLE made AS SELECT create_work_order('Add the login page') AS id;
SELECT results_eq($$SELECT w.title, w.description, w.status, w.priority, w.complexity_score, w.metadata,
                           w.refinement_attempts
                    FROM work_orders AS w JOIN made USING (id)$$,
                  $$VALUES ('Add the login page'::text, ''::text, 'pending'::text, 'medium'::text, NULL::numeric,
                            '{}'::jsonb, 0)$$,
                  'a title is enough: pending, medium, no description, no metadata');
SELECT results_eq($$SELECT h.from_status, h.to_status, h.reason FROM work_order_history AS h JOIN made
                    ON h.work_order_id = made.id$$,
                  $$VALUES (NULL::text, 'pending'::text, 'created'::text)$$,
                  'the creation is in work_order_history with its reason');
SELECT is(current_setting('moose.status_reason'), '', 'the reason does not leak into later writes');

INSERT INTO made SELECT create_work_order('  Schema migration  ', 'Split the users table', 'high', 0.75,
                                          '{"repo": "moose"}', 'approved');
SELECT results_eq($$SELECT w.title, w.description, w.status, w.priority, w.complexity_score, w.metadata
                    FROM work_orders AS w WHERE w.id = (SELECT id FROM made OFFSET 1)$$,
                  $$VALUES ('Schema migration'::text, 'Split the users table'::text, 'approved'::text, 'high'::text,
                            0.750::numeric, '{"repo": "moose"}'::jsonb)$$,
                  'every column it takes, the title stripped; approved is a starting status');
SELECT is(set_work_order_status((SELECT id FROM made LIMIT 1), 'in_progress', 'picked up') ->> 'from_status',
          'pending', 'the state machine moves it on from there');

SELECT throws_ok($$SELECT create_work_order('x', p_status => 'in_progress')$$, '22023',
                 'a work order cannot start ''in_progress''', 'it starts pending or approved only');
SELECT throws_ok($$SELECT create_work_order('x', p_priority => 'urgent')$$, '22023',
                 'unknown work order priority ''urgent''', 'an unknown priority');
SELECT throws_ok($$SELECT create_work_order('x', p_complexity_score => 1.5)$$, '22023',
                 'complexity score must be between 0 and 1, got 1.5', 'a complexity score above 1');
SELECT throws_ok($$SELECT create_work_order(NULL)$$, '22004', 'title must not be NULL', 'no title');
SELECT throws_ok($$SELECT create_work_order(' ')$$, '22023', 'title must not be blank (white space only)',
                 'a blank title');
SELECT throws_ok($$SELECT create_work_order(repeat('t', 501))$$, '22023',
                 'title must be at most 500 characters, got 501', 'a title over 500 characters');
SELECT throws_ok($$SELECT create_work_order('x', p_description => NULL)$$, '22004',
                 'description must not be NULL', 'a NULL description');
SELECT throws_ok($$SELECT create_work_order('x', p_metadata => '[1]')$$, '22023',
                 'metadata must be a JSON object, got array', 'metadata that is not an object');
SELECT isnt(test_helpers.hint_of($$SELECT create_work_order('x', p_priority => 'urgent')$$), NULL,
            'a refusal says what to do');
SELECT is((SELECT count(*) FROM work_orders), 2::bigint, 'the refused calls wrote nothing');

SELECT isnt(test_helpers.as_role('service_role', $$SELECT create_work_order('from the orchestrator')$$),
            'ERROR 42501', 'the orchestrator (service_role) creates work orders');
SELECT is(test_helpers.as_role('authenticated', $$SELECT create_work_order('x')$$,
                               '{"sub": "user-1", "role": "authenticated"}'),
          'ERROR 42501', 'the dashboard reads work orders but does not create them');
SELECT is(test_helpers.as_role('anon', $$SELECT create_work_order('x')$$), 'ERROR 42501', 'anon may not');

SELECT * FROM finish();
ROLLBACK;
