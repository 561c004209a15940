-- Decides whether a model's price row is in effect with the clock, under a lock that orders the
-- decision against the reservations that read the model's price (docs/BUDGET.md, "History"):
-- takes the model's price lock (transaction-level advisory lock, exclusive) and then reads
-- clock_timestamp(). reserve_llm_call takes the same lock shared before it reads the price in
-- effect, so a writer that finds a row not yet in effect changes it before any reservation
-- reads it (the reservation waits for the writer's commit and then reads the new row), and a
-- reservation that read a row makes every later writer find it in effect. now() (the
-- transaction's start) is not used: a transaction begun before effective_from must not
-- rewrite a row that calls were priced at meanwhile.
CREATE OR REPLACE FUNCTION private.model_price_lock(p_model text) RETURNS timestamptz
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(private.model_price_lock_key(p_model));
    RETURN clock_timestamp();
END
$$;

REVOKE ALL ON FUNCTION private.model_price_lock(text) FROM PUBLIC;

COMMENT ON FUNCTION private.model_price_lock(text) IS 'Take the model''s price lock exclusive (until commit) and return clock_timestamp(): the instant a price row''s "in effect" is decided at by every writer (model_price_write, trigger model_prices_history). Reservations take it shared.';
