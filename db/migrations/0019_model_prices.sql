-- Model prices, versioned (docs/BUDGET.md, "Model prices"): one row per model and instant it
-- takes effect, in USD per million tokens. A price change is a new row with a later
-- effective_from; a row already in effect (effective_from <= now()) is history and is never
-- updated or deleted (triggers model_prices_history and model_prices_refuse_truncate). An
-- optional long-context tier prices the whole call at its own rates when the input tokens
-- exceed its threshold. Written only through set_model_price, import_model_prices and
-- restore_config.
-- depends: 0016_budget_cap_escalations

CREATE TABLE public.model_prices (
    model                                  text NOT NULL
        CHECK (length(model) BETWEEN 1 AND 200 AND model !~ '^[[:space:]]*$'),
    effective_from                         timestamptz NOT NULL
        CHECK (isfinite(effective_from) AND effective_from >= '2000-01-01 00:00:00+00'),
    input_usd_per_mtok                     numeric NOT NULL
        CHECK (input_usd_per_mtok >= 0 AND input_usd_per_mtok < 1000000),
    output_usd_per_mtok                    numeric NOT NULL
        CHECK (output_usd_per_mtok >= 0 AND output_usd_per_mtok < 1000000),
    cached_input_usd_per_mtok              numeric
        CHECK (cached_input_usd_per_mtok >= 0 AND cached_input_usd_per_mtok < 1000000),
    max_output_tokens                      integer CHECK (max_output_tokens > 0),
    long_context_threshold_tokens          integer CHECK (long_context_threshold_tokens > 0),
    long_context_input_usd_per_mtok        numeric
        CHECK (long_context_input_usd_per_mtok >= 0 AND long_context_input_usd_per_mtok < 1000000),
    long_context_output_usd_per_mtok       numeric
        CHECK (long_context_output_usd_per_mtok >= 0 AND long_context_output_usd_per_mtok < 1000000),
    long_context_cached_input_usd_per_mtok numeric
        CHECK (long_context_cached_input_usd_per_mtok >= 0 AND long_context_cached_input_usd_per_mtok < 1000000),
    created_at                             timestamptz NOT NULL DEFAULT now(),
    created_by                             text,
    PRIMARY KEY (model, effective_from),
    -- The tier comes whole: threshold, input and output rates together; its cached rate only with them.
    CONSTRAINT model_prices_long_context_whole CHECK (
        (long_context_threshold_tokens IS NULL) = (long_context_input_usd_per_mtok IS NULL)
        AND (long_context_threshold_tokens IS NULL) = (long_context_output_usd_per_mtok IS NULL)
        AND (long_context_threshold_tokens IS NOT NULL OR long_context_cached_input_usd_per_mtok IS NULL))
);
COMMENT ON TABLE public.model_prices IS
    'Model prices in USD per million tokens, one row per model and instant it takes effect (effective_from). The price of a call at instant t is the row of its model with the latest effective_from <= t. Rows in effect are history: never updated or deleted (corrections are new rows); rows not yet in effect may be replaced. Written by set_model_price, import_model_prices (LiteLLM''s file: moose prices import) and restore_config.';
COMMENT ON COLUMN public.model_prices.cached_input_usd_per_mtok IS
    'Rate of cached (cache-read) input tokens; NULL: the model has no cached rate and cached tokens cost the input rate.';
COMMENT ON COLUMN public.model_prices.max_output_tokens IS
    'The most output tokens one call can produce (a reservation''s default); NULL when unknown.';
COMMENT ON COLUMN public.model_prices.long_context_threshold_tokens IS
    'Long-context tier: a call with more input tokens than this is priced whole (input, cached and output) at the long_context_* rates. NULL: no tier.';

ALTER TABLE public.model_prices ENABLE ROW LEVEL SECURITY;
CREATE POLICY price_read ON public.model_prices FOR SELECT TO authenticated, service_role, moose_runner USING (true);
GRANT SELECT ON public.model_prices TO authenticated, service_role, moose_runner;
