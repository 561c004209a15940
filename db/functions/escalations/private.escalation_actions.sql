-- The one list of escalation effects: every action an option may name
-- (escalation_policies.resolution_options[].effect.action), what it acts on, and the parameters
-- a decider may pass to resolve_escalation (p_params), each with its type and bounds:
--   scope   "work_order" (needs the escalation's work order, locked) or "system"
--   params  {name: {type: string|number|object|array, required, min_length, max_length,
--                   min, max, min_items, max_items, min_keys, bounds (words for what the effect
--                   checks itself), example}}
--   fixes   the effect fields an option may set; a field that is also a parameter is then fixed
--           by the option and may not be passed (retry_stronger_model's model, force_cheaper_model's
--           value)
-- private.escalation_params checks a decision's params against this; private.apply_escalation_effect
-- dispatches to private.escalation_effect_<action>. A new action: an entry here, its function,
-- one WHEN in the dispatcher.
CREATE OR REPLACE FUNCTION private.escalation_actions() RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT $json${
      "retry": {"scope": "work_order",
                "params": {"model": {"type": "string", "min_length": 1, "max_length": 200, "example": "claude-sonnet-4.5"}},
                "fixes": ["model", "clean_state"]},
      "amend": {"scope": "work_order",
                "params": {"amendments": {"type": "object", "required": true, "min_keys": 1, "max_length": 65536,
                                          "example": {"acceptance_criteria": ["..."], "files_in_scope": ["src/x.ts"]}},
                           "model": {"type": "string", "min_length": 1, "max_length": 200, "example": "claude-sonnet-4.5"}},
                "fixes": ["model"]},
      "split": {"scope": "work_order",
                "params": {"parts": {"type": "array", "required": true, "min_items": 2, "max_items": 20,
                                     "bounds": "each part an object with a non-blank title of at most 500 characters and an optional description string",
                                     "example": [{"title": "API half"}, {"title": "UI half", "description": "..."}]}},
                "fixes": []},
      "redecompose": {"scope": "work_order", "params": {}, "fixes": []},
      "revert": {"scope": "work_order", "params": {}, "fixes": []},
      "pause": {"scope": "work_order", "params": {}, "fixes": []},
      "requeue": {"scope": "work_order", "params": {}, "fixes": []},
      "unblock": {"scope": "work_order", "params": {}, "fixes": []},
      "manual_review": {"scope": "work_order", "params": {}, "fixes": []},
      "cancel": {"scope": "work_order", "params": {}, "fixes": []},
      "pause_non_critical": {"scope": "system", "params": {}, "fixes": []},
      "set_config": {"scope": "system", "params": {}, "fixes": ["key", "value"]},
      "raise_daily_budget": {"scope": "system",
                             "params": {"value": {"type": "number", "required": true,
                                                  "bounds": "above today's daily_budget_limit, at most escalation_budget_raise_max_multiple times it",
                                                  "example": 150}},
                             "fixes": []},
      "raise_budget_cap": {"scope": "system",
                           "params": {"value": {"type": "number", "required": true,
                                                "bounds": "above the capped budget's current limit, at most escalation_budget_raise_max_multiple times it",
                                                "example": 40}},
                           "fixes": []},
      "start_orchestrator": {"scope": "system", "params": {}, "fixes": []},
      "record_only": {"scope": "system", "params": {}, "fixes": []}
    }$json$::jsonb;
$$;

REVOKE ALL ON FUNCTION private.escalation_actions() FROM PUBLIC;

COMMENT ON FUNCTION private.escalation_actions() IS 'The escalation effect actions: {action: {scope, params: {name: {type, bounds...}}, fixes}}; the one list resolve_escalation, the dispatcher and the policy validation read.';
