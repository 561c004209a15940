-- Helpers the pgTAP files share, installed by `moose test` into the test database only (never
-- by `moose migrate`): pg_prove reads db/tests/*.sql, not this folder.
CREATE SCHEMA IF NOT EXISTS test_helpers;
COMMENT ON SCHEMA test_helpers IS 'pgTAP helpers of the test database; not part of the product.';

-- Run one statement as an API role (optionally with JWT claims, as PostgREST sets them) and
-- return its first value as text, or 'ERROR <sqlstate>'; pgTAP's own calls stay with the test
-- owner because the role is reset before returning.
CREATE OR REPLACE FUNCTION test_helpers.as_role(p_role text, p_sql text, p_claims text DEFAULT '') RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    v_result text;
BEGIN
    BEGIN
        PERFORM set_config('request.jwt.claims', p_claims, true);
        EXECUTE format('SET LOCAL ROLE %I', p_role);
        EXECUTE p_sql INTO v_result;
        RESET ROLE;
        PERFORM set_config('request.jwt.claims', '', true);
        RETURN coalesce(v_result, 'NULL');
    EXCEPTION WHEN OTHERS THEN
        RETURN 'ERROR ' || SQLSTATE;
    END;
END
$$;
COMMENT ON FUNCTION test_helpers.as_role(text, text, text) IS 'pgTAP helper: run p_sql as p_role with p_claims as request.jwt.claims; first value as text, or ERROR <sqlstate>.';

-- The HINT of the error p_sql raises: NULL when it raises none (or an error without a HINT), so
-- isnt(..., NULL) asserts that it fails with a HINT. Statements that succeed are kept.
CREATE OR REPLACE FUNCTION test_helpers.hint_of(p_sql text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    v_hint text;
BEGIN
    EXECUTE p_sql;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS v_hint = PG_EXCEPTION_HINT;
    RETURN nullif(v_hint, '');
END
$$;
COMMENT ON FUNCTION test_helpers.hint_of(text) IS 'pgTAP helper: the HINT of the error p_sql raises; NULL when it raises none or has no HINT.';

-- Rate limit holds ([[rank, key, kind, amount, at, stripe], ...]) without the instant and the
-- stripe each was drawn at, which depend on the clock and the backend: what a test can pin.
CREATE OR REPLACE FUNCTION test_helpers.rate_holds(p_holds jsonb) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT jsonb_agg(h - 5 - 4 ORDER BY o) FROM jsonb_array_elements(p_holds) WITH ORDINALITY AS x(h, o)
$$;
COMMENT ON FUNCTION test_helpers.rate_holds(jsonb) IS 'pgTAP helper: rate limit holds as [rank, key, kind, amount], without the instant and stripe.';

-- The error p_sql raises as 'SQLSTATE: message' (NULL when it raises none; a statement that
-- succeeds is kept), for refusals whose message holds a part the test cannot know in advance
-- (a generated id): matches(test_helpers.error_of(...), '^P0002: reservation [0-9a-f-]{36} does not exist$')
-- checks the code and the message in one assertion. Use throws_ok when the message is known.
CREATE OR REPLACE FUNCTION test_helpers.error_of(p_sql text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE p_sql;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
COMMENT ON FUNCTION test_helpers.error_of(text) IS 'pgTAP helper: the error p_sql raises as SQLSTATE: message; NULL when it raises none.';
