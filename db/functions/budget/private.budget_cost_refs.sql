-- The stripes a cost row written straight into cost_tracking (not by settle_reservation) is
-- booked on: the caller's stripe (pg_backend_pid() mod K) of the global day budget of its day
-- and of every other budget that applies to its service, metadata.project and work order.
-- Creates the period's stripes where missing (from the limit in force: private.budget_open_stripes),
-- and leaves out a budget removed since it was read. The names match budgets by the shared
-- blank rule, as in the gate (private.strip_blank: U&'svc\200B' books on svc). In lock order.
CREATE OR REPLACE FUNCTION private.budget_cost_refs(p_service text, p_project text, p_work_order text, p_day date)
RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_s private.budget_settings_t := private.budget_settings();
    v_refs jsonb;
    v_b record;
    v_stripes integer;
BEGIN
    v_stripes := private.budget_open_stripes(1::smallint, 'global', '*', 'day', p_day, v_s.global_stripes);
    v_refs := jsonb_build_array(jsonb_build_array(1, '*', 'day', p_day, pg_backend_pid() % v_stripes));
    IF v_s.scoped THEN
        FOR v_b IN SELECT * FROM private.budget_applicable(nullif(private.strip_blank(p_service), ''),
                                                            nullif(private.strip_blank(p_project), ''),
                                                            p_work_order, p_day) LOOP
            v_stripes := private.budget_open_stripes(v_b.scope_rank, v_b.scope, v_b.key, v_b.period, v_b.period_start,
                                                     v_b.stripes);
            CONTINUE WHEN v_stripes IS NULL;  -- removed since: no longer booked on
            v_refs := v_refs || jsonb_build_array(jsonb_build_array(v_b.scope_rank, v_b.key, v_b.period, v_b.period_start,
                                                                    pg_backend_pid() % v_stripes));
        END LOOP;
    END IF;
    RETURN v_refs;
END
$$;

REVOKE ALL ON FUNCTION private.budget_cost_refs(text, text, text, date) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_cost_refs(text, text, text, date) IS 'Stripes a direct cost_tracking row is booked on: the global day budget of its day and every other budget that applies (created if missing), in lock order.';
