-- The optional tables (keyed by a unique `name` column) that backup_config includes when they
-- exist and restore_config accepts: the alert channels of the delivery part.
CREATE OR REPLACE FUNCTION private.config_backup_tables()
RETURNS text[]
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT ARRAY['alert_channels']::text[];
$$;

REVOKE ALL ON FUNCTION private.config_backup_tables() FROM PUBLIC;

COMMENT ON FUNCTION private.config_backup_tables() IS
    'Optional tables keyed by name that backup_config includes when present (alert_channels).';
