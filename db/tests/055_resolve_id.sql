-- resolve_id: an id as an operator types it (the whole uuid, or a unique prefix as `moose status`
-- prints it, any case, dashes optional) becomes the full id; no match is the one "does not exist"
-- error, an ambiguous prefix names the candidates, anything but hex is refused; each role's access.
BEGIN;
SELECT plan(21);

INSERT INTO work_orders (id, title) VALUES
    ('abcdef01-0000-4000-8000-000000000001', 'one'),
    ('abcdef01-0000-4000-8000-000000000002', 'two'),
    ('abcdef01-0000-4000-8000-000000000003', 'three'),
    ('abcdef01-0000-4000-8000-000000000004', 'four'),
    ('12345678-aaaa-4000-8000-000000000001', 'lone');
INSERT INTO escalations (id, work_order_id, trigger_type) VALUES
    ('780205e1-1111-4000-8000-000000000001', 'abcdef01-0000-4000-8000-000000000001', 'aider_failure'),
    ('780205e2-2222-4000-8000-000000000002', 'abcdef01-0000-4000-8000-000000000002', 'aider_failure');

SELECT is(resolve_id('escalation', '780205e1-1111-4000-8000-000000000001'),
          '780205e1-1111-4000-8000-000000000001'::uuid, 'the whole id is itself');
SELECT is(resolve_id('escalation', '780205e1'), '780205e1-1111-4000-8000-000000000001'::uuid,
          'the 8 characters moose status prints');
SELECT is(resolve_id('escalation', '780205E2'), '780205e2-2222-4000-8000-000000000002'::uuid, 'any case');
SELECT is(resolve_id('escalation', ' 780205e2 '), '780205e2-2222-4000-8000-000000000002'::uuid,
          'blanks around it are ignored');
SELECT is(resolve_id('work_order', '12345678-aa'), '12345678-aaaa-4000-8000-000000000001'::uuid,
          'a prefix past the first dash');
SELECT is(resolve_id('work_order', '12345678aaaa4'), '12345678-aaaa-4000-8000-000000000001'::uuid,
          'dashes optional');
SELECT is(resolve_id('work_order', '1'), '12345678-aaaa-4000-8000-000000000001'::uuid,
          'one character is enough when it is unique');

SELECT throws_ok($$SELECT resolve_id('escalation', '780205e')$$, '22023',
                 'escalation id ''780205e'' is ambiguous: it starts 780205e1-1111-4000-8000-000000000001, 780205e2-2222-4000-8000-000000000002',
                 'an ambiguous prefix names the candidates');
SELECT throws_like($$SELECT resolve_id('work_order', 'abcdef01')$$,
                   'work order id ''abcdef01'' is ambiguous: it starts abcdef01-0000-4000-8000-000000000001, %0002, %0003 and more',
                   'more than three candidates: the first three and "and more"');
SELECT is(test_helpers.hint_of($$SELECT resolve_id('work_order', 'abcdef01')$$), 'Give more characters of the id.',
          'the hint says what to do');
SELECT throws_ok($$SELECT resolve_id('escalation', '99999999')$$, 'P0002', 'escalation 99999999 does not exist',
                 'no match: the same words as every other lookup');
SELECT throws_ok($$SELECT resolve_id('work_order', '780205e1')$$, 'P0002', 'work order 780205e1 does not exist',
                 'an escalation id is no work order id');
SELECT isnt(test_helpers.hint_of($$SELECT resolve_id('escalation', '99999999')$$), NULL,
            'the hint says where the ids are listed');
SELECT throws_ok($$SELECT resolve_id('escalation', 'wo-42')$$, '22023',
                 '''wo-42'' is not an id or the start of one (escalation ids are hexadecimal)',
                 'not hexadecimal: 22023');
SELECT throws_ok($$SELECT resolve_id('escalation', repeat('a', 37))$$, '22023',
                 'id must be at most 36 characters, got 37', 'longer than a uuid: 22023');
SELECT throws_ok($$SELECT resolve_id('escalation', '   ')$$, '22023', 'id must not be blank (white space only)',
                 'blank: 22023');
SELECT throws_ok($$SELECT resolve_id('escalation', NULL)$$, '22004', 'id must not be NULL', 'NULL id: 22004');
SELECT throws_ok($$SELECT resolve_id('alert', '1')$$, '22023', 'unknown id kind ''alert''', 'an unknown kind: 22023');

SELECT is(test_helpers.as_role('authenticated', $$SELECT resolve_id('escalation', '780205e1')$$,
                               '{"sub": "user-1", "role": "authenticated"}'),
          '780205e1-1111-4000-8000-000000000001', 'the dashboard resolves ids');
SELECT is(test_helpers.as_role('service_role', $$SELECT resolve_id('work_order', '1234')$$),
          '12345678-aaaa-4000-8000-000000000001', 'service_role resolves ids');
SELECT is(test_helpers.as_role('anon', $$SELECT resolve_id('escalation', '780205e1')$$), 'ERROR 42501',
          'anon may not');

SELECT * FROM finish();
ROLLBACK;
