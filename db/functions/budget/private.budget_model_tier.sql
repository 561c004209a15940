-- The tier whose model rules apply to a reservation: the spend tier, except that while
-- budget_force_hard_cap_model is on (the force_cheaper_model decision) the normal and warning
-- tiers get the hard-cap tier's rule (the hard-cap model, forced). Plain SQL without SET so the
-- reservation gate inlines it.
CREATE OR REPLACE FUNCTION private.budget_model_tier(p_tier text, p_settings private.budget_settings_t) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_settings.force_hard_cap AND p_tier IN ('normal', 'warning') THEN 'hard_cap' ELSE p_tier END
$$;

REVOKE ALL ON FUNCTION private.budget_model_tier(text, private.budget_settings_t) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_model_tier(text, private.budget_settings_t) IS 'The tier whose model rule applies: the spend tier, or hard_cap for normal and warning while budget_force_hard_cap_model is on.';
