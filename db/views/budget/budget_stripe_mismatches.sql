-- The ledger audit: every budget stripe whose running figures disagree with the rows booked on
-- it, spent against the cost rows that debited it (cost_tracking.budget_debits) and reserved
-- against the open reservations that debited it (budget_reservations.debits). The gate, settle
-- and the ledger trigger keep it empty under any concurrency; a row here means something wrote
-- the stripes past them. One pass over the cost rows and open reservations: an on-demand check
-- for a DBA (and the tests' invariant), not a scheduled one.
CREATE OR REPLACE VIEW public.budget_stripe_mismatches WITH (security_invoker = true) AS
WITH booked AS (
    SELECT d.ref, sum(c.cost) AS spent
    FROM public.cost_tracking AS c
    CROSS JOIN LATERAL jsonb_array_elements(c.budget_debits) AS d(ref)
    GROUP BY d.ref
), held AS (
    SELECT d.ref, sum(r.amount) AS reserved
    FROM public.budget_reservations AS r
    CROSS JOIN LATERAL jsonb_array_elements(r.debits) AS d(ref)
    WHERE r.status = 'open'
    GROUP BY d.ref
)
SELECT s.scope, s.key, s.period, s.period_start, s.stripe,
       s.spent, coalesce(b.spent, 0) AS spent_booked,
       s.reserved, coalesce(h.reserved, 0) AS reserved_open,
       s.archived
FROM public.budget_stripes AS s
CROSS JOIN LATERAL (SELECT jsonb_build_array(s.scope_rank, s.key, s.period, s.period_start, s.stripe) AS ref) AS k
LEFT JOIN booked AS b ON b.ref = k.ref
LEFT JOIN held AS h ON h.ref = k.ref
WHERE s.spent - s.archived <> coalesce(b.spent, 0) OR s.reserved <> coalesce(h.reserved, 0);

REVOKE ALL ON public.budget_stripe_mismatches FROM PUBLIC, anon, authenticated;
GRANT SELECT ON public.budget_stripe_mismatches TO service_role, moose_runner;
COMMENT ON VIEW public.budget_stripe_mismatches IS 'Ledger audit: budget stripes whose spent less archived (the part whose cost rows retention purged) differs from their cost rows (spent_booked) or whose reserved differs from their open reservations (reserved_open); empty when the ledger is exact.';
