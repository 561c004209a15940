-- A service or work-order budget that reaches its cap opens an escalation, once per scope and
-- period (docs/BUDGET.md, "Cap escalations"): policy budget_cap_reached with the options raise
-- the cap (action raise_budget_cap, params.value), pause the work order, cancel it; table
-- budget_cap_escalations remembers which (scope, key, period, period start) has opened one.
-- The validation trigger is dropped here because the running escalation_actions() does not
-- know raise_budget_cap yet; moose migrate re-creates both from their files right after.
-- depends: 0015_budget_scopes_and_stripes 0025_escalation_params

DROP TRIGGER IF EXISTS escalation_policies_validate ON public.escalation_policies;

INSERT INTO public.escalation_policies (trigger_type, priority, sla, description, resolution_options) VALUES
    ('budget_cap_reached', 'high', '30 minutes',
     'A service or work-order budget reached its cap: calls in that scope are refused (limit_exceeded) until the cap is raised or the period ends (runbook 3.1 type 2).',
     $json$[
  {"key": "raise_cap", "label": "Raise the cap",
   "description": "Set the capped budget's limit to params.value: above its current limit and at most escalation_budget_raise_max_multiple times it (a * budget gets its own row for this service or work order).",
   "pros": ["The work continues at once"], "cons": ["Spends more money", "Hides a runaway work order"],
   "effect": {"action": "raise_budget_cap"}, "requires_notes": true, "prior": 0.35,
   "context_rules": [{"field": "scope", "op": "eq", "value": "service", "adjust": 0.1, "why": "a whole service is blocked"}]},
  {"key": "pause", "label": "Pause the work order",
   "description": "Pause the work order that hit the cap until someone looks at its spend.",
   "pros": ["Stops its spend at once", "Keeps the work done"], "cons": ["Delays the work order"],
   "effect": {"action": "pause"}, "requires_notes": false, "prior": 0.45,
   "context_rules": [{"field": "scope", "op": "eq", "value": "work_order", "adjust": 0.1, "why": "the work order's own cap"}]},
  {"key": "cancel", "label": "Cancel the work order",
   "description": "Cancel the work order that hit the cap: it costs more than it is worth.",
   "pros": ["Stops its spend for good"], "cons": ["Throws away the work done"],
   "effect": {"action": "cancel"}, "requires_notes": true, "prior": 0.2, "context_rules": []}
]$json$::jsonb);

UPDATE public.system_config
SET description = 'The largest limit an escalation raise may set, as a multiple of the current one: increase_daily_budget over today''s daily limit, raise_cap over the capped budget''s limit (an increase is above the limit and at most this times it).'
WHERE key = 'escalation_budget_raise_max_multiple';

CREATE TABLE public.budget_cap_escalations (
    scope         text NOT NULL CHECK (scope IN ('service', 'work_order')),
    key           text NOT NULL,
    period        text NOT NULL CHECK (period IN ('day', 'month', 'total')),
    period_start  date NOT NULL,
    escalation_id uuid NOT NULL REFERENCES public.escalations (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key, period, period_start)
);
CREATE INDEX budget_cap_escalations_escalation_idx ON public.budget_cap_escalations (escalation_id);
COMMENT ON TABLE public.budget_cap_escalations IS
    'One row per capped scope and period (key is the concrete service name or work order id; period_start -infinity for total): the budget_cap_reached escalation its first refusal opened, so it opens once per scope and period.';

ALTER TABLE public.budget_cap_escalations ENABLE ROW LEVEL SECURITY;
CREATE POLICY service_read ON public.budget_cap_escalations FOR SELECT TO service_role, moose_runner USING (true);
GRANT SELECT ON public.budget_cap_escalations TO service_role, moose_runner;
