-- Long transactions in the health verdict: the thresholds (health_long_transaction_warning,
-- health_long_transaction_error) and the health check's memory of the current long-transaction
-- episode, so the database.long_transaction alert fires once when an episode starts, not every
-- five minutes while it lasts. The functions that read pg_stat_activity run as their owner (the
-- migrating role): to see other users' sessions and query text it must be a superuser or a
-- member of pg_read_all_stats (and pg_signal_backend to end one), granted here when the migrating
-- role may grant them.
-- depends: 0060_ops_metrics_counts

INSERT INTO public.system_config (key, value, value_type, min_value, max_value, description) VALUES
    ('health_long_transaction_warning', '"60 seconds"', 'interval', 0, 86400,
     'system_health() warns when the oldest transaction or snapshot holding the xmin horizon back (a session, a prepared transaction, a replication slot) is older than this.'),
    ('health_long_transaction_error', '"10 minutes"', 'interval', 0, 604800,
     'system_health() reports an error when the oldest transaction or snapshot holding the xmin horizon back is older than this.')
ON CONFLICT (key) DO NOTHING;

ALTER TABLE public.health_checks
    ADD COLUMN IF NOT EXISTS long_transaction_since timestamptz,
    ADD COLUMN IF NOT EXISTS long_transaction_alert_id bigint;
COMMENT ON COLUMN public.health_checks.long_transaction_since IS
    'When the health check first saw the current long-transaction episode (NULL: none now); its database.long_transaction alert is raised once per episode.';
COMMENT ON COLUMN public.health_checks.long_transaction_alert_id IS
    'The database.long_transaction alert of the current (or last) episode.';

DO $$
DECLARE
    v_role text;
BEGIN
    FOREACH v_role IN ARRAY ARRAY['pg_read_all_stats', 'pg_signal_backend'] LOOP
        IF NOT (SELECT r.rolsuper OR pg_has_role(r.oid, v_role, 'USAGE')
                FROM pg_catalog.pg_roles AS r WHERE r.rolname = current_user) THEN
            BEGIN
                EXECUTE format('GRANT %I TO %I', v_role, current_user);
            EXCEPTION WHEN insufficient_privilege THEN
                RAISE WARNING 'cannot grant % to %: long_transactions() and terminate_long_transaction() see and end only its own sessions',
                              v_role, current_user
                    USING HINT = format('As a superuser: GRANT %I TO %I;', v_role, current_user);
            END;
        END IF;
    END LOOP;
END
$$;
