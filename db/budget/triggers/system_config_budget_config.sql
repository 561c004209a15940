-- Keeps private.budget_config, the typed copy of the budget keys that check_and_reserve_budget
-- reads on every call, equal to system_config: any statement that changes system_config
-- (the runbook's `UPDATE system_config SET value = '0' WHERE key = 'daily_budget_limit'`
-- included) rewrites the copy in the same transaction. Statement level: one rewrite per
-- statement however many keys it touched.
-- SECURITY DEFINER (search_path pinned): the API roles that may change system_config cannot
-- write schema private.
CREATE OR REPLACE FUNCTION private.system_config_budget_config()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM private.budget_config_refresh();
    RETURN NULL;
END
$$;

REVOKE ALL ON FUNCTION private.system_config_budget_config() FROM PUBLIC;
COMMENT ON FUNCTION private.system_config_budget_config() IS
    'Trigger function: rewrites private.budget_config from system_config after any change to system_config.';

CREATE OR REPLACE TRIGGER system_config_budget_config
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON public.system_config
    FOR EACH STATEMENT
    EXECUTE FUNCTION private.system_config_budget_config();

COMMENT ON TRIGGER system_config_budget_config ON public.system_config IS
    'Rewrites private.budget_config (the budget gate''s typed copy of its config keys) in the same transaction as the change.';

-- Installing (or re-installing) the trigger also fills the copy, so a fresh or upgraded
-- database starts with it equal to system_config.
SELECT private.budget_config_refresh();
