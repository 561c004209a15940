-- Rate limits split into stripes like the budgets (docs/BUDGET.md, "Rate limits"): one bucket
-- row per limit and kind made every call of a limited scope update the same row and hold it
-- until its commit. Each limit kind is now K rows (stripe 0 .. K-1), each holding a share of
-- the per-minute figure as its capacity and refill rate; the shares add up to the figure
-- exactly. A call draws on its own stripe and, when that is short, pools every stripe of the
-- limit under their locks in stripe order (the lock order: scope rank, key, kind, stripe).
-- depends: 0052_budget_global_stripes_32
--
-- Reviewed for a live database (squawk, docs/CONVENTIONS.md): rate_limits holds one row per
-- configured limit and kind: its new key, UNIQUE, checks and NOT NULL replace the old ones and
-- build on those few rows at once; the old refill helper had only private callers. Kept as
-- applied: installed databases ran it before the lint existed, and a fresh install runs it on new,
-- near-empty tables.
-- squawk-ignore-file adding-not-nullable-field, adding-serial-primary-key-field, ban-drop-constraint, ban-drop-default, ban-drop-function, constraint-missing-not-valid, disallowed-unique-constraint

ALTER TABLE public.rate_limits DROP CONSTRAINT rate_limits_pkey, DROP CONSTRAINT rate_limits_scope_key_kind_key;
ALTER TABLE public.rate_limits
    ADD COLUMN stripe smallint NOT NULL DEFAULT 0 CHECK (stripe >= 0),
    ADD COLUMN stripes smallint NOT NULL DEFAULT 1 CHECK (stripes BETWEEN 1 AND 64),
    ADD COLUMN share numeric;
UPDATE public.rate_limits SET share = per_minute;
ALTER TABLE public.rate_limits ALTER COLUMN share SET NOT NULL,
    ADD CONSTRAINT rate_limits_share_check CHECK (share > 0 AND share <= per_minute AND available <= share),
    ADD CONSTRAINT rate_limits_stripe_in_range CHECK (stripe < stripes),
    ADD PRIMARY KEY (scope_rank, key, kind, stripe),
    ADD UNIQUE (scope, key, kind, stripe);
ALTER TABLE public.rate_limits ALTER COLUMN stripe DROP DEFAULT, ALTER COLUMN stripes DROP DEFAULT;
COMMENT ON COLUMN public.rate_limits.stripe IS 'This row''s stripe of the limit (0 .. stripes - 1); a call draws on stripe pg_backend_pid() mod stripes first.';
COMMENT ON COLUMN public.rate_limits.stripes IS 'How many stripes the limit kind is split over (the same in each of its rows).';
COMMENT ON COLUMN public.rate_limits.share IS 'This stripe''s part of per_minute: its capacity, and its refill per minute. The shares of a limit kind add up to per_minute.';
COMMENT ON COLUMN public.rate_limits.available IS 'What this stripe held at refilled_at (at most its share): rate_limit_usage() shows the limit''s refilled total.';

DROP FUNCTION IF EXISTS private.rate_limit_refilled(numeric, bigint, timestamptz, timestamptz);

INSERT INTO public.system_config (key, value, value_type, min_value, max_value, description) VALUES
    ('rate_limit_stripes', '32', 'integer', 1, 64,
     'Most stripes (rows) a rate limit kind is split over, so that concurrent calls of one limited scope meet different rows; a limit gets fewer when a stripe would hold under 4 requests or 20,000 tokens. Applies when set_rate_limit writes the limit.')
ON CONFLICT (key) DO NOTHING;
