-- The one rule for an id as an operator types it: the whole uuid, or a unique prefix of it
-- (`moose status` prints the first 8 characters), dashes optional. A prefix is a range of the
-- primary key (prefix padded with 0s to prefix padded with fs), so it is an index range scan.
-- No match is P0002 '<kind> <id> does not exist' (the same words as every other lookup), more
-- than one is 22023 naming the first few, anything but hex digits and dashes is 22023.
CREATE OR REPLACE FUNCTION public.resolve_id(p_kind text, p_id text) RETURNS uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id text;
    v_hex text;
    v_low uuid;
    v_high uuid;
    v_found uuid[];
    v_label text;
    v_list_hint text;
BEGIN
    PERFORM private.check_text('kind', p_kind, 20, 'Kinds: escalation, work_order.');
    PERFORM private.check_required('id', p_id, 'Give the id or its first characters, e.g. 780205e1.');
    v_label := CASE p_kind WHEN 'escalation' THEN 'escalation' WHEN 'work_order' THEN 'work order' END;
    IF v_label IS NULL THEN
        RAISE EXCEPTION 'unknown id kind %', quote_literal(left(p_kind, 20))
            USING ERRCODE = '22023', HINT = 'Kinds: escalation, work_order.';
    END IF;
    v_list_hint := CASE p_kind
        WHEN 'escalation' THEN 'List them with `moose escalations list --all` or SELECT id FROM escalations;'
        ELSE 'List them with SELECT id, title, status FROM work_orders;' END;
    v_id := lower(private.check_text('id', p_id, 36, 'Give the id or its first characters, e.g. 780205e1. ' || v_list_hint));
    v_hex := replace(v_id, '-', '');
    IF v_id !~ '^[0-9a-f-]+$' OR v_hex = '' OR length(v_hex) > 32 THEN
        RAISE EXCEPTION '% is not an id or the start of one (% ids are hexadecimal)', quote_literal(p_id), v_label
            USING ERRCODE = '22023', HINT = 'An id is hexadecimal digits and dashes, e.g. 780205e1. ' || v_list_hint;
    END IF;
    v_low := rpad(v_hex, 32, '0')::uuid;
    v_high := rpad(v_hex, 32, 'f')::uuid;
    IF p_kind = 'escalation' THEN
        v_found := ARRAY(SELECT e.id FROM public.escalations AS e WHERE e.id BETWEEN v_low AND v_high
                         ORDER BY e.id LIMIT 4);
    ELSE
        v_found := ARRAY(SELECT w.id FROM public.work_orders AS w WHERE w.id BETWEEN v_low AND v_high
                         ORDER BY w.id LIMIT 4);
    END IF;
    PERFORM private.check_found(cardinality(v_found) > 0, v_label, p_id, v_list_hint);
    IF cardinality(v_found) > 1 THEN
        RAISE EXCEPTION '% id % is ambiguous: it starts %', v_label, quote_literal(p_id),
                array_to_string(v_found[1:3], ', ') || CASE WHEN cardinality(v_found) > 3 THEN ' and more' ELSE '' END
            USING ERRCODE = '22023', HINT = 'Give more characters of the id.';
    END IF;
    RETURN v_found[1];
END
$$;

REVOKE ALL ON FUNCTION public.resolve_id(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.resolve_id(text, text) TO authenticated, service_role, moose_runner;

COMMENT ON FUNCTION public.resolve_id(text, text) IS 'The uuid an operator means by p_id: the whole id or a unique prefix (dashes optional) of an escalation or work order (p_kind: escalation, work_order). No match: P0002 ''<kind> <id> does not exist''; several: 22023 naming them; not hex: 22023.';
