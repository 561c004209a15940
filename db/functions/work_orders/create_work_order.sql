-- The documented way to create a work order (the orchestrator over PostgREST, an operator or a
-- test in psql): checks each argument with the shared checks, inserts the row (the history
-- trigger records the creation with its actor and reason) and returns its id. A work order
-- starts pending or approved; later moves go through set_work_order_status.
CREATE OR REPLACE FUNCTION public.create_work_order(
    p_title text,
    p_description text DEFAULT '',
    p_priority text DEFAULT 'medium',
    p_complexity_score numeric DEFAULT NULL,
    p_metadata jsonb DEFAULT '{}'::jsonb,
    p_status text DEFAULT 'pending'
) RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_hint constant text := 'E.g. SELECT create_work_order(''Add the login page'', p_priority => ''high'');';
    v_title text;
    v_id uuid;
BEGIN
    v_title := private.check_text('title', p_title, 500, v_hint);
    PERFORM private.check_required('description', p_description, 'Pass '''' for no description.');
    IF length(p_description) > 100000 THEN
        RAISE EXCEPTION 'description must be at most 100000 characters, got %', length(p_description)
            USING ERRCODE = '22023', HINT = 'Keep long material elsewhere and link it from metadata.';
    END IF;
    PERFORM private.check_required('priority', p_priority, 'Priorities: low, medium, high, critical.');
    IF p_priority NOT IN ('low', 'medium', 'high', 'critical') THEN
        RAISE EXCEPTION 'unknown work order priority %', quote_literal(left(p_priority, 50))
            USING ERRCODE = '22023', HINT = 'Priorities: low, medium, high, critical.';
    END IF;
    IF p_complexity_score IS NOT NULL THEN
        PERFORM private.check_range('complexity score', p_complexity_score, 0, 1,
                                    'A complexity score is between 0 and 1, or NULL when unknown.');
    END IF;
    PERFORM private.check_json_object('metadata', p_metadata, 100000, 'Pass a JSON object, e.g. ''{}''.');
    PERFORM private.check_required('status', p_status, 'A work order starts pending or approved.');
    IF p_status NOT IN ('pending', 'approved') THEN
        RAISE EXCEPTION 'a work order cannot start %', quote_literal(left(p_status, 50))
            USING ERRCODE = '22023',
                  HINT = 'A work order starts pending or approved; move it on with set_work_order_status.';
    END IF;
    PERFORM set_config('moose.status_reason', 'created', true);
    INSERT INTO public.work_orders (title, description, priority, complexity_score, metadata, status)
    VALUES (v_title, p_description, p_priority, round(p_complexity_score, 3), p_metadata, p_status)
    RETURNING id INTO v_id;
    PERFORM set_config('moose.status_reason', '', true);
    RETURN v_id;
END
$$;

REVOKE ALL ON FUNCTION public.create_work_order(text, text, text, numeric, jsonb, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.create_work_order(text, text, text, numeric, jsonb, text) TO service_role, moose_runner;

COMMENT ON FUNCTION public.create_work_order(text, text, text, numeric, jsonb, text) IS 'Create a work order and return its id: title (1-500 characters), description, priority (low, medium, high, critical), complexity score (0..1 or NULL), metadata (JSON object), starting status (pending or approved). Bad input: 22004 / 22023 with a hint; the creation is recorded in work_order_history with reason ''created''.';
