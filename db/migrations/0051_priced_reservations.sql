-- Priced reservations (reserve_llm_call, settle_llm_call; docs/BUDGET.md, "Priced calls"): a
-- reservation priced from model_prices records the price row it used (model and
-- effective_from) and the token counts it was priced for, so that its settle prices the actual
-- counts at the same row, whatever price took effect meanwhile.
-- depends: 0050_rate_limits 0019_model_prices
--
-- Reviewed for a live database (squawk, docs/CONVENTIONS.md): the CHECK covers four columns added
-- in the same statement (NULL on every existing row): one scan of budget_reservations under the
-- ALTER's ACCESS EXCLUSIVE. Kept as applied: installed databases ran it before the lint existed,
-- and a fresh install runs it on new, near-empty tables.
-- squawk-ignore-file constraint-missing-not-valid

ALTER TABLE public.budget_reservations
    ADD COLUMN price_model text,
    ADD COLUMN price_effective_from timestamptz,
    ADD COLUMN priced_input_tokens integer CHECK (priced_input_tokens >= 0),
    ADD COLUMN priced_max_output_tokens integer CHECK (priced_max_output_tokens >= 0),
    ADD CONSTRAINT budget_reservations_priced_together
        CHECK ((price_model IS NULL) = (price_effective_from IS NULL)
               AND (price_model IS NULL) = (priced_input_tokens IS NULL)
               AND (price_model IS NULL) = (priced_max_output_tokens IS NULL));
COMMENT ON COLUMN public.budget_reservations.price_model IS
    'With price_effective_from: the model_prices row reserve_llm_call priced this reservation at; settle_llm_call prices the actual tokens at the same row. NULL for reservations priced by the caller.';
COMMENT ON COLUMN public.budget_reservations.priced_input_tokens IS 'Input tokens the reservation was priced for (reserve_llm_call).';
COMMENT ON COLUMN public.budget_reservations.priced_max_output_tokens IS 'Maximum output tokens the reservation was priced for (reserve_llm_call).';
