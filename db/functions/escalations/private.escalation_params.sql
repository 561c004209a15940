-- The parameters a decision actually applies: checks resolve_escalation's p_params against the
-- option's action in private.escalation_actions() and returns the option's fixed values merged
-- (model, clean_state, a config key and value) merged with what the decider passed. A parameter the action does not declare, one the option fixes
-- (a decider cannot turn force_cheaper_model's value off), a missing required one, a wrong
-- type or one outside its bounds is refused with 22023 and a hint naming what the option takes.
-- Runs before the effect, so a refused decision writes nothing.
CREATE OR REPLACE FUNCTION private.escalation_params(p_option jsonb, p_params jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_key text := p_option ->> 'key';
    v_spec jsonb := private.escalation_actions() -> (p_option -> 'effect' ->> 'action');
    v_fixed jsonb;
    v_accepted jsonb;
    v_name text;
    v_rule jsonb;
    v_value jsonb;
    v_takes text;
    v_bad boolean;
BEGIN
    IF v_spec IS NULL THEN
        RAISE EXCEPTION 'option % names unknown action %', v_key, coalesce(p_option -> 'effect' ->> 'action', 'NULL')
            USING ERRCODE = '22023',
                  HINT = 'Known actions: ' || (SELECT string_agg(k, ', ' ORDER BY k) FROM jsonb_object_keys(private.escalation_actions()) AS k) || '.';
    END IF;
    -- What the option fixes in its effect (applied as is), and the parameters left to the decider.
    SELECT coalesce(jsonb_object_agg(e.key, e.value), '{}'::jsonb) INTO v_fixed
    FROM jsonb_each(p_option -> 'effect') AS e WHERE (v_spec -> 'fixes') ? e.key;
    SELECT coalesce(jsonb_object_agg(d.key, d.value), '{}'::jsonb) INTO v_accepted
    FROM jsonb_each(v_spec -> 'params') AS d WHERE NOT v_fixed ? d.key;
    v_takes := CASE WHEN v_accepted = '{}'::jsonb THEN format('Option %s takes no parameters: pass ''{}''.', v_key)
                    ELSE format('Option %s takes: %s.', v_key,
                                (SELECT string_agg(format('%s (%s%s%s)', d.key, d.value ->> 'type',
                                                          CASE WHEN (d.value ->> 'required')::boolean THEN ', required' ELSE '' END,
                                                          coalesce(', ' || (d.value ->> 'bounds'), '')), '; ' ORDER BY d.key)
                                 FROM jsonb_each(v_accepted) AS d)) END;

    FOR v_name IN SELECT k FROM jsonb_object_keys(p_params) AS k ORDER BY k LOOP
        IF v_fixed ? v_name THEN
            RAISE EXCEPTION 'option % fixes % = %; a decision cannot change it', v_key, v_name, v_fixed -> v_name
                USING ERRCODE = '22023', HINT = v_takes || ' Choose another option for another value.';
        END IF;
        IF NOT v_accepted ? v_name THEN
            RAISE EXCEPTION 'option % does not take params.%', v_key, left(v_name, 60)
                USING ERRCODE = '22023', HINT = v_takes;
        END IF;
    END LOOP;

    FOR v_name, v_rule IN SELECT d.key, d.value FROM jsonb_each(v_accepted) AS d ORDER BY d.key LOOP
        v_value := p_params -> v_name;
        IF v_value IS NULL THEN
            IF (v_rule ->> 'required')::boolean THEN
                RAISE EXCEPTION 'option % needs params.%', v_key, v_name
                    USING ERRCODE = '22023', HINT = v_takes || format(' E.g. {"%s": %s}.', v_name, v_rule -> 'example');
            END IF;
            CONTINUE;
        END IF;
        v_bad := jsonb_typeof(v_value) IS DISTINCT FROM v_rule ->> 'type' OR CASE jsonb_typeof(v_value)
            WHEN 'string' THEN private.is_blank(v_value #>> '{}')
                               OR length(v_value #>> '{}') < coalesce((v_rule ->> 'min_length')::integer, 0)
                               OR length(v_value #>> '{}') > coalesce((v_rule ->> 'max_length')::integer, 10000)
            WHEN 'number' THEN (v_value #>> '{}')::numeric < coalesce((v_rule ->> 'min')::numeric, '-Infinity')
                               OR (v_value #>> '{}')::numeric > coalesce((v_rule ->> 'max')::numeric, 'Infinity')
            WHEN 'array' THEN jsonb_array_length(v_value) < coalesce((v_rule ->> 'min_items')::integer, 0)
                              OR jsonb_array_length(v_value) > coalesce((v_rule ->> 'max_items')::integer, 1000)
            WHEN 'object' THEN (SELECT count(*) FROM jsonb_object_keys(v_value)) < coalesce((v_rule ->> 'min_keys')::integer, 0)
                               OR length(v_value::text) > coalesce((v_rule ->> 'max_length')::integer, 65536)
            ELSE false END;
        IF v_bad THEN
            RAISE EXCEPTION 'params.% of option % must be a % within its bounds, got %', v_name, v_key, v_rule ->> 'type',
                    left(v_value::text, 100)
                USING ERRCODE = '22023', HINT = v_takes || format(' E.g. {"%s": %s}.', v_name, v_rule -> 'example');
        END IF;
    END LOOP;
    RETURN v_fixed || p_params;
END
$$;

REVOKE ALL ON FUNCTION private.escalation_params(jsonb, jsonb) FROM PUBLIC;

COMMENT ON FUNCTION private.escalation_params(jsonb, jsonb) IS 'Check a decision''s params against its option''s action (private.escalation_actions): undeclared, option-fixed, missing required, wrongly typed or out-of-bounds parameters are 22023 with a hint. Returns the parameters applied (fixed || passed).';
