-- The one rule for writing a model price row (set_model_price, import_model_prices,
-- restore_config), after private.model_price_check: one row per model and instant.
--   same model and instant, same prices      -> 'unchanged' (an idempotent retry)
--   same model and instant, other prices     -> 'replaced' when the row is not yet in effect;
--                                               55000 when it is (history: corrections are new rows),
--                                               decided with the clock under the model's price lock
--                                               (private.model_price_lock), not with now()
--   no row at that instant                   -> 'inserted'; a new instant must lie between now()
--                                               and one year ahead (22023), unless p_restore:
--                                               restore_config puts back missing history rows
-- created_at/created_by of the stored row are kept by a replace only when p_restore.
CREATE OR REPLACE FUNCTION private.model_price_write(p_price public.model_prices, p_restore boolean) RETURNS text
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_p public.model_prices := private.model_price_check(p_price);
    v_old public.model_prices;
BEGIN
    PERFORM private.check_required('p_restore', p_restore, 'Internal: pass true only from restore_config.');
    v_p.created_at := coalesce(CASE WHEN p_restore THEN v_p.created_at END, now());
    v_p.created_by := coalesce(CASE WHEN p_restore THEN v_p.created_by END, private.current_actor());
    LOOP
        SELECT * INTO v_old FROM public.model_prices AS m
        WHERE m.model = v_p.model AND m.effective_from = v_p.effective_from FOR UPDATE;
        IF FOUND THEN
            IF private.model_price_same(v_old, v_p) THEN
                RETURN 'unchanged';
            END IF;
            IF v_old.effective_from <= private.model_price_lock(v_p.model) THEN
                RAISE EXCEPTION 'the price of % from % is in effect and cannot be changed', v_p.model, v_p.effective_from
                    USING ERRCODE = '55000',
                          HINT = 'Prices in effect are history: set the corrected price as a new row with a later effective_from (leave it out for now()).';
            END IF;
            UPDATE public.model_prices AS m
            SET input_usd_per_mtok = v_p.input_usd_per_mtok, output_usd_per_mtok = v_p.output_usd_per_mtok,
                cached_input_usd_per_mtok = v_p.cached_input_usd_per_mtok, max_output_tokens = v_p.max_output_tokens,
                cache_write_input_usd_per_mtok = v_p.cache_write_input_usd_per_mtok, tiers = v_p.tiers,
                created_at = v_p.created_at, created_by = v_p.created_by
            WHERE m.model = v_p.model AND m.effective_from = v_p.effective_from;
            RETURN 'replaced';
        END IF;
        IF NOT p_restore AND (v_p.effective_from < now() OR v_p.effective_from > now() + interval '1 year') THEN
            RAISE EXCEPTION 'a new price takes effect from now to one year ahead, got % (now is %)', v_p.effective_from, now()
                USING ERRCODE = '22023',
                      HINT = 'Leave effective_from out for now(), or schedule the price at most a year ahead; past prices are history and are not rewritten.';
        END IF;
        INSERT INTO public.model_prices AS m SELECT v_p.* ON CONFLICT (model, effective_from) DO NOTHING;
        IF FOUND THEN
            RETURN 'inserted';
        END IF;
        -- A concurrent writer inserted the same model and instant first: compare with its row.
    END LOOP;
END
$$;

REVOKE ALL ON FUNCTION private.model_price_write(public.model_prices, boolean) FROM PUBLIC;

COMMENT ON FUNCTION private.model_price_write(public.model_prices, boolean) IS 'Write one checked model price row: unchanged (same model, instant and prices), replaced (other prices at an instant not yet in effect), inserted (a new instant from now() to a year ahead, any instant when p_restore); 55000 for other prices at an instant in effect.';
