-- The stuck_work_order option check_orchestrator now restarts the orchestrator (runbook 4.3:
-- `{"action": "start"}`) instead of only recording the decision: the effect calls
-- orchestrator_start() in the deciding transaction, audited with the decider; while the
-- emergency kill switch is on it is refused and the decision rolls back (resume_operations
-- restarts everything the kill stopped).
-- depends: 0021_escalation_workflow

-- The validation trigger of an upgraded database checks the option below against this list,
-- so the new verb is defined here first (db/functions/escalations/private.escalation_actions.sql, which
-- moose migrate re-applies right after, holds the same list).
CREATE OR REPLACE FUNCTION private.escalation_actions()
RETURNS text[]
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT ARRAY['retry', 'amend', 'split', 'redecompose', 'revert', 'pause', 'pause_non_critical',
                 'set_config', 'start_orchestrator', 'requeue', 'unblock', 'manual_review', 'cancel', 'record_only'];
$$;

UPDATE public.escalation_policies AS p
SET resolution_options = (
    SELECT jsonb_agg(CASE WHEN o.value ->> 'key' = 'check_orchestrator'
                          THEN o.value || $json${
                              "label": "Restart the orchestrator",
                              "description": "Runbook 4.3: the orchestrator is not polling. Marks it running again (orchestrator_start), then the work order moves by itself; refused while the kill switch is on.",
                              "effect": {"action": "start_orchestrator"}}$json$::jsonb
                          ELSE o.value END ORDER BY o.ordinality)
    FROM jsonb_array_elements(p.resolution_options) WITH ORDINALITY AS o(value, ordinality))
WHERE p.trigger_type = 'stuck_work_order';
