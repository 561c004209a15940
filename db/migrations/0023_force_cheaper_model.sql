-- The budget escalations' force_cheaper_model decision now does what it says: while
-- budget_force_hard_cap_model is true, every reservation must use budget_hard_cap_model
-- whatever the spend tier (the tiers alone force it only from tier_hard_cap_pct). The option
-- sets the key through update_config (validated, audited); setting it back to false lifts it.
-- The budget gate reads the flag from its config copy like the other budget keys.
-- depends: 0014_budget_hot_path 0021_escalation_workflow

INSERT INTO public.system_config (key, value, value_type, min_value, max_value, description) VALUES
    ('budget_force_hard_cap_model', 'false', 'boolean', NULL, NULL,
     'While true every reservation must use budget_hard_cap_model, whatever the spend tier (set by the force_cheaper_model decision of a budget escalation; set it to false to lift it).')
ON CONFLICT (key) DO NOTHING;

ALTER TYPE private.budget_settings_t ADD ATTRIBUTE force_hard_cap boolean;
ALTER TABLE private.budget_config ADD COLUMN force_hard_cap boolean;
COMMENT ON COLUMN private.budget_config.force_hard_cap IS 'system_config.budget_force_hard_cap_model.';

UPDATE public.escalation_policies AS p
SET resolution_options = (
    SELECT jsonb_agg(CASE WHEN o.value ->> 'key' = 'force_cheaper_model'
                          THEN o.value || $json${
                              "description": "Every reservation must use the hard-cap model (budget_hard_cap_model, gpt-4o-mini) from now on, whatever the spend tier: sets budget_force_hard_cap_model to true. Set it back to false to lift it.",
                              "effect": {"action": "set_config", "key": "budget_force_hard_cap_model", "value": true}}$json$::jsonb
                          ELSE o.value END ORDER BY o.ordinality)
    FROM jsonb_array_elements(p.resolution_options) WITH ORDINALITY AS o(value, ordinality))
WHERE p.trigger_type IN ('budget_warning', 'budget_critical');
