-- Counts refinement attempts where they are recorded: every failed outcome vector, whoever
-- inserts it (record_outcome, the orchestrator writing the table directly), adds one to the work
-- order's refinement_attempts. More than max_refinement_attempts opens (or finds the open)
-- retry_exhausted escalation and holds the work order as blocked for the decision.
CREATE OR REPLACE FUNCTION private.outcome_vectors_count_attempts()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_attempts integer;
    v_max integer := private.config_numeric('max_refinement_attempts')::integer;
    v_escalation uuid;
    v_cost numeric;
BEGIN
    UPDATE public.work_orders AS w
    SET refinement_attempts = w.refinement_attempts + 1
    WHERE w.id = NEW.work_order_id
    RETURNING w.refinement_attempts INTO v_attempts;
    IF v_attempts IS NULL OR v_attempts <= v_max THEN
        RETURN NULL;
    END IF;
    SELECT coalesce(sum(o.cost), 0) INTO v_cost
    FROM public.outcome_vectors AS o WHERE o.work_order_id = NEW.work_order_id;
    v_escalation := public.create_escalation(NEW.work_order_id, 'retry_exhausted', jsonb_build_object(
        'reason', format('%s failed attempts, more than the allowed %s', v_attempts, v_max),
        'attempts', v_attempts,
        'max_refinement_attempts', v_max,
        'model_used', NEW.model_used,
        'cost_spent', v_cost,
        'last_outcome_vector_id', NEW.id,
        'last_error', coalesce(NEW.metadata -> 'error_message', NEW.metadata -> 'error_details')));
    PERFORM private.block_work_order(NEW.work_order_id, v_escalation, 'retry_exhausted escalation');
    RETURN NULL;
END
$$;

REVOKE ALL ON FUNCTION private.outcome_vectors_count_attempts() FROM PUBLIC;
COMMENT ON FUNCTION private.outcome_vectors_count_attempts() IS
    'Trigger function: a failed outcome vector adds one refinement attempt; more than max_refinement_attempts opens retry_exhausted and blocks the work order.';

CREATE OR REPLACE TRIGGER outcome_vectors_count_attempts
    AFTER INSERT ON public.outcome_vectors
    FOR EACH ROW
    WHEN (NOT NEW.success)
    EXECUTE FUNCTION private.outcome_vectors_count_attempts();

COMMENT ON TRIGGER outcome_vectors_count_attempts ON public.outcome_vectors IS
    'Failed attempts count as refinement attempts; too many open retry_exhausted.';
