-- Model prices are history: a row in effect (effective_from <= now()) is never updated or
-- deleted, by the API or by hand, so what a call was priced at can always be read back.
-- A row not yet in effect may be replaced (set_model_price does) or deleted, but not moved to
-- another model or instant (that is a new row). "In effect" is decided with the clock under
-- the model's price lock (private.model_price_lock), which orders it against the reservations
-- that read the model's price: a transaction begun before effective_from cannot rewrite a row
-- that calls were reserved at meanwhile.
CREATE OR REPLACE FUNCTION private.model_prices_history() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF OLD.effective_from <= private.model_price_lock(OLD.model) THEN
        RAISE EXCEPTION 'the price of % from % is in effect: it is history and cannot be %', OLD.model, OLD.effective_from,
                CASE TG_OP WHEN 'DELETE' THEN 'deleted' ELSE 'changed' END
            USING ERRCODE = '55000',
                  HINT = 'Corrections are new rows: set_model_price(model, input, output, ...) with a later effective_from (default now()).';
    END IF;
    IF TG_OP = 'UPDATE' AND (NEW.model, NEW.effective_from) IS DISTINCT FROM (OLD.model, OLD.effective_from) THEN
        RAISE EXCEPTION 'a scheduled price cannot move to another model or instant'
            USING ERRCODE = '55000', HINT = 'Delete the scheduled row and set the price at the new instant.';
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$$;

CREATE OR REPLACE TRIGGER model_prices_history
    BEFORE UPDATE OR DELETE ON public.model_prices
    FOR EACH ROW EXECUTE FUNCTION private.model_prices_history();

REVOKE ALL ON FUNCTION private.model_prices_history() FROM PUBLIC;
COMMENT ON FUNCTION private.model_prices_history() IS 'Trigger function: refuses to update or delete a model price in effect (55000: corrections are new rows) and to move a scheduled one to another model or instant.';
COMMENT ON TRIGGER model_prices_history ON public.model_prices IS 'Prices in effect are history: UPDATE and DELETE of them raise 55000.';
