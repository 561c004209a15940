-- The shared argument checks of the error contract (docs/CONVENTIONS.md, "Errors"):
-- private.check_required (22004), private.check_found (P0002 after a lookup),
-- private.check_range (22004, then 22023 outside the bounds) and private.check_json_object
-- (22004, then 22023 for a non-object or too much JSON), each with the message that names the
-- argument and the caller's hint; a value that passes raises nothing.
BEGIN;
SELECT plan(19);

CREATE FUNCTION pg_temp.error_of(p_sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v_state text;
    v_message text;
    v_hint text;
BEGIN
    EXECUTE p_sql;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT, v_hint = PG_EXCEPTION_HINT;
    RETURN v_state || ' ' || v_message || ' | ' || v_hint;
END
$$;

SELECT is(pg_temp.error_of($$SELECT private.check_required('reservation id', NULL::uuid, 'Pass the id.')$$),
          '22004 reservation id must not be NULL | Pass the id.', 'check_required: NULL is 22004 naming the argument, with the hint');
SELECT is(pg_temp.error_of($$SELECT private.check_required('limit', 0, 'h')$$), 'no error', 'check_required: any value passes, 0 too');
SELECT is(pg_temp.error_of($$SELECT private.check_required('note', ''::text, 'h')$$), 'no error',
          'check_required: an empty text is a value (blankness is check_text''s)');

SELECT is(pg_temp.error_of($$SELECT private.check_found(false, 'job run', 42::bigint, 'Pass the run_id.')$$),
          'P0002 job run 42 does not exist | Pass the run_id.', 'check_found: nothing found is P0002 naming what and which');
SELECT is(pg_temp.error_of($$SELECT private.check_found(true, 'job run', 42::bigint, 'h')$$), 'no error', 'check_found: found passes');
CREATE TEMP TABLE lookup AS SELECT 1;
SELECT is(pg_temp.error_of($sql$DO $do$ DECLARE v_id integer; BEGIN
                                    SELECT 1 INTO v_id FROM pg_temp.lookup WHERE false;
                                    PERFORM private.check_found(FOUND, 'row', 7, 'h');
                                END $do$$sql$), 'P0002 row 7 does not exist | h', 'check_found reads FOUND of the lookup just before it');

SELECT is(pg_temp.error_of($$SELECT private.check_range('dispatch limit', NULL, 1, 1000, 'E.g. 100.')$$),
          '22004 dispatch limit must not be NULL | E.g. 100.', 'check_range: NULL is 22004');
SELECT is(pg_temp.error_of($$SELECT private.check_range('dispatch limit', 0, 1, 1000, 'E.g. 100.')$$),
          '22023 dispatch limit must be between 1 and 1000, got 0 | E.g. 100.', 'check_range: below is 22023 with the bounds');
SELECT is(pg_temp.error_of($$SELECT private.check_range('dispatch limit', 1001, 1, 1000, 'h')$$) LIKE '22023 %', true,
          'check_range: above is 22023');
SELECT is(pg_temp.error_of($$SELECT private.check_range('dispatch limit', 1000, 1, 1000, 'h')$$), 'no error',
          'check_range: the bounds themselves pass');

SELECT is(pg_temp.error_of($$SELECT private.check_json_object('details', NULL, NULL, 'E.g. {}.')$$),
          '22004 details must not be NULL | E.g. {}.', 'check_json_object: NULL is 22004');
SELECT is(pg_temp.error_of($$SELECT private.check_json_object('details', '[1]', NULL, 'E.g. {}.')$$),
          '22023 details must be a JSON object, got array | E.g. {}.', 'check_json_object: an array is 22023 naming its type');
SELECT is(pg_temp.error_of($$SELECT private.check_json_object('details', '"x"', NULL, 'h')$$),
          '22023 details must be a JSON object, got string | h', 'check_json_object: a string is 22023');
SELECT is(pg_temp.error_of($$SELECT private.check_json_object('details', '{"k": "0123456789"}', 10, 'h')$$),
          '22023 details must be at most 10 characters of JSON | h', 'check_json_object: more JSON than p_max_chars is 22023');
SELECT is(pg_temp.error_of($$SELECT private.check_json_object('details', '{"k": 1}', NULL, 'h')$$), 'no error',
          'check_json_object: an object passes, with no size limit when p_max_chars is NULL');

-- A public function that uses them answers as the contract says, with its own words.
SELECT is(pg_temp.error_of($$SELECT public.release_reservation(NULL)$$) LIKE '22004 reservation id must not be NULL | %', true,
          'release_reservation(NULL): 22004 through check_required');

-- private.check_key: the one rule for budget and rate limit keys.
SELECT lives_ok($$SELECT private.check_key('key', 'architect', 'hint')$$, 'check_key accepts a plain name');
SELECT throws_ok($$SELECT private.check_key('budget key', U&'svc\200B', 'Name it.')$$, '22023',
                 'budget key must be 1 to 200 characters without surrounding blanks, got 4',
                 'check_key refuses an invisible blank around the key, naming what');
SELECT is(test_helpers.hint_of($$SELECT private.check_key('key', repeat('k', 201), 'Name it.')$$), 'Name it.',
          'and a key over 200 characters with the caller''s hint');

SELECT * FROM finish();
ROLLBACK;
