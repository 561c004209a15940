-- Which model a caller must use in a spend tier (runbook 1.3): the requested model as is when
-- its policy allows the tier; in warning its cheaper alternative (down the chain to the first
-- allowed one, else the hard-cap model); in hard_cap the hard-cap model; in critical only the
-- hard-cap model (anything else is refused); nothing in emergency_kill.
CREATE OR REPLACE FUNCTION private.budget_model_for(
    p_model text, p_tier text, p_hard_cap_model text, OUT model text, OUT decision text
)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_allowed text[];
    v_next text;
    v_after text;
    v_known boolean;
    v_steps integer := 0;
BEGIN
    IF p_tier = 'emergency_kill' THEN
        model := NULL;
        decision := 'refused';
        RETURN;
    END IF;
    IF p_model IS NULL THEN
        IF p_tier IN ('hard_cap', 'critical') THEN
            model := p_hard_cap_model;
            decision := 'forced';
        ELSE
            model := NULL;
            decision := 'any';
        END IF;
        RETURN;
    END IF;
    IF p_model = p_hard_cap_model THEN
        model := p_model;
        decision := 'as_is';
        RETURN;
    END IF;

    SELECT mp.allowed_tiers, mp.cheaper_alternative INTO v_allowed, v_next
    FROM public.model_policies AS mp WHERE mp.model = p_model;
    v_known := FOUND;
    IF (v_known AND p_tier = ANY (v_allowed)) OR (NOT v_known AND p_tier = 'normal') THEN
        model := p_model;
        decision := 'as_is';
        RETURN;
    END IF;

    IF p_tier = 'warning' THEN
        -- Walk the cheaper_alternative chain (bounded: a cycle cannot loop forever).
        WHILE v_next IS NOT NULL AND v_steps < 20 LOOP
            v_steps := v_steps + 1;
            IF v_next = p_hard_cap_model THEN
                model := v_next;
                decision := 'downgraded';
                RETURN;
            END IF;
            SELECT mp.allowed_tiers, mp.cheaper_alternative INTO v_allowed, v_after
            FROM public.model_policies AS mp WHERE mp.model = v_next;
            IF FOUND AND 'warning' = ANY (v_allowed) THEN
                model := v_next;
                decision := 'downgraded';
                RETURN;
            END IF;
            v_next := v_after;
        END LOOP;
        model := p_hard_cap_model;
        decision := 'forced';
    ELSIF p_tier = 'hard_cap' THEN
        model := p_hard_cap_model;
        decision := 'forced';
    ELSE
        model := NULL;
        decision := 'refused';
    END IF;
END
$$;

REVOKE ALL ON FUNCTION private.budget_model_for(text, text, text) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_model_for(text, text, text) IS 'Model decision for a requested model in a tier: (model, decision) with decision any, as_is, downgraded, forced or refused (critical tier with a model other than the hard-cap one; emergency_kill).';
