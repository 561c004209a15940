-- pg_net, asynchronous HTTP from PostgreSQL, for the alert path without the runner
-- (dispatch_alerts / reconcile_alert_deliveries), created where the server offers it: the
-- extension is available and its library preloaded (shared_preload_libraries; pg_net refuses to
-- load otherwise). Anywhere else this says why in a NOTICE and changes nothing: the runner
-- delivers alerts and the pg_net functions answer 55000. A server that gets pg_net later needs
-- `CREATE EXTENSION pg_net;` by hand (docs/ALERTS.md).
-- pg_net grants ALL on its queue and response tables to PUBLIC: any role could read a queued
-- request (the SendGrid key is in its headers) or write a response (a forged 200 would mark a
-- delivery delivered). Where this migration creates pg_net it takes that back; the worker runs
-- as superuser and dispatch_alerts / reconcile_alert_deliveries are SECURITY DEFINER. An
-- extension that was already there (Supabase) keeps the privileges its platform gave it.
-- depends: 0031_alert_retry_after

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_net') THEN
        RETURN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = 'pg_net') THEN
        RAISE NOTICE 'pg_net is not available on this server: alerts are delivered by the runner';
        RETURN;
    END IF;
    CREATE EXTENSION IF NOT EXISTS pg_net;
    REVOKE ALL ON ALL TABLES IN SCHEMA net FROM PUBLIC;
    REVOKE ALL ON ALL SEQUENCES IN SCHEMA net FROM PUBLIC;
EXCEPTION
    -- Not preloaded ("pg_net is not in shared_preload_libraries", XX000), or not allowed to.
    WHEN internal_error OR insufficient_privilege THEN
        RAISE NOTICE 'pg_net is available but not created (%): alerts are delivered by the runner', SQLERRM;
END
$$;
