-- Budget reservations (admitted estimates awaiting their actual cost) and the link from a
-- cost_tracking row to the reservation it settled, unique so a reservation is settled once.
-- depends: 0011_budget_ledger
--
-- Reviewed for a live database (squawk, docs/CONVENTIONS.md): cost_tracking.reservation_id gets
-- its UNIQUE index and a validated foreign key in one step (ACCESS EXCLUSIVE on cost_tracking
-- while the index builds). Kept as applied: installed databases ran it before the lint existed,
-- and a fresh install runs it on new, near-empty tables.
-- squawk-ignore-file adding-foreign-key-constraint, disallowed-unique-constraint

-- Only the budget functions write this table (the API roles may only read it), and they
-- validate every value; the CHECKs keep the state machine's invariants. They are few on
-- purpose: PostgreSQL re-reads every CHECK expression on each write, and this table is written
-- on the reservation hot path.
CREATE TABLE public.budget_reservations (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    budget_day      date NOT NULL,
    amount          numeric(14, 6) NOT NULL CHECK (amount > 0),
    service_name    text NOT NULL,
    idempotency_key text,
    status          text NOT NULL DEFAULT 'open'
                    CHECK (status IN ('open', 'settled', 'released', 'expired', 'cancelled')),
    tier            text NOT NULL,
    requested_model text,
    model           text,
    model_decision  text NOT NULL,
    metadata        jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    closed_at       timestamptz,
    actual_cost     numeric(14, 6),
    CHECK ((status = 'open') = (closed_at IS NULL) AND (status = 'settled') = (actual_cost IS NOT NULL))
);
COMMENT ON TABLE public.budget_reservations IS
    'Admitted budget estimates: open until settled (cost_tracking row written), released, expired (reservation_ttl) or cancelled by the kill switch. The same idempotency key on the same budget day is the same reservation.';
-- Retry safety: one reservation per idempotency key and budget day (calls without a key skip it).
CREATE UNIQUE INDEX budget_reservations_idempotency_idx ON public.budget_reservations (budget_day, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX budget_reservations_open_expiry_idx ON public.budget_reservations (expires_at) WHERE status = 'open';

ALTER TABLE public.cost_tracking
    ADD COLUMN reservation_id uuid UNIQUE REFERENCES public.budget_reservations (id) ON DELETE SET NULL;
COMMENT ON COLUMN public.cost_tracking.reservation_id IS
    'The reservation this row settled (settle_reservation); unique, so a reservation writes exactly one cost row. NULL for direct (legacy) writers.';

ALTER TABLE public.budget_reservations ENABLE ROW LEVEL SECURITY;
CREATE POLICY service_read ON public.budget_reservations FOR SELECT TO service_role, moose_runner USING (true);
GRANT SELECT ON public.budget_reservations TO service_role, moose_runner;
