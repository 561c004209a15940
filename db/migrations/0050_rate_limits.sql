-- Rate limits as token buckets (docs/BUDGET.md, "Rate limits"): one row per limit and kind
-- (requests or tokens per minute) for the global scope, a service, a model or a project. A
-- bucket holds at most its per-minute figure and refills continuously at figure/60 per second,
-- computed when it is next touched (available as of refilled_at), so no job refills it. The
-- primary key order (scope rank, key, kind) is the lock order, after every budget stripe.
-- A reservation records the bucket amounts it took (rate_holds) so that its settle gives back
-- the tokens it did not use and its release gives back everything.
-- depends: 0049_retention_policies

CREATE TABLE public.rate_limits (
    scope_rank  smallint NOT NULL CHECK (scope_rank BETWEEN 1 AND 4),
    scope       text NOT NULL CHECK (scope IN ('global', 'service', 'model', 'project')),
    key         text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    kind        text NOT NULL CHECK (kind IN ('requests', 'tokens')),
    per_minute  bigint NOT NULL CHECK (per_minute > 0),
    available   numeric NOT NULL CHECK (available >= 0),
    refilled_at timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text,
    PRIMARY KEY (scope_rank, key, kind),
    UNIQUE (scope, key, kind),
    CHECK (scope <> 'global' OR key = '*'),
    CHECK (scope_rank = CASE scope WHEN 'global' THEN 1 WHEN 'service' THEN 2 WHEN 'model' THEN 3 ELSE 4 END)
) WITH (fillfactor = 50);
COMMENT ON TABLE public.rate_limits IS
    'Rate limits as token buckets: per scope (global key *, service, model, project), key and kind (requests or tokens per minute). available is what the bucket held at refilled_at; it refills at per_minute/60 per second up to per_minute. Written by set_rate_limit / remove_rate_limit, drawn on by the gate; read it through rate_limit_usage().';
COMMENT ON COLUMN public.rate_limits.available IS 'Requests or tokens in the bucket as of refilled_at (not now): rate_limit_usage() shows the refilled figure.';
COMMENT ON COLUMN public.rate_limits.refilled_at IS 'The instant available was computed for; only moves forward.';

ALTER TABLE public.budget_reservations ADD COLUMN rate_holds jsonb;
COMMENT ON COLUMN public.budget_reservations.rate_holds IS
    'Bucket amounts the reservation took, in lock order: [[scope_rank, key, kind, amount, drawn_at], ...]; NULL when no rate limit applied. Settle gives back unused tokens, release everything.';

ALTER TABLE public.rate_limits ENABLE ROW LEVEL SECURITY;
CREATE POLICY service_read ON public.rate_limits FOR SELECT TO authenticated, service_role, moose_runner USING (true);
GRANT SELECT ON public.rate_limits TO authenticated, service_role, moose_runner;
