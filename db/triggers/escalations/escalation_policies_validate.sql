-- Resolution options are data a DBA may edit; this keeps them in the shape resolve_escalation
-- and recommend_resolution rely on: an array of objects with a unique key, label, description,
-- pros and cons arrays, an effect whose action is known (private.escalation_actions) and which
-- sets only the fields that action lets an option fix (set_config: an existing key and its value), requires_notes, a prior in [0, 1] and
-- well-formed context rules. A bad edit is refused (22023) instead of breaking decisions later.
CREATE OR REPLACE FUNCTION private.escalation_policies_validate() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_option jsonb;
    v_rule jsonb;
    v_where text;
    v_spec jsonb;
    v_extra text;
BEGIN
    IF (SELECT count(DISTINCT o.value ->> 'key') <> count(*) FROM jsonb_array_elements(NEW.resolution_options) AS o(value)) THEN
        RAISE EXCEPTION 'resolution options of % have duplicate keys', NEW.trigger_type
            USING ERRCODE = '22023', HINT = 'Give every option its own key.';
    END IF;
    FOR v_option IN SELECT o.value FROM jsonb_array_elements(NEW.resolution_options) AS o(value) LOOP
        v_where := format('option %s of %s', coalesce(v_option ->> 'key', '?'), NEW.trigger_type);
        IF jsonb_typeof(v_option) <> 'object'
           OR coalesce(v_option ->> 'key', '') !~ '^[a-z][a-z0-9_]{0,62}$'
           OR jsonb_typeof(v_option -> 'label') IS DISTINCT FROM 'string'
           OR jsonb_typeof(v_option -> 'description') IS DISTINCT FROM 'string'
           OR jsonb_typeof(v_option -> 'pros') IS DISTINCT FROM 'array'
           OR jsonb_typeof(v_option -> 'cons') IS DISTINCT FROM 'array'
           OR jsonb_typeof(v_option -> 'requires_notes') IS DISTINCT FROM 'boolean'
           OR jsonb_typeof(v_option -> 'prior') IS DISTINCT FROM 'number'
           OR (v_option ->> 'prior')::numeric NOT BETWEEN 0 AND 1
           OR jsonb_typeof(v_option -> 'effect') IS DISTINCT FROM 'object' THEN
            RAISE EXCEPTION '% is malformed', v_where
                USING ERRCODE = '22023',
                      HINT = 'Each option: {"key": "snake_case", "label", "description", "pros": [], "cons": [], "effect": {"action": ...}, "requires_notes": bool, "prior": 0..1, "context_rules": []}.';
        END IF;
        v_spec := private.escalation_actions() -> (v_option -> 'effect' ->> 'action');
        IF v_spec IS NULL THEN
            RAISE EXCEPTION '% has unknown effect action %', v_where, coalesce(v_option -> 'effect' ->> 'action', 'NULL')
                USING ERRCODE = '22023',
                      HINT = 'Known actions: ' || (SELECT string_agg(k, ', ' ORDER BY k) FROM jsonb_object_keys(private.escalation_actions()) AS k) || '.';
        END IF;
        SELECT string_agg(e.key, ', ') INTO v_extra
        FROM jsonb_object_keys(v_option -> 'effect') AS e(key)
        WHERE e.key <> 'action' AND NOT (v_spec -> 'fixes') ? e.key;
        IF v_extra IS NOT NULL THEN
            RAISE EXCEPTION '% sets effect fields its action % does not take: %', v_where, v_option -> 'effect' ->> 'action', v_extra
                USING ERRCODE = '22023',
                      HINT = format('Action %s lets an option fix: %s (see private.escalation_actions()).', v_option -> 'effect' ->> 'action',
                                    coalesce((SELECT string_agg(f, ', ') FROM jsonb_array_elements_text(v_spec -> 'fixes') AS f), 'nothing'));
        END IF;
        IF v_option -> 'effect' ->> 'action' = 'set_config' AND (NOT EXISTS (
               SELECT 1 FROM public.system_config AS c WHERE c.key = v_option -> 'effect' ->> 'key')
               OR NOT (v_option -> 'effect') ? 'value') THEN
            RAISE EXCEPTION '% must fix an existing config key and its value, got key %', v_where, coalesce(v_option -> 'effect' ->> 'key', 'NULL')
                USING ERRCODE = '22023',
                      HINT = 'effect.key names a row of system_config and effect.value is the value the decision sets; for a raise of the daily budget use action raise_daily_budget.';
        END IF;
        IF jsonb_typeof(coalesce(v_option -> 'context_rules', '[]'::jsonb)) <> 'array' THEN
            RAISE EXCEPTION '% context_rules must be an array', v_where USING ERRCODE = '22023', HINT = 'Use [] for none.';
        END IF;
        FOR v_rule IN SELECT r.value FROM jsonb_array_elements(coalesce(v_option -> 'context_rules', '[]'::jsonb)) AS r(value) LOOP
            IF jsonb_typeof(v_rule -> 'field') IS DISTINCT FROM 'string'
               OR coalesce(v_rule ->> 'op', '') NOT IN ('eq', 'ne', 'in', 'gt', 'gte', 'lt', 'lte')
               OR jsonb_typeof(v_rule -> 'adjust') IS DISTINCT FROM 'number'
               OR NOT v_rule ? 'value'
               OR (v_rule ->> 'op' IN ('gt', 'gte', 'lt', 'lte') AND jsonb_typeof(v_rule -> 'value') <> 'number')
               OR (v_rule ->> 'op' = 'in' AND jsonb_typeof(v_rule -> 'value') <> 'array') THEN
                RAISE EXCEPTION '% has a malformed context rule %', v_where, left(v_rule::text, 200)
                    USING ERRCODE = '22023',
                          HINT = 'Rule: {"field": "model_used", "op": "eq|ne|in|gt|gte|lt|lte", "value": ..., "adjust": -0.3, "why": "..."}.';
            END IF;
        END LOOP;
    END LOOP;
    RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER escalation_policies_validate
    BEFORE INSERT OR UPDATE OF resolution_options ON public.escalation_policies
    FOR EACH ROW EXECUTE FUNCTION private.escalation_policies_validate();

REVOKE ALL ON FUNCTION private.escalation_policies_validate() FROM PUBLIC;
COMMENT ON FUNCTION private.escalation_policies_validate() IS 'Trigger function: refuses malformed escalation_policies.resolution_options (22023).';
COMMENT ON TRIGGER escalation_policies_validate ON public.escalation_policies IS 'Keeps resolution options well-formed: known effect actions, priors in [0,1], valid context rules.';
