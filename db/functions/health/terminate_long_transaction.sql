-- Ends one long transaction (`moose db long-transactions --terminate PID`): the session must be
-- one long_transactions() lists now (this database, holding the xmin horizon back for at least
-- health_long_transaction_warning), so a mistyped pid cannot end a healthy session; its
-- transaction rolls back and the connection closes (pg_terminate_backend, waiting up to 5 s for
-- it to go). Audited with what the session was doing. A prepared transaction has no session:
-- ROLLBACK PREPARED 'gid' ends it. SECURITY DEFINER: the owner must be a superuser or a member of
-- pg_signal_backend (migration 0070); only the runner's login may call it.
CREATE OR REPLACE FUNCTION public.terminate_long_transaction(p_pid integer) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_hint constant text := 'moose db long-transactions (or SELECT * FROM long_transactions();) lists the sessions that may be ended.';
    v_found boolean;
    v_row record;
    v_gone boolean;
BEGIN
    PERFORM private.check_required('the pid', p_pid, v_hint);
    SELECT true INTO v_found FROM pg_catalog.pg_stat_activity AS a
    WHERE a.pid = p_pid AND a.datname = current_database();
    PERFORM private.check_found(coalesce(v_found, false), 'session', p_pid, v_hint);
    IF p_pid = pg_backend_pid() THEN
        RAISE EXCEPTION 'session % is this session', p_pid USING ERRCODE = '55000', HINT = 'End your own transaction with ROLLBACK.';
    END IF;
    SELECT l.* INTO v_row FROM public.long_transactions(NULL) AS l WHERE l.kind = 'session' AND l.pid = p_pid;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'session % is not a long transaction (open less than health_long_transaction_warning, %, or holding no snapshot)',
                        p_pid, private.config_interval('health_long_transaction_warning')
            USING ERRCODE = '55000', HINT = v_hint;
    END IF;

    v_gone := pg_terminate_backend(p_pid, 5000);
    INSERT INTO public.audit_log (actor, action, target, details)
    VALUES (private.current_actor(), 'database.terminate_long_transaction', format('pid %s', p_pid),
            to_jsonb(v_row) || jsonb_build_object('terminated', v_gone));
    RETURN to_jsonb(v_row) || jsonb_build_object('terminated', v_gone);
END
$$;

REVOKE ALL ON FUNCTION public.terminate_long_transaction(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.terminate_long_transaction(integer) TO moose_runner;

COMMENT ON FUNCTION public.terminate_long_transaction(integer) IS 'End the session of a long transaction that long_transactions() lists now (pg_terminate_backend: its transaction rolls back); P0002 for no such session in this database, 55000 for one that is not a long transaction. Audited. Returns the row it ended plus terminated (true once it is gone).';
