-- One function per escalation effect: every action private.escalation_actions() lists has its
-- private.escalation_effect_<action> (the dispatcher's only targets), every such function has an
-- action, each takes the dispatcher's one signature, and no API role can call one directly (an
-- effect runs only inside resolve_escalation, after its parameters were checked). The effects:
-- private.escalation_effect_amend
-- private.escalation_effect_cancel
-- private.escalation_effect_manual_review
-- private.escalation_effect_pause
-- private.escalation_effect_pause_non_critical
-- private.escalation_effect_raise_daily_budget
-- private.escalation_effect_raise_budget_cap
-- private.escalation_effect_record_only
-- private.escalation_effect_redecompose
-- private.escalation_effect_requeue
-- private.escalation_effect_retry
-- private.escalation_effect_revert
-- private.escalation_effect_set_config
-- private.escalation_effect_split
-- private.escalation_effect_start_orchestrator
-- private.escalation_effect_unblock
-- and their shared steps private.escalation_move_work_order and
-- private.escalation_cancel_for_follow_up.
BEGIN;
SELECT plan(21);

SELECT is(ARRAY(SELECT a FROM jsonb_object_keys(private.escalation_actions()) AS a
                WHERE to_regproc('private.escalation_effect_' || a) IS NULL ORDER BY a),
          '{}'::text[], 'every declared action has its effect function');
SELECT is(ARRAY(SELECT substr(p.proname, 19) FROM pg_proc AS p
                WHERE p.pronamespace = 'private'::regnamespace AND p.proname LIKE 'escalation\_effect\_%'
                  AND NOT private.escalation_actions() ? substr(p.proname, 19) ORDER BY 1),
          '{}'::text[], 'every effect function is a declared action');

SELECT has_function('private', f, ARRAY['escalations', 'work_orders', 'jsonb', 'jsonb', 'text'], 'private.' || f || ' takes the dispatcher''s arguments')
FROM unnest(ARRAY['escalation_effect_amend', 'escalation_effect_cancel', 'escalation_effect_manual_review',
                  'escalation_effect_pause', 'escalation_effect_pause_non_critical',
                  'escalation_effect_raise_daily_budget', 'escalation_effect_raise_budget_cap',
                  'escalation_effect_record_only',
                  'escalation_effect_redecompose', 'escalation_effect_requeue', 'escalation_effect_retry',
                  'escalation_effect_revert', 'escalation_effect_set_config', 'escalation_effect_split',
                  'escalation_effect_start_orchestrator', 'escalation_effect_unblock']) AS f;
SELECT has_function('private', 'escalation_move_work_order', ARRAY['escalations', 'work_orders', 'jsonb', 'text', 'jsonb'],
                    'the shared status move of the work-order effects exists');
SELECT has_function('private', 'escalation_cancel_for_follow_up',
                    ARRAY['escalations', 'work_orders', 'jsonb', 'text', 'text', 'text', 'text', 'text'],
                    'private.escalation_cancel_for_follow_up, the shared step of redecompose and revert, exists');

SELECT is(ARRAY(SELECT format('%s %s', r, p.oid::regprocedure) FROM pg_proc AS p
                CROSS JOIN unnest(ARRAY['anon', 'authenticated', 'service_role', 'moose_runner']) AS r
                WHERE p.pronamespace = 'private'::regnamespace
                  AND (p.proname LIKE 'escalation\_effect\_%'
                       OR p.proname IN ('escalation_move_work_order', 'escalation_cancel_for_follow_up'))
                  AND has_function_privilege(r, p.oid, 'EXECUTE') ORDER BY 1),
          '{}'::text[], 'no API role or the runner executes an effect directly');

SELECT * FROM finish();
ROLLBACK;
