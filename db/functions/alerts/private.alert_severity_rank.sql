-- The order of alert severities (info < warning < error < critical), used to match an alert
-- against a channel's minimum severity and to send the most severe first under a throttle.
CREATE OR REPLACE FUNCTION private.alert_severity_rank(p_severity text) RETURNS integer
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE p_severity WHEN 'info' THEN 1 WHEN 'warning' THEN 2 WHEN 'error' THEN 3 WHEN 'critical' THEN 4 END;
$$;

REVOKE ALL ON FUNCTION private.alert_severity_rank(text) FROM PUBLIC;

COMMENT ON FUNCTION private.alert_severity_rank(text) IS 'info=1, warning=2, error=3, critical=4; NULL for anything else.';
