-- What a bucket holds at an instant: what it held at refilled_at plus the refill since (its
-- per-minute figure per 60 s), never above the per-minute figure. An instant before refilled_at
-- (a caller that read its clock before waiting for the row) adds nothing: refilled_at only
-- moves forward, so the refills credited add up to exactly the time that passed. Plain SQL
-- without SET, so that it is inlined into the UPDATEs that draw and give back.
CREATE OR REPLACE FUNCTION private.rate_limit_refilled(p_available numeric, p_per_minute bigint,
                                                      p_refilled_at timestamptz, p_at timestamptz) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
    SELECT least(p_per_minute::numeric,
                 p_available + p_per_minute * greatest(extract(epoch FROM p_at - p_refilled_at), 0) / 60)
$$;

REVOKE ALL ON FUNCTION private.rate_limit_refilled(numeric, bigint, timestamptz, timestamptz) FROM PUBLIC;

COMMENT ON FUNCTION private.rate_limit_refilled(numeric, bigint, timestamptz, timestamptz) IS 'Token bucket level at p_at: least(per_minute, available + per_minute x seconds since refilled_at / 60); no refill for an instant before refilled_at.';
