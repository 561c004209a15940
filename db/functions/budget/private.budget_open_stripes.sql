-- Creates a budget's K stripes for one period if they do not exist yet (the period's first
-- reservation or cost does it: no reset job), the limit split evenly (stripe 0 takes the
-- rounding remainder). A global day stripe copies the kill switch. When some stripes exist
-- (K was raised), the missing ones are added with allowance 0 and the next rebalance fills them.
CREATE OR REPLACE FUNCTION private.budget_open_stripes(
    p_rank smallint, p_scope text, p_key text, p_period text, p_start date, p_limit numeric, p_stripes integer
) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_existing integer;
    v_share numeric;
    v_killed boolean := false;
BEGIN
    SELECT count(*) INTO v_existing FROM public.budget_stripes AS s
    WHERE s.scope_rank = p_rank AND s.key = p_key AND s.period = p_period AND s.period_start = p_start;
    IF v_existing >= p_stripes THEN
        RETURN;
    END IF;
    IF p_rank = 1 AND p_period = 'day' THEN
        SELECT ks.active INTO v_killed FROM public.budget_kill_switch AS ks WHERE ks.id;
    END IF;
    v_share := trunc(greatest(p_limit, 0) / p_stripes, 6);
    INSERT INTO public.budget_stripes (scope_rank, scope, key, period, period_start, stripe, allowance, killed)
    SELECT p_rank, p_scope, p_key, p_period, p_start, i,
           CASE WHEN v_existing > 0 THEN 0
                WHEN i = 0 THEN greatest(p_limit, 0) - v_share * (p_stripes - 1)
                ELSE v_share END,
           coalesce(v_killed, false)
    FROM generate_series(0, p_stripes - 1) AS i
    ORDER BY i
    ON CONFLICT DO NOTHING;
END
$$;

REVOKE ALL ON FUNCTION private.budget_open_stripes(smallint, text, text, text, date, numeric, integer) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_open_stripes(smallint, text, text, text, date, numeric, integer) IS 'Create a budget''s stripes for a period if missing: the limit split over K rows (killed copied from the kill switch for the global day).';
