-- The runbook's defaults: every number the rules use lives here, not in code.
-- depends: 0002_core_schema

INSERT INTO public.system_config (key, value, value_type, min_value, max_value, description) VALUES
    ('daily_budget_limit',        '100',          'numeric',  0, 1000000, 'Daily LLM budget in USD (runbook 1.3). 0 refuses every reservation.'),
    ('budget_timezone',           '"UTC"',        'timezone', NULL, NULL, 'Time zone whose midnight starts a new budget day.'),
    ('tier_warning_pct',          '20',           'numeric',  0, 100, 'Share of the daily limit (percent) from which the warning tier switches to cheaper models.'),
    ('tier_hard_cap_pct',         '50',           'numeric',  0, 100, 'Share of the daily limit (percent) from which the hard-cap tier forces the hard-cap model.'),
    ('tier_critical_pct',         '80',           'numeric',  0, 100, 'Share of the daily limit (percent) from which the critical tier applies.'),
    ('tier_emergency_kill_pct',   '100',          'numeric',  0, 1000, 'Share of the daily limit (percent) at which all LLM operations stop.'),
    ('stuck_pending_after',       '"2 hours"',    'interval', 60, 2592000, 'A pending work order untouched this long is stuck (runbook 1.4).'),
    ('stuck_in_progress_after',   '"24 hours"',   'interval', 60, 2592000, 'An in-progress work order untouched this long is stuck (runbook 1.4).'),
    ('max_refinement_attempts',   '3',            'integer',  1, 100, 'More refinement attempts than this open a retry_exhausted escalation (runbook 3.1).'),
    ('outcome_vectors_retention', '"90 days"',    'interval', 86400, 315360000, 'Outcome vectors older than this are purged (runbook 6.2).'),
    ('alert_dedupe_window',       '"1 hour"',     'interval', 0, 2592000, 'raise_alert with the same dedupe key within this window counts as one alert.');

INSERT INTO public.escalation_policies (trigger_type, priority, sla, description) VALUES
    ('retry_exhausted',    'medium', '2 hours',    'Work order failed after more refinement cycles than allowed (runbook 3.1 type 1).'),
    ('budget_warning',     'medium', '2 hours',    'Daily spend crossed the hard-cap share of the limit (runbook 3.1 type 2).'),
    ('budget_critical',    'high',   '30 minutes', 'Daily spend crossed the critical share of the limit, or the kill switch fired (runbook 3.1 type 2, 5.1).'),
    ('test_failures',      'medium', '4 hours',    'Sentinel reported failing test runs for more cycles than allowed (runbook 3.1 type 3).'),
    ('contract_violation', 'high',   '1 hour',     'The contract validator detected a breaking change (runbook 3.1 type 4).'),
    ('aider_failure',      'medium', '2 hours',    'The orchestrator could not apply code changes (runbook 3.1 type 5).'),
    ('stuck_work_order',   'medium', '2 hours',    'A work order sat in pending or in progress longer than allowed (runbook 1.4).');
