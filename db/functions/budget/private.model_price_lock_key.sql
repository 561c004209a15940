-- The advisory lock key of a model's prices: private.model_price_lock takes it exclusive
-- (writers deciding whether a row is in effect), reserve_llm_call shared (before it reads the
-- price in effect). One key per model name.
CREATE OR REPLACE FUNCTION private.model_price_lock_key(p_model text) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
    SELECT hashtextextended('moose.model_price:' || p_model, 0)
$$;

REVOKE ALL ON FUNCTION private.model_price_lock_key(text) FROM PUBLIC;

COMMENT ON FUNCTION private.model_price_lock_key(text) IS 'Advisory lock key of a model''s prices (writers exclusive through private.model_price_lock, reservations shared).';
