-- Checks a budget's scope, key and period as set_budget and remove_budget take them: NULL ->
-- 22004, a wrong value -> 22023, a work order that does not exist -> P0002, each with a hint.
-- Returns the key as stored (a work order id in lower case).
CREATE OR REPLACE FUNCTION private.budget_check_target(p_scope text, p_key text, p_period text) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_scope IS NULL OR p_key IS NULL OR p_period IS NULL THEN
        RAISE EXCEPTION '% must not be NULL',
                CASE WHEN p_scope IS NULL THEN 'scope' WHEN p_key IS NULL THEN 'key' ELSE 'period' END
            USING ERRCODE = '22004',
                  HINT = 'E.g. set_budget(''service'', ''architect'', ''day'', 20) or set_budget(''work_order'', ''*'', ''total'', 5).';
    END IF;
    IF p_scope NOT IN ('global', 'service', 'project', 'work_order') THEN
        RAISE EXCEPTION 'unknown budget scope %', left(p_scope, 100)
            USING ERRCODE = '22023', HINT = 'Use global, service, project or work_order.';
    END IF;
    IF p_period NOT IN ('day', 'month', 'total') THEN
        RAISE EXCEPTION 'unknown budget period %', left(p_period, 100)
            USING ERRCODE = '22023', HINT = 'Use day (the budget day in budget_timezone), month or total.';
    END IF;
    PERFORM private.check_key('budget key', p_key, 'Name the service, project or work order id, or * for each one separately.');
    IF p_scope = 'global' AND p_key <> '*' THEN
        RAISE EXCEPTION 'the global scope has only the key *, got %', left(p_key, 100)
            USING ERRCODE = '22023', HINT = 'Use set_budget(''global'', ''*'', period, limit).';
    END IF;
    IF p_scope = 'work_order' AND p_key <> '*' THEN
        IF p_key !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
            RAISE EXCEPTION 'a work_order budget key is a work order id or *, got %', left(p_key, 100)
                USING ERRCODE = '22023', HINT = 'Pass the work order''s uuid, or * for every work order separately.';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM public.work_orders AS w WHERE w.id = p_key::uuid) THEN
            RAISE EXCEPTION 'work order % does not exist', p_key
                USING ERRCODE = 'P0002', HINT = 'Check the id against work_orders.';
        END IF;
        RETURN lower(p_key);
    END IF;
    RETURN p_key;
END
$$;

REVOKE ALL ON FUNCTION private.budget_check_target(text, text, text) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_check_target(text, text, text) IS 'Validate a budget''s scope, key and period (22004 NULL, 22023 wrong, P0002 unknown work order); returns the key as stored.';
