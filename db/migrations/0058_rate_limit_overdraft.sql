-- A rate limit stripe may hold less than nothing (docs/BUDGET.md, "Rate limits"): a settle
-- whose call used more tokens than it drew (output beyond the reserved maximum) draws the
-- excess from the tokens buckets it drew on, and the tokens were spent whether or not the
-- bucket held them, so the bucket goes below zero and refills from there; the gate still
-- admits a call only when the bucket holds enough for it. The upper bound (at most the
-- stripe's share) stays.
-- depends: 0053_rate_limit_stripes
--
-- Reviewed for a live database (squawk, docs/CONVENTIONS.md): dropping a CHECK only widens what
-- the table accepts (no client relied on available >= 0: rate_limit_usage() reports it), and
-- takes its brief lock under `moose migrate`'s lock timeout and retries.
-- squawk-ignore-file ban-drop-constraint

ALTER TABLE public.rate_limits DROP CONSTRAINT rate_limits_available_check;
COMMENT ON COLUMN public.rate_limits.available IS 'What this stripe held at refilled_at (at most its share; below zero after a settle drew tokens used beyond what its call drew): rate_limit_usage() shows the limit''s refilled total.';
