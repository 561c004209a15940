-- TRUNCATE fires no row trigger, so it would bypass model_prices_history and erase the price
-- history every priced call refers to. Refused with what to do instead.
CREATE OR REPLACE FUNCTION private.model_prices_refuse_truncate() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'TRUNCATE model_prices would erase price history'
        USING ERRCODE = '55000',
              HINT = 'Prices in effect are history and are kept; set a new price with set_model_price, or DELETE scheduled rows only.';
END
$$;

CREATE OR REPLACE TRIGGER model_prices_refuse_truncate
    BEFORE TRUNCATE ON public.model_prices
    FOR EACH STATEMENT EXECUTE FUNCTION private.model_prices_refuse_truncate();

REVOKE ALL ON FUNCTION private.model_prices_refuse_truncate() FROM PUBLIC;
COMMENT ON FUNCTION private.model_prices_refuse_truncate() IS 'Trigger function: refuses TRUNCATE of model_prices (55000), which would bypass the history rule.';
COMMENT ON TRIGGER model_prices_refuse_truncate ON public.model_prices IS 'Refuses TRUNCATE: price history is kept.';
