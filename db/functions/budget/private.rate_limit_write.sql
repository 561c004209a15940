-- Writes one rate limit kind as its stripes (set_rate_limit, which holds the limit's rows
-- locked): K = rate_limit_stripes, fewer when a stripe would hold under 4 requests or 20,000
-- tokens, so small limits stay one row. The shares add up to the per-minute figure exactly
-- (stripe 0 takes the rounding remainder). What the stripes held now (refilled, at most the
-- new figure; full for a new limit) is split over the new stripes in proportion to their
-- shares, rounded down, so a change never adds tokens. Rows of stripes past K go.
CREATE OR REPLACE FUNCTION private.rate_limit_write(p_rank smallint, p_scope text, p_key text, p_kind text, p_per_minute bigint, p_actor text, p_now timestamptz) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_stripes integer := least(private.config_numeric('rate_limit_stripes')::integer,
                               greatest(1, p_per_minute / CASE p_kind WHEN 'requests' THEN 4 ELSE 20000 END));
    v_share numeric := trunc(p_per_minute::numeric / v_stripes, 6);
    v_level numeric;
BEGIN
    SELECT least(sum(private.rate_limit_level(r.available, r.share, r.refilled_at, p_now)), p_per_minute) INTO v_level
    FROM public.rate_limits AS r
    WHERE r.scope_rank = p_rank AND r.key = p_key AND r.kind = p_kind;
    v_level := coalesce(v_level, p_per_minute);
    INSERT INTO public.rate_limits AS r (scope_rank, scope, key, kind, stripe, stripes, per_minute, share, available,
                                         refilled_at, updated_by)
    SELECT p_rank, p_scope, p_key, p_kind, s.stripe, v_stripes, p_per_minute, s.share,
           trunc(v_level * s.share / p_per_minute, 9), p_now, p_actor
    FROM (SELECT g AS stripe, CASE WHEN g = 0 THEN p_per_minute - v_share * (v_stripes - 1) ELSE v_share END AS share
          FROM generate_series(0, v_stripes - 1) AS g) AS s
    ON CONFLICT (scope_rank, key, kind, stripe) DO UPDATE
    SET stripes = EXCLUDED.stripes, per_minute = EXCLUDED.per_minute, share = EXCLUDED.share,
        available = EXCLUDED.available, refilled_at = greatest(r.refilled_at, EXCLUDED.refilled_at),
        updated_at = now(), updated_by = EXCLUDED.updated_by;
    DELETE FROM public.rate_limits AS r
    WHERE r.scope_rank = p_rank AND r.key = p_key AND r.kind = p_kind AND r.stripe >= v_stripes;
END
$$;

REVOKE ALL ON FUNCTION private.rate_limit_write(smallint, text, text, text, bigint, text, timestamptz) FROM PUBLIC;

COMMENT ON FUNCTION private.rate_limit_write(smallint, text, text, text, bigint, text, timestamptz) IS 'Write one rate limit kind as its stripes (shares adding up to the figure; what the limit holds now split over them, never more); the caller holds the limit''s rows locked.';
