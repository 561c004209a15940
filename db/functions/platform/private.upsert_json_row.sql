-- Inserts or updates one row of a config table from its JSON form (as to_jsonb wrote it),
-- keyed by one column; columns the JSON leaves out keep their current value (or default on
-- insert). Used by restore_config for policies and channels, whatever columns they have.
CREATE OR REPLACE FUNCTION private.upsert_json_row(p_table text, p_key text, p_row jsonb) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_rel regclass := to_regclass('public.' || quote_ident(p_table));
    v_columns text[];
    v_all text[];
    v_sets text;
BEGIN
    IF v_rel IS NULL THEN
        RAISE EXCEPTION 'table public.% does not exist', p_table USING ERRCODE = '22023', HINT = 'Internal.';
    END IF;
    IF p_row IS NULL OR jsonb_typeof(p_row) <> 'object' OR p_row ->> p_key IS NULL THEN
        RAISE EXCEPTION 'each % entry must be an object with "%"', p_table, p_key
            USING ERRCODE = '22023', HINT = 'Take a fresh backup_config().';
    END IF;
    -- Identity and generated columns are the target's own business: accepted, ignored.
    SELECT array_agg(a.attname::text ORDER BY a.attnum) FILTER (WHERE a.attgenerated = '' AND a.attidentity = ''
                                                                  AND p_row ? a.attname),
           array_agg(a.attname::text)
    INTO v_columns, v_all
    FROM pg_catalog.pg_attribute AS a
    WHERE a.attrelid = v_rel AND a.attnum > 0 AND NOT a.attisdropped;
    IF EXISTS (SELECT 1 FROM jsonb_object_keys(p_row) AS k WHERE k <> ALL (v_all)) THEN
        RAISE EXCEPTION 'unknown field(s) in % entry: %', p_table,
                (SELECT string_agg(k, ', ') FROM jsonb_object_keys(p_row) AS k WHERE k <> ALL (v_all))
            USING ERRCODE = '22023', HINT = 'The backup comes from another version; remove the field or migrate first.';
    END IF;
    SELECT string_agg(format('%I = EXCLUDED.%I', c, c), ', ') INTO v_sets FROM unnest(v_columns) AS c WHERE c <> p_key;
    EXECUTE format('INSERT INTO %s AS t (%s) SELECT %s FROM jsonb_populate_record(NULL::%s, $1) AS r ON CONFLICT (%I) DO %s',
                   v_rel,
                   (SELECT string_agg(quote_ident(c), ', ') FROM unnest(v_columns) AS c),
                   (SELECT string_agg('r.' || quote_ident(c), ', ') FROM unnest(v_columns) AS c),
                   v_rel, p_key,
                   CASE WHEN v_sets IS NULL THEN 'NOTHING' ELSE 'UPDATE SET ' || v_sets END)
    USING p_row;
END
$$;

REVOKE ALL ON FUNCTION private.upsert_json_row(text, text, jsonb) FROM PUBLIC;

COMMENT ON FUNCTION private.upsert_json_row(text, text, jsonb) IS 'Upsert one row of public.<p_table> from its to_jsonb form, keyed by p_key; unknown fields are 22023.';
