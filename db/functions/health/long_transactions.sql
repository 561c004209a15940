-- What holds this database's xmin horizon back, oldest first: sessions with a transaction id or
-- a snapshot (pg_stat_activity backend_xid / backend_xmin; a REPEATABLE READ report, a pg_dump, a
-- forgotten BEGIN), prepared transactions (pg_prepared_xacts) and replication slots with an xmin
-- or catalog_xmin (pg_replication_slots). While one is open, VACUUM cannot remove the row
-- versions the gate's hot rows leave behind, and every gate call slows down. The one place that
-- says what counts: system_health() judges the oldest row, the health check alerts on it,
-- terminate_long_transaction() ends only a session listed here, `moose db long-transactions`
-- draws it. p_min_age: only those open at least that long (NULL: health_long_transaction_warning).
-- The caller's own session, autovacuum workers (they end by themselves) and parallel workers (their
-- leader is listed) are left out. A slot's age in seconds is unknown (NULL): xid_age says how
-- many transactions it holds back. SECURITY DEFINER so the dashboard and the runner see every
-- user's sessions and query text: the owner must be a superuser or a member of pg_read_all_stats
-- (migration 0070).
CREATE OR REPLACE FUNCTION public.long_transactions(p_min_age interval DEFAULT NULL)
RETURNS TABLE (kind text, pid integer, name text, usename text, application_name text, client_addr text,
               state text, xact_start timestamptz, age_seconds numeric, xid_age integer, query_start text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_min numeric;
    v_now timestamptz := clock_timestamp();
BEGIN
    IF p_min_age < interval '0' THEN
        RAISE EXCEPTION 'the minimum age must not be negative, got %', p_min_age
            USING ERRCODE = '22023', HINT = 'Pass an age such as ''1 minute'', or NULL for health_long_transaction_warning.';
    END IF;
    v_min := extract(epoch FROM coalesce(p_min_age, private.config_interval('health_long_transaction_warning')));
    RETURN QUERY
    SELECT h.kind, h.pid, h.name, h.usename, h.application_name, h.client_addr, h.state, h.xact_start,
           round(h.age_seconds, 3), h.xid_age, h.query_start
    FROM (
        SELECT 'session'::text AS kind, a.pid, NULL::text AS name, a.usename::text, a.application_name,
               host(a.client_addr) AS client_addr, a.state, a.xact_start,
               extract(epoch FROM v_now - coalesce(a.xact_start, a.backend_start)) AS age_seconds,
               greatest(age(a.backend_xid), age(a.backend_xmin)) AS xid_age,
               left(regexp_replace(a.query, '\s+', ' ', 'g'), 200) AS query_start
        FROM pg_catalog.pg_stat_activity AS a
        WHERE (a.backend_xid IS NOT NULL OR a.backend_xmin IS NOT NULL)
          AND (a.datname = current_database() OR (a.datname IS NULL AND a.backend_type = 'walsender'))
          AND a.pid <> pg_backend_pid() AND a.leader_pid IS DISTINCT FROM pg_backend_pid()
          AND a.backend_type NOT IN ('autovacuum worker', 'parallel worker')
        UNION ALL
        SELECT 'prepared', NULL, p.gid, p.owner::text, NULL, NULL, 'prepared', p.prepared,
               extract(epoch FROM v_now - p.prepared), age(p.transaction), NULL
        FROM pg_catalog.pg_prepared_xacts AS p
        WHERE p.database = current_database()
        UNION ALL
        SELECT 'replication_slot', s.active_pid, s.slot_name::text, NULL, s.slot_type,
               NULL, CASE WHEN s.active THEN 'active' ELSE 'inactive' END, NULL,
               NULL, greatest(age(s.xmin), age(s.catalog_xmin)), NULL
        FROM pg_catalog.pg_replication_slots AS s
        WHERE (s.xmin IS NOT NULL OR s.catalog_xmin IS NOT NULL)
          AND (s.database IS NULL OR s.database = current_database())
    ) AS h
    WHERE h.age_seconds IS NULL OR h.age_seconds >= v_min
    ORDER BY h.age_seconds DESC NULLS LAST, h.xid_age DESC, h.pid;
END
$$;

REVOKE ALL ON FUNCTION public.long_transactions(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.long_transactions(interval) TO service_role, moose_runner;

COMMENT ON FUNCTION public.long_transactions(interval) IS 'What holds this database''s xmin horizon back, oldest first: sessions with a transaction or snapshot, prepared transactions, replication slots with an xmin (kind, pid, name, usename, application_name, client_addr, state, xact_start, age_seconds, xid_age, query_start). p_min_age: only those at least that old (NULL: health_long_transaction_warning). What `moose db long-transactions` lists and system_health() judges.';
