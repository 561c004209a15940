-- The effects an escalation option may name (escalation_policies.resolution_options[].effect
-- .action). Options are data; these are the verbs private.apply_escalation_effect knows.
CREATE OR REPLACE FUNCTION private.escalation_actions()
RETURNS text[]
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT ARRAY['retry', 'amend', 'split', 'redecompose', 'revert', 'pause', 'pause_non_critical',
                 'set_config', 'start_orchestrator', 'requeue', 'unblock', 'manual_review', 'cancel', 'record_only'];
$$;

REVOKE ALL ON FUNCTION private.escalation_actions() FROM PUBLIC;

COMMENT ON FUNCTION private.escalation_actions() IS
    'The effect actions an escalation option may name; private.apply_escalation_effect executes them.';
