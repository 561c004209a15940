-- Escalation workflow state: the decision log (runbook 3.2's template) and the stored
-- recommendation on each escalation, the once-only SLA breach marker, and the per-type
-- resolution options of runbook 3.1 seeded as data (key, label, description, pros, cons, the
-- effect on the work order, whether notes are required, and the scoring rules behind the
-- recommendation).
-- depends: 0020_work_order_lifecycle
--
-- Reviewed for a live database (squawk, docs/CONVENTIONS.md): index on escalations: writes to it
-- wait for the build (CONCURRENTLY cannot run in moose migrate's transaction). Kept as applied:
-- installed databases ran it before the lint existed, and a fresh install runs it on new, near-
-- empty tables.
-- squawk-ignore-file require-concurrent-index-creation

ALTER TABLE public.escalations
    ADD COLUMN recommendation          jsonb CHECK (recommendation IS NULL OR jsonb_typeof(recommendation) = 'object'),
    ADD COLUMN decision_option         text,
    ADD COLUMN decision_reasoning      text CHECK (length(decision_reasoning) <= 10000),
    ADD COLUMN expected_outcome        text CHECK (length(expected_outcome) <= 10000),
    ADD COLUMN fallback_plan           text CHECK (length(fallback_plan) <= 10000),
    ADD COLUMN follow_up               text CHECK (length(follow_up) <= 10000),
    ADD COLUMN decision_effect         jsonb CHECK (decision_effect IS NULL OR jsonb_typeof(decision_effect) = 'object'),
    ADD COLUMN followed_recommendation boolean,
    ADD COLUMN sla_breach_alerted_at   timestamptz;
COMMENT ON COLUMN public.escalations.recommendation IS 'recommend_resolution() at creation: {option, confidence, basis, explanation, scores}.';
COMMENT ON COLUMN public.escalations.decision_option IS 'Runbook 3.2 decision log: the option key chosen (resolve_escalation).';
COMMENT ON COLUMN public.escalations.decision_reasoning IS 'Runbook 3.2 decision log: why this option (the notes).';
COMMENT ON COLUMN public.escalations.expected_outcome IS 'Runbook 3.2 decision log: what should happen next.';
COMMENT ON COLUMN public.escalations.fallback_plan IS 'Runbook 3.2 decision log: what if it does not work.';
COMMENT ON COLUMN public.escalations.follow_up IS 'Runbook 3.2 decision log: monitoring or verification needed.';
COMMENT ON COLUMN public.escalations.decision_effect IS 'What the decision did to the work order(s), as executed in the deciding transaction.';
COMMENT ON COLUMN public.escalations.sla_breach_alerted_at IS 'Set by check_escalation_slas() when the SLA breach alert was raised: once per escalation.';

-- Past decisions of a type, for the recommendation's history term.
CREATE INDEX escalations_decided_idx ON public.escalations (trigger_type, resolved_at DESC)
    WHERE status = 'resolved';

-- Runbook 3.1's options. prior: the option's standing before any history (0..1);
-- context_rules: adjustments when a fact about the escalation matches (facts: model_used,
-- cost_spent, attempts, test_failure_cycles, complexity_score, work_order_status,
-- orchestrator_status, for budget types percentage, daily_total, retry_storms_last_hour, and any
-- key of the escalation context).
UPDATE public.escalation_policies SET resolution_options = $json$[
  {"key": "retry_stronger_model", "label": "Retry with a different approach",
   "description": "Requeue the work order with a stronger model (gpt-4o-mini -> claude-sonnet-4.5) and fresh attempt counters.",
   "pros": ["Cheapest human effort", "Often enough when the cheap model was the limit"],
   "cons": ["Spends more per attempt", "Useless if the stronger model already failed"],
   "effect": {"action": "retry", "model": "claude-sonnet-4.5"}, "requires_notes": false, "prior": 0.6,
   "context_rules": [
     {"field": "model_used", "op": "eq", "value": "claude-sonnet-4.5", "adjust": -0.35, "why": "the stronger model already failed"},
     {"field": "attempts", "op": "gte", "value": 6, "adjust": -0.15, "why": "many attempts already"},
     {"field": "cost_spent", "op": "gt", "value": 5, "adjust": -0.1, "why": "already expensive"}]},
  {"key": "pivot_solution", "label": "Pivot solution",
   "description": "Change acceptance criteria or files in scope (params.amendments) and requeue.",
   "pros": ["Fixes a badly specified work order"], "cons": ["Needs a human to rewrite the scope"],
   "effect": {"action": "amend"}, "requires_notes": true, "prior": 0.45,
   "context_rules": [{"field": "attempts", "op": "gte", "value": 6, "adjust": 0.1, "why": "repeated failure hints at a bad specification"}]},
  {"key": "split_work_order", "label": "Amend work orders: split into smaller chunks",
   "description": "Cancel this work order and create the parts given in params.parts as new pending work orders.",
   "pros": ["Smaller work orders succeed more often"], "cons": ["More work orders to track", "Someone must define the parts"],
   "effect": {"action": "split"}, "requires_notes": true, "prior": 0.4,
   "context_rules": [
     {"field": "complexity_score", "op": "gte", "value": 0.7, "adjust": 0.2, "why": "complex work order"},
     {"field": "attempts", "op": "gte", "value": 5, "adjust": 0.1, "why": "many attempts already"}]},
  {"key": "abort_redesign", "label": "Abort and redesign",
   "description": "Cancel the work order and send it to the Architect for re-decomposition.",
   "pros": ["Stops the spend at once", "Fixes a wrong decomposition"], "cons": ["Throws away the work done"],
   "effect": {"action": "redecompose"}, "requires_notes": true, "prior": 0.3,
   "context_rules": [
     {"field": "cost_spent", "op": "gt", "value": 10, "adjust": 0.25, "why": "already very expensive"},
     {"field": "model_used", "op": "eq", "value": "claude-sonnet-4.5", "adjust": 0.15, "why": "the stronger model already failed"}]}
]$json$::jsonb WHERE trigger_type = 'retry_exhausted';

UPDATE public.escalation_policies SET resolution_options = $json$[
  {"key": "pause_non_critical", "label": "Pause non-critical work orders",
   "description": "Pause every pending or approved work order of priority low or medium.",
   "pros": ["Stops most new spend at once", "Critical work continues"], "cons": ["Delays routine work"],
   "effect": {"action": "pause_non_critical"}, "requires_notes": false, "prior": 0.55,
   "context_rules": [{"field": "percentage", "op": "gte", "value": 90, "adjust": 0.15, "why": "close to the limit"},
                     {"field": "kill_id", "op": "ne", "value": "", "adjust": -0.35, "why": "the kill switch already paused queued work"}]},
  {"key": "force_cheaper_model", "label": "Force cheaper model",
   "description": "Override to gpt-4o-mini for all requests (the budget tiers do this from the hard cap); records the decision.",
   "pros": ["Work continues at lower cost"], "cons": ["Lower quality, more refinement cycles"],
   "effect": {"action": "record_only"}, "requires_notes": false, "prior": 0.45, "context_rules": []},
  {"key": "increase_daily_budget", "label": "Increase daily budget",
   "description": "Raise daily_budget_limit to params.value (requires approval: say whose in the notes).",
   "pros": ["No work is delayed"], "cons": ["Spends more money", "Hides a cost anomaly"],
   "effect": {"action": "set_config", "key": "daily_budget_limit"}, "requires_notes": true, "prior": 0.2, "context_rules": []},
  {"key": "investigate_cost_anomaly", "label": "Investigate cost anomaly",
   "description": "Check for retry storms or infinite loops (view retry_storms) before spending more; records the decision.",
   "pros": ["Finds the root cause"], "cons": ["Spend continues while investigating"],
   "effect": {"action": "record_only"}, "requires_notes": true, "prior": 0.4,
   "context_rules": [{"field": "retry_storms_last_hour", "op": "gt", "value": 0, "adjust": 0.3, "why": "a retry storm in the last hour"},
                     {"field": "kill_id", "op": "ne", "value": "", "adjust": 0.2, "why": "after a kill, find the cause before resuming (runbook 5.1)"}]}
]$json$::jsonb WHERE trigger_type IN ('budget_warning', 'budget_critical');

UPDATE public.escalation_policies SET resolution_options = $json$[
  {"key": "flaky_test", "label": "Flaky test",
   "description": "Mark as known flaky: reset the failure count and return the work order to where it was.",
   "pros": ["Unblocks at once"], "cons": ["Hides a real failure if wrong"],
   "effect": {"action": "unblock"}, "requires_notes": true, "prior": 0.3, "context_rules": []},
  {"key": "real_failure_retry", "label": "Real failure: retry with context",
   "description": "Requeue the work order with the failure context (the notes) as instructions.",
   "pros": ["Fixes the code through the normal path"], "cons": ["Costs another attempt"],
   "effect": {"action": "retry"}, "requires_notes": false, "prior": 0.55,
   "context_rules": [{"field": "test_failure_cycles", "op": "gte", "value": 6, "adjust": -0.2, "why": "retries have not helped"}]},
  {"key": "environment_issue", "label": "Environment issue",
   "description": "Pause the work order while dependencies or API availability are checked.",
   "pros": ["No spend on a broken environment"], "cons": ["Needs someone to resume it"],
   "effect": {"action": "pause"}, "requires_notes": true, "prior": 0.3, "context_rules": []},
  {"key": "revalidate_contracts", "label": "Contract violation: re-validate",
   "description": "Requeue with amended integration points (params.amendments) after re-validating contracts.",
   "pros": ["Addresses integration breakage"], "cons": ["Needs the contract owner"],
   "effect": {"action": "amend"}, "requires_notes": true, "prior": 0.25, "context_rules": []}
]$json$::jsonb WHERE trigger_type = 'test_failures';

UPDATE public.escalation_policies SET resolution_options = $json$[
  {"key": "revert_changes", "label": "Revert changes",
   "description": "Cancel the work order and request a rollback to the previous version.",
   "pros": ["Dependents are safe at once"], "cons": ["The change is lost"],
   "effect": {"action": "revert"}, "requires_notes": true, "prior": 0.5, "context_rules": []},
  {"key": "fix_compatibility", "label": "Fix compatibility",
   "description": "Requeue the work order with instructions to keep backward compatibility.",
   "pros": ["Keeps the change and the contract"], "cons": ["Another attempt to pay for"],
   "effect": {"action": "retry"}, "requires_notes": false, "prior": 0.55,
   "context_rules": [{"field": "cost_spent", "op": "gt", "value": 10, "adjust": -0.15, "why": "already expensive"}]},
  {"key": "update_contract", "label": "Update contract",
   "description": "The breaking change is intentional: version the contract; the work order returns to where it was.",
   "pros": ["No rework"], "cons": ["Dependents must adapt"],
   "effect": {"action": "unblock"}, "requires_notes": true, "prior": 0.3, "context_rules": []},
  {"key": "coordinate_dependents", "label": "Coordinate with dependents",
   "description": "Pause the work order while affected teams and services are notified.",
   "pros": ["No surprise for dependents"], "cons": ["Slow"],
   "effect": {"action": "pause"}, "requires_notes": true, "prior": 0.2, "context_rules": []}
]$json$::jsonb WHERE trigger_type = 'contract_violation';

UPDATE public.escalation_policies SET resolution_options = $json$[
  {"key": "retry_clean_state", "label": "Retry with clean state",
   "description": "Requeue the work order asking for a reset repository.",
   "pros": ["Fixes most transient git and file problems"], "cons": ["Repeats the failure if the conflict is real"],
   "effect": {"action": "retry", "clean_state": true}, "requires_notes": false, "prior": 0.6, "context_rules": []},
  {"key": "manual_application", "label": "Manual application",
   "description": "A human applied the changes by hand; the work order goes to review.",
   "pros": ["Certain to land"], "cons": ["Human time"],
   "effect": {"action": "manual_review"}, "requires_notes": true, "prior": 0.3, "context_rules": []},
  {"key": "fix_file_conflicts", "label": "Fix file conflicts",
   "description": "A human resolved the merge conflicts; requeue the work order.",
   "pros": ["Keeps the agent's work"], "cons": ["Human time"],
   "effect": {"action": "retry"}, "requires_notes": true, "prior": 0.4, "context_rules": []},
  {"key": "escalate_to_human", "label": "Escalate to human",
   "description": "Pause the work order for a human to take over complex conflicts.",
   "pros": ["Right for complex conflicts"], "cons": ["Slowest"],
   "effect": {"action": "pause"}, "requires_notes": true, "prior": 0.3, "context_rules": []}
]$json$::jsonb WHERE trigger_type = 'aider_failure';

UPDATE public.escalation_policies SET resolution_options = $json$[
  {"key": "requeue", "label": "Requeue",
   "description": "Send the work order back to pending so the orchestrator picks it up again (starts a new episode).",
   "pros": ["Cheap", "Fixes a lost pick-up"], "cons": ["Repeats a hang if the cause remains"],
   "effect": {"action": "requeue"}, "requires_notes": false, "prior": 0.55,
   "context_rules": [{"field": "orchestrator_status", "op": "eq", "value": "stopped", "adjust": -0.3, "why": "the orchestrator is stopped: requeueing alone does nothing"}]},
  {"key": "check_orchestrator", "label": "Check the orchestrator",
   "description": "Runbook 4.3: the orchestrator is not polling; restart it, then the work order moves by itself. Records the decision.",
   "pros": ["Fixes every stuck work order at once"], "cons": ["Manual step"],
   "effect": {"action": "record_only"}, "requires_notes": true, "prior": 0.3,
   "context_rules": [{"field": "orchestrator_status", "op": "eq", "value": "stopped", "adjust": 0.4, "why": "the orchestrator is stopped"}]},
  {"key": "pause_work_order", "label": "Pause the work order",
   "description": "Pause it until someone looks at it.",
   "pros": ["Stops it from counting as stuck"], "cons": ["Needs someone to resume it"],
   "effect": {"action": "pause"}, "requires_notes": true, "prior": 0.3, "context_rules": []},
  {"key": "cancel_work_order", "label": "Cancel the work order",
   "description": "The work is no longer wanted.",
   "pros": ["Clears the queue"], "cons": ["The work is not done"],
   "effect": {"action": "cancel"}, "requires_notes": true, "prior": 0.15, "context_rules": []}
]$json$::jsonb WHERE trigger_type = 'stuck_work_order';

INSERT INTO public.system_config (key, value, value_type, min_value, max_value, description) VALUES
    ('recommendation_evidence_weight', '5', 'integer', 1, 1000,
     'How many past decisions of an option weigh as much as its prior in recommend_resolution() (w = n / (n + this)).'),
    ('recommendation_history_limit', '500', 'integer', 1, 100000,
     'recommend_resolution() learns from at most this many most recent decisions of the escalation''s type.'),
    ('recommendation_outcome_window', '"24 hours"', 'interval', 60, 2592000,
     'A system-wide decision (no work order) counts as succeeded when no escalation of the same type opens within this window after it.');
