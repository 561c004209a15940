-- The budget at every instant of the calendar (docs/BUDGET.md "Calendar"):
-- * budget_stripes.archived: the part of a stripe's spent whose cost rows retention has purged
--   (rolled up into cost_daily_totals), so the ledger audit (budget_stripe_mismatches) stays
--   exact after a purge and retention can tell when a closed period's stripes have nothing
--   booked left (then they go: run_retention's budget_stripes policy, migration 0048).
--   Existing stripes whose spent exceeds the cost rows still booked on them had rows purged
--   before this column existed: that difference is recorded as archived.
-- * budget_overspend_marks: a late cost (a settle after its period closed) that takes a closed
--   period of any budget past its limit raises an alert and opens a budget_overspent escalation,
--   once per budget and period; this table remembers which.
-- * escalation policy budget_overspent (options in the style of budget_cap_reached, 0016).
-- * the gate's reservation_ttl copy as a fixed length of time (private.duration), so
--   expires_at is the same instant in every session TimeZone.
-- depends: 0016_budget_cap_escalations

ALTER TABLE public.budget_stripes ADD COLUMN archived numeric(16, 6) NOT NULL DEFAULT 0;
COMMENT ON COLUMN public.budget_stripes.archived IS
    'Part of spent whose cost rows were purged keeping the ledger (retention: moose.budget_keep_ledger = on); spent - archived = the cost rows still booked on this stripe.';
WITH booked AS (
    SELECT d.ref, sum(c.cost) AS spent
    FROM public.cost_tracking AS c
    CROSS JOIN LATERAL jsonb_array_elements(c.budget_debits) AS d(ref)
    GROUP BY d.ref
)
UPDATE public.budget_stripes AS s
SET archived = s.spent - coalesce(b.spent, 0)
FROM public.budget_stripes AS s2
LEFT JOIN booked AS b ON b.ref = jsonb_build_array(s2.scope_rank, s2.key, s2.period, s2.period_start, s2.stripe)
WHERE s2.scope_rank = s.scope_rank AND s2.key = s.key AND s2.period = s.period
  AND s2.period_start = s.period_start AND s2.stripe = s.stripe
  AND s.spent > coalesce(b.spent, 0);

CREATE TABLE public.budget_overspend_marks (
    scope_rank      smallint NOT NULL CHECK (scope_rank BETWEEN 1 AND 4),
    scope           text NOT NULL,
    key             text NOT NULL,
    period          text NOT NULL CHECK (period IN ('day', 'month')),
    period_start    date NOT NULL,
    budget_limit    numeric(16, 6) NOT NULL,
    spent           numeric(16, 6) NOT NULL,
    reservation_id  uuid,
    cost_id         bigint,
    escalation_id   uuid,
    alert_id        bigint,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope_rank, key, period, period_start)
);
COMMENT ON TABLE public.budget_overspend_marks IS
    'One row per budget and closed period that a late cost took past its limit: the limit and spend then, the reservation (NULL for a direct cost row) and cost row that did it, and the alert and budget_overspent escalation raised, so each fires once per budget and period.';

ALTER TABLE public.budget_overspend_marks ENABLE ROW LEVEL SECURITY;
CREATE POLICY service_read ON public.budget_overspend_marks FOR SELECT TO service_role, moose_runner USING (true);
GRANT SELECT ON public.budget_overspend_marks TO service_role, moose_runner;

INSERT INTO public.escalation_policies (trigger_type, priority, sla, description, resolution_options) VALUES
    ('budget_overspent', 'high', '4 hours',
     'A cost booked after its budget period closed (a settle that crossed midnight, or a backdated cost row) took that closed period past its limit: the money is spent; decide what to change so it does not recur.',
     $json$[
  {"key": "accept", "label": "Accept the overspend",
   "description": "The late call's real cost was recorded where it belongs (its reservation's period); nothing else to change. Records the decision.",
   "pros": ["Nothing is interrupted"], "cons": ["The estimate that undershot stays as it is"],
   "effect": {"action": "record_only"}, "requires_notes": true, "prior": 0.45, "context_rules": []},
  {"key": "investigate_estimates", "label": "Investigate the estimates",
   "description": "Compare the reservations' estimates with their actual costs (cost_tracking.metadata.estimated_amount) for this service or work order before spending more; records the decision.",
   "pros": ["Finds callers that reserve too little"], "cons": ["Spend continues meanwhile"],
   "effect": {"action": "record_only"}, "requires_notes": true, "prior": 0.4,
   "context_rules": [{"field": "percentage", "op": "gte", "value": 150, "adjust": 0.2, "why": "the estimate was far too low"}]},
  {"key": "pause", "label": "Pause the work order",
   "description": "Pause the work order whose late cost overspent the period until someone looks at its spend.",
   "pros": ["Stops its spend at once", "Keeps the work done"], "cons": ["Delays the work order"],
   "effect": {"action": "pause"}, "requires_notes": false, "prior": 0.15,
   "context_rules": [{"field": "scope", "op": "eq", "value": "work_order", "adjust": 0.2, "why": "the work order's own budget overspent"}]}
]$json$::jsonb);

UPDATE private.budget_config
SET reservation_ttl = extract(epoch FROM reservation_ttl) * interval '1 second'
WHERE reservation_ttl IS NOT NULL;
