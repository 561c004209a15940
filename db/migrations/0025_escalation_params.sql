-- Escalation decisions do only what their option says. The effect actions become one list with
-- their parameters, types and bounds (private.escalation_actions() now returns jsonb; the text[]
-- form goes). increase_daily_budget no longer sets daily_budget_limit to any value in range
-- (0 stopped all spend, a million passed): its new action raise_daily_budget accepts only an
-- increase over today's limit of at most escalation_budget_raise_max_multiple times it.
-- The validation trigger is dropped here because it calls the old form; moose migrate re-creates
-- it from db/triggers/escalations/escalation_policies_validate.sql right after.
-- depends: 0024_check_orchestrator_starts_it
--
-- Reviewed for a live database (squawk, docs/CONVENTIONS.md): private.escalation_actions() changes
-- its return type; its only callers are private functions and the trigger re-created in the same
-- run. Kept as applied: installed databases ran it before the lint existed, and a fresh install
-- runs it on new, near-empty tables.
-- squawk-ignore-file ban-drop-function

DROP TRIGGER IF EXISTS escalation_policies_validate ON public.escalation_policies;
DROP FUNCTION IF EXISTS private.escalation_actions();

INSERT INTO public.system_config (key, value, value_type, min_value, max_value, description) VALUES
    ('escalation_budget_raise_max_multiple', '2', 'numeric', 1.1, 10,
     'The largest daily budget an increase_daily_budget decision may set, as a multiple of today''s limit (an increase is above the limit and at most this times it).');

UPDATE public.escalation_policies AS p
SET resolution_options = (
    SELECT jsonb_agg(CASE WHEN o.value ->> 'key' = 'increase_daily_budget'
                          THEN o.value || $json${
                              "description": "Raise daily_budget_limit to params.value: above today's limit and at most escalation_budget_raise_max_multiple times it (requires approval: say whose in the notes).",
                              "effect": {"action": "raise_daily_budget"}}$json$::jsonb
                          ELSE o.value END ORDER BY o.ordinality)
    FROM jsonb_array_elements(p.resolution_options) WITH ORDINALITY AS o(value, ordinality))
WHERE p.trigger_type IN ('budget_warning', 'budget_critical');
