-- The budget ledger: one row per budget day holding settled spend and open reservations, so an
-- admission decision locks one row instead of summing cost_tracking; plus the kill switch.
-- depends: 0010_budget_config

CREATE TABLE public.budget_ledger (
    budget_day  date PRIMARY KEY,
    spent       numeric(16, 6) NOT NULL DEFAULT 0 CHECK (spent >= 0),
    reserved    numeric(16, 6) NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    carried_in  numeric(16, 6) NOT NULL DEFAULT 0 CHECK (carried_in >= 0),
    killed      boolean NOT NULL DEFAULT false,
    warning_at  timestamptz,
    critical_at timestamptz,
    kill_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
) WITH (fillfactor = 50);
COMMENT ON TABLE public.budget_ledger IS
    'One row per budget day: spent (= SUM(cost_tracking.cost) of the day, kept by triggers), reserved (= open reservations of the day), carried_in (reservations still open when the day began), killed (kill switch copy checked under the row lock), and when each tier escalation fired.';
COMMENT ON COLUMN public.budget_ledger.spent IS 'Settled spend of the day: the sum of cost_tracking rows whose created_at falls in the day.';
COMMENT ON COLUMN public.budget_ledger.reserved IS 'Sum of the open reservations made on this day.';
COMMENT ON COLUMN public.budget_ledger.carried_in IS 'Open reservations of earlier days when this row was created (midnight): counted against this day so in-flight calls cannot overspend it.';
COMMENT ON COLUMN public.budget_ledger.killed IS 'True while the kill switch is on; checked in the same UPDATE that reserves, so a kill and a reservation cannot interleave.';
COMMENT ON COLUMN public.budget_ledger.warning_at IS 'When spend crossed tier_hard_cap_pct this day (budget_warning escalation fired).';
COMMENT ON COLUMN public.budget_ledger.critical_at IS 'When spend crossed tier_critical_pct this day (budget_critical escalation fired).';
COMMENT ON COLUMN public.budget_ledger.kill_at IS 'When spend reached tier_emergency_kill_pct this day (automatic kill fired); cleared by resume_operations.';

CREATE TABLE public.budget_kill_switch (
    id                   boolean PRIMARY KEY DEFAULT true CHECK (id),
    active               boolean NOT NULL DEFAULT false,
    kill_id              uuid,
    reason               text,
    automatic            boolean NOT NULL DEFAULT false,
    killed_at            timestamptz,
    killed_by            text,
    orchestrator_stopped boolean NOT NULL DEFAULT false,
    resumed_at           timestamptz,
    resumed_by           text,
    resume_note          text,
    CHECK (NOT active OR (kill_id IS NOT NULL AND killed_at IS NOT NULL))
);
COMMENT ON TABLE public.budget_kill_switch IS
    'Single row: whether emergency_kill is in force, why, by whom, and what it stopped (so resume_operations undoes exactly that).';
INSERT INTO public.budget_kill_switch (id) VALUES (true);

ALTER TABLE public.budget_ledger ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.budget_kill_switch ENABLE ROW LEVEL SECURITY;
-- Writes go through the budget functions (SECURITY DEFINER); the API roles may read.
CREATE POLICY service_read ON public.budget_ledger FOR SELECT TO service_role, moose_runner USING (true);
CREATE POLICY service_read ON public.budget_kill_switch FOR SELECT TO service_role, moose_runner USING (true);
GRANT SELECT ON public.budget_ledger, public.budget_kill_switch TO service_role, moose_runner;
