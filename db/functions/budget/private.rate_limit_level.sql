-- What a rate limit stripe holds at an instant: what it held at refilled_at plus the refill
-- since (its share of the per-minute figure per 60 s), never above its share. An instant before
-- refilled_at (a caller that read its clock before waiting for the row) adds nothing:
-- refilled_at only moves forward, so the refills credited add up to exactly the time that
-- passed. Plain SQL without SET, so that it is inlined into the statements that use it.
CREATE OR REPLACE FUNCTION private.rate_limit_level(p_available numeric, p_share numeric, p_refilled_at timestamptz, p_at timestamptz) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
    SELECT least(p_share, p_available + p_share * greatest(extract(epoch FROM p_at - p_refilled_at), 0) / 60)
$$;

REVOKE ALL ON FUNCTION private.rate_limit_level(numeric, numeric, timestamptz, timestamptz) FROM PUBLIC;

COMMENT ON FUNCTION private.rate_limit_level(numeric, numeric, timestamptz, timestamptz) IS 'Token bucket level of a rate limit stripe at p_at: least(share, available + share x seconds since refilled_at / 60); no refill for an instant before refilled_at.';
