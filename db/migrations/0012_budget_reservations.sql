-- Budget reservations (admitted estimates awaiting their actual cost) and the link from a
-- cost_tracking row to the reservation it settled, unique so a reservation is settled once.
-- depends: 0011_budget_ledger

CREATE TABLE public.budget_reservations (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    budget_day      date NOT NULL,
    amount          numeric(14, 6) NOT NULL CHECK (amount > 0),
    service_name    text NOT NULL CHECK (length(service_name) BETWEEN 1 AND 200),
    idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    status          text NOT NULL DEFAULT 'open'
                    CHECK (status IN ('open', 'settled', 'released', 'expired', 'cancelled')),
    tier            text NOT NULL CHECK (tier IN ('normal', 'warning', 'hard_cap', 'critical')),
    requested_model text CHECK (length(requested_model) BETWEEN 1 AND 200),
    model           text CHECK (length(model) BETWEEN 1 AND 200),
    model_decision  text NOT NULL CHECK (model_decision IN ('any', 'as_is', 'downgraded', 'forced')),
    metadata        jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    closed_at       timestamptz,
    actual_cost     numeric(14, 6) CHECK (actual_cost >= 0),
    CHECK ((status = 'open') = (closed_at IS NULL)),
    CHECK ((status = 'settled') = (actual_cost IS NOT NULL)),
    UNIQUE (budget_day, idempotency_key)
);
COMMENT ON TABLE public.budget_reservations IS
    'Admitted budget estimates: open until settled (cost_tracking row written), released, expired (reservation_ttl) or cancelled by the kill switch. The same idempotency key on the same budget day is the same reservation.';
CREATE INDEX budget_reservations_open_expiry_idx ON public.budget_reservations (expires_at) WHERE status = 'open';

ALTER TABLE public.cost_tracking
    ADD COLUMN reservation_id uuid UNIQUE REFERENCES public.budget_reservations (id) ON DELETE SET NULL;
COMMENT ON COLUMN public.cost_tracking.reservation_id IS
    'The reservation this row settled (settle_reservation); unique, so a reservation writes exactly one cost row. NULL for direct (legacy) writers.';

ALTER TABLE public.budget_reservations ENABLE ROW LEVEL SECURITY;
CREATE POLICY service_read ON public.budget_reservations FOR SELECT TO service_role, moose_runner USING (true);
GRANT SELECT ON public.budget_reservations TO service_role, moose_runner;
