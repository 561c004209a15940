-- The reservation hot path (issue 3's benchmark: check_and_reserve_budget within 0.8 of a bare
-- UPDATE of the ledger row). Two costs measured with perf on every call are removed here:
--  * reading the budget config out of system_config (a scan of every key, nine FILTERed
--    aggregates and jsonb-to-text casts): private.budget_config is a typed one-row copy of
--    those keys, kept by a statement trigger on system_config in the writer's own transaction
--    (db/triggers/budget/system_config_budget_config.sql), so the gate reads one row;
--  * table CHECK constraints on budget_reservations: PostgreSQL 15 re-reads a table CHECK
--    from its stored text on every INSERT, while a domain's CHECK is parsed once per session
--    (type cache). Status and amount become domains with the same rules; the CHECK tying the
--    status to closed_at and actual_cost stays a table CHECK (it spans columns).
-- depends: 0013_model_policies
--
-- Reviewed for a live database (squawk, docs/CONVENTIONS.md): status and amount of
-- budget_reservations move from table CHECKs to the domains below with the same rules; the type
-- change checks every row under ACCESS EXCLUSIVE. Changing a domain's CHECK later validates every
-- column of that domain: review it as a table scan. Kept as applied: installed databases ran it
-- before the lint existed, and a fresh install runs it on new, near-empty tables.
-- squawk-ignore-file ban-create-domain-with-constraint, ban-drop-constraint, changing-column-type

CREATE TABLE private.budget_config (
    singleton              boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    budget_timezone        text,
    daily_limit            numeric,
    max_single_reservation numeric,
    reservation_ttl        interval,
    warning_pct            numeric,
    hard_cap_pct           numeric,
    critical_pct           numeric,
    kill_pct               numeric,
    hard_cap_model         text,
    refreshed_at           timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE private.budget_config IS
    'Typed one-row copy of the budget keys of system_config, read by private.budget_settings() on every reservation; rewritten by trigger system_config_budget_config in the same transaction as any system_config change. A NULL column means the key is missing from system_config. Never edit it by hand: change system_config.';
-- Only the owner (the SECURITY DEFINER budget functions) reads or writes it: no policies, no grants.
ALTER TABLE private.budget_config ENABLE ROW LEVEL SECURITY;

CREATE DOMAIN private.reservation_status AS text
    CHECK (VALUE IN ('open', 'settled', 'released', 'expired', 'cancelled'));
COMMENT ON DOMAIN private.reservation_status IS
    'State of a budget reservation: open, settled, released, expired or cancelled (by the kill switch).';
CREATE DOMAIN private.reservation_amount AS numeric(14, 6) CHECK (VALUE > 0);
COMMENT ON DOMAIN private.reservation_amount IS 'A reserved amount in USD: positive, micro-dollar precision.';

ALTER TABLE public.budget_reservations
    DROP CONSTRAINT budget_reservations_status_check,
    DROP CONSTRAINT budget_reservations_amount_check,
    ALTER COLUMN status TYPE private.reservation_status,
    ALTER COLUMN amount TYPE private.reservation_amount;
