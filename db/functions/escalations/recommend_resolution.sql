-- The recommended option for an escalation, with a confidence, computed from data:
--   prior(option)  = option.prior + the adjust of every context rule whose fact matches
--                    (private.escalation_facts), clamped to [0.05, 0.95];
--   history        = past resolved escalations of the same type (the latest
--                    recommendation_history_limit, 500) decided with that option whose outcome
--                    is known (private.escalation_outcome): n decisions, s succeeded;
--   rate           = (s + 1) / (n + 2)           (Laplace: no history = 0.5);
--   w              = n / (n + recommendation_evidence_weight);
--   score          = (1 - w) * prior + w * rate;  recommended = highest score (ties: listed first);
--   confidence     = min(0.95, 0.25 + 0.7 * w_best * rate_best).
-- With no history the confidence is 0.25 (low) and the explanation says so; it takes many
-- successful past decisions of the option (w and rate near 1) to pass the runbook's 80% "trust
-- the recommendation" bar.
CREATE OR REPLACE FUNCTION public.recommend_resolution(p_escalation_id uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_e public.escalations%ROWTYPE;
    v_options jsonb;
    v_facts jsonb;
    v_k numeric := private.config_numeric('recommendation_evidence_weight');
    v_scores jsonb;
    v_best jsonb;
    v_known integer;
    v_confidence numeric;
    v_explanation text;
BEGIN
    PERFORM private.check_required('escalation id', p_escalation_id, 'Pass an id from escalations.');
    SELECT * INTO v_e FROM public.escalations AS e WHERE e.id = p_escalation_id;
    PERFORM private.check_found(FOUND, 'escalation', p_escalation_id,
        'List open ones with: SELECT * FROM open_escalations;');
    SELECT p.resolution_options INTO v_options FROM public.escalation_policies AS p WHERE p.trigger_type = v_e.trigger_type;
    IF v_options IS NULL OR jsonb_array_length(v_options) = 0 THEN
        RETURN jsonb_build_object('option', NULL, 'confidence', 0, 'basis', 'no_options',
            'explanation', format('Escalation type %s has no resolution options: decide by hand and dismiss it with notes.', v_e.trigger_type),
            'scores', '[]'::jsonb);
    END IF;
    v_facts := private.escalation_facts(p_escalation_id);

    WITH opt AS (
        SELECT o.value AS option, o.ord
        FROM jsonb_array_elements(v_options) WITH ORDINALITY AS o(value, ord)
    ), rules AS (
        SELECT opt.ord,
               coalesce(sum((r.value ->> 'adjust')::numeric), 0) AS adjust,
               coalesce(jsonb_agg(r.value ->> 'why') FILTER (WHERE r.value IS NOT NULL), '[]'::jsonb) AS matched
        FROM opt
        LEFT JOIN LATERAL jsonb_array_elements(coalesce(opt.option -> 'context_rules', '[]'::jsonb)) AS r(value)
          ON CASE r.value ->> 'op'
                 WHEN 'eq' THEN v_facts ->> (r.value ->> 'field') = r.value ->> 'value'
                 WHEN 'ne' THEN v_facts ->> (r.value ->> 'field') <> r.value ->> 'value'
                 WHEN 'in' THEN (r.value -> 'value') ? (v_facts ->> (r.value ->> 'field'))
                 ELSE jsonb_typeof(v_facts -> (r.value ->> 'field')) = 'number'
                      AND jsonb_typeof(r.value -> 'value') = 'number'
                      AND CASE r.value ->> 'op'
                              WHEN 'gt' THEN (v_facts ->> (r.value ->> 'field'))::numeric > (r.value ->> 'value')::numeric
                              WHEN 'gte' THEN (v_facts ->> (r.value ->> 'field'))::numeric >= (r.value ->> 'value')::numeric
                              WHEN 'lt' THEN (v_facts ->> (r.value ->> 'field'))::numeric < (r.value ->> 'value')::numeric
                              WHEN 'lte' THEN (v_facts ->> (r.value ->> 'field'))::numeric <= (r.value ->> 'value')::numeric
                              ELSE false END
             END
        GROUP BY opt.ord
    ), past AS (
        SELECT h.decision_option, private.escalation_outcome(h.id) AS outcome
        FROM (SELECT e.id, e.decision_option FROM public.escalations AS e
              WHERE e.trigger_type = v_e.trigger_type AND e.status = 'resolved' AND e.id <> v_e.id
              ORDER BY e.resolved_at DESC
              LIMIT private.config_numeric('recommendation_history_limit')::integer) AS h
    ), history AS (
        SELECT past.decision_option,
               count(*) FILTER (WHERE past.outcome IN ('succeeded', 'failed')) AS n,
               count(*) FILTER (WHERE past.outcome = 'succeeded') AS s
        FROM past GROUP BY past.decision_option
    ), scored AS (
        SELECT opt.ord, opt.option ->> 'key' AS key, opt.option ->> 'label' AS label,
               greatest(0.05, least(0.95, (opt.option ->> 'prior')::numeric + rules.adjust)) AS prior,
               rules.matched,
               coalesce(history.n, 0) AS n, coalesce(history.s, 0) AS s
        FROM opt JOIN rules USING (ord)
        LEFT JOIN history ON history.decision_option = opt.option ->> 'key'
    ), final AS (
        SELECT scored.*,
               (scored.s + 1)::numeric / (scored.n + 2) AS rate,
               scored.n / (scored.n + v_k) AS w
        FROM scored
    )
    SELECT jsonb_agg(jsonb_build_object(
               'option', f.key, 'label', f.label,
               'score', round((1 - f.w) * f.prior + f.w * f.rate, 3),
               'prior', round(f.prior, 3), 'matched_rules', f.matched,
               'decisions', f.n, 'succeeded', f.s, 'success_rate', round(f.rate, 3), 'weight', round(f.w, 3))
             ORDER BY (1 - f.w) * f.prior + f.w * f.rate DESC, f.ord),
           sum(f.n)
    INTO v_scores, v_known
    FROM final AS f;

    v_best := v_scores -> 0;
    v_confidence := round(least(0.95, 0.25 + 0.7 * (v_best ->> 'weight')::numeric * (v_best ->> 'success_rate')::numeric), 2);
    IF v_known = 0 THEN
        v_explanation := format('No past %s decisions with a known outcome: recommendation from the context rules only, low confidence.',
                                v_e.trigger_type);
    ELSE
        v_explanation := format('%s of %s past %s decisions with this option succeeded (%s decisions of this type with a known outcome in all).',
                                v_best ->> 'succeeded', v_best ->> 'decisions', v_e.trigger_type, v_known);
    END IF;
    IF jsonb_array_length(v_best -> 'matched_rules') > 0 THEN
        v_explanation := v_explanation || ' Context: ' ||
            (SELECT string_agg(x, '; ') FROM jsonb_array_elements_text(v_best -> 'matched_rules') AS x) || '.';
    END IF;
    RETURN jsonb_build_object(
        'option', v_best ->> 'option', 'label', v_best ->> 'label', 'confidence', v_confidence,
        'basis', CASE WHEN v_known = 0 THEN 'context_only' ELSE 'history' END,
        'explanation', v_explanation, 'decisions_known', v_known,
        'facts', v_facts - 'reason', 'scores', v_scores, 'computed_at', now());
END
$$;

REVOKE ALL ON FUNCTION public.recommend_resolution(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.recommend_resolution(uuid) TO authenticated, service_role, moose_runner;

COMMENT ON FUNCTION public.recommend_resolution(uuid) IS 'Recommended option with confidence for an escalation: option prior adjusted by context rules (model, cost, attempts...), blended with how past decisions of the type turned out. No history: basis context_only, confidence 0.25.';
