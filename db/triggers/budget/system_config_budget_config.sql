-- Checks the budget config as a whole (private.budget_config_check: 22023 refuses the
-- statement) and keeps private.budget_config, the typed copy of the budget keys that check_and_reserve_budget
-- reads on every call, equal to system_config: any statement that changes system_config
-- (the runbook's `UPDATE system_config SET value = '0' WHERE key = 'daily_budget_limit'`
-- included) rewrites the copy in the same transaction. Statement level: one rewrite per
-- statement however many keys it touched. The global day budget's row in public.budgets
-- follows daily_budget_limit and budget_global_stripes, and its open stripes are re-split to
-- the new limit under their locks.
-- SECURITY DEFINER (search_path pinned): the API roles that may change system_config cannot
-- write schema private.
CREATE OR REPLACE FUNCTION private.system_config_budget_config() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_new private.budget_config;
BEGIN
    IF TG_TABLE_NAME = 'system_config' THEN
        v_new := private.budget_config_from_system_config();
        IF v_new IS NOT NULL THEN  -- every key present (a restore may pass through gaps)
            PERFORM private.budget_config_check(v_new);
        END IF;
    END IF;
    PERFORM private.budget_config_refresh();
    SELECT * INTO v_new FROM private.budget_config AS c;
    -- The global day budget and daily_budget_limit are one value: keep its row in step and
    -- re-split today's stripes (and tomorrow's if open) under their lock.
    IF TG_TABLE_NAME = 'system_config' AND v_new.daily_limit IS NOT NULL AND v_new.global_stripes IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM public.budgets AS b
                       WHERE b.scope = 'global' AND b.key = '*' AND b.period = 'day'
                         AND b.budget_limit = v_new.daily_limit AND b.stripes = v_new.global_stripes) THEN
        INSERT INTO public.budgets (scope, key, period, budget_limit, stripes, updated_by)
        VALUES ('global', '*', 'day', v_new.daily_limit, v_new.global_stripes, private.current_actor())
        ON CONFLICT (scope, key, period) DO UPDATE
        SET budget_limit = EXCLUDED.budget_limit, stripes = EXCLUDED.stripes, updated_at = now(),
            updated_by = EXCLUDED.updated_by;
        PERFORM private.budget_resplit('global', '*', 'day', v_new.daily_limit);
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER system_config_budget_config
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON public.system_config
    FOR EACH STATEMENT EXECUTE FUNCTION private.system_config_budget_config();

-- Whether scoped budgets exist is part of the copy (the gate skips their lookup when not).
CREATE OR REPLACE TRIGGER budgets_budget_config
    AFTER INSERT OR DELETE ON public.budgets
    FOR EACH STATEMENT EXECUTE FUNCTION private.system_config_budget_config();

REVOKE ALL ON FUNCTION private.system_config_budget_config() FROM PUBLIC;
COMMENT ON FUNCTION private.system_config_budget_config() IS 'Trigger function: rewrites private.budget_config from system_config after any change to system_config.';
COMMENT ON TRIGGER system_config_budget_config ON public.system_config IS 'Rewrites private.budget_config (the budget gate''s typed copy of its config keys) in the same transaction as the change.';
COMMENT ON TRIGGER budgets_budget_config ON public.budgets IS 'Keeps private.budget_config.scoped (any budget besides the global day one) in step.';

-- Installing (or re-installing) the trigger also fills the copy, so a fresh or upgraded
-- database starts with it equal to system_config.
SELECT private.budget_config_refresh();
