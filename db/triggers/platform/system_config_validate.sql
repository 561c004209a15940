-- Refuses a config value of the wrong type or out of range, whoever writes it (update_config,
-- a DBA's UPDATE, a restore). The runbook's own `SET value = '0'` for the limit stays legal.
-- It calls private.current_actor(), and schema private is closed to the API roles: as SECURITY
-- DEFINER (search_path pinned) the runner's and service_role's own UPDATEs work, as the runbook's
-- section 5.1 does them.
CREATE OR REPLACE FUNCTION private.system_config_validate() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_kind text := jsonb_typeof(NEW.value);
    v_text text := NEW.value #>> '{}';
    v_number numeric;
BEGIN
    IF TG_OP = 'UPDATE' AND (NEW.value_type, NEW.min_value, NEW.max_value) IS DISTINCT FROM
                            (OLD.value_type, OLD.min_value, OLD.max_value)
       AND current_setting('moose.allow_config_schema_change', true) IS DISTINCT FROM 'on' THEN
        RAISE EXCEPTION 'the type and range of config key "%" are fixed', NEW.key
            USING ERRCODE = '42501', HINT = 'Change value only; a migration changes types and ranges.';
    END IF;

    CASE NEW.value_type
    WHEN 'numeric', 'integer' THEN
        IF v_kind <> 'number' THEN
            RAISE EXCEPTION 'config "%" must be a JSON number, got %', NEW.key, NEW.value::text
                USING ERRCODE = '22023', HINT = CASE
                    -- The example keeps the value in force: a hint must never suggest a value
                    -- that changes behaviour (the range's lower end for the limit stops all spend).
                    WHEN TG_OP = 'UPDATE' AND jsonb_typeof(OLD.value) = 'number' THEN
                        format('Give a JSON number from %s to %s; it is %s now, e.g. SELECT update_config(%L, %L);',
                               coalesce(NEW.min_value::text, 'any'), coalesce(NEW.max_value::text, 'any'),
                               OLD.value, NEW.key, OLD.value::text)
                    ELSE format('Give a JSON number from %s to %s, written without quotes.',
                                coalesce(NEW.min_value::text, 'any'), coalesce(NEW.max_value::text, 'any')) END;
        END IF;
        v_number := v_text::numeric;
        IF NEW.value_type = 'integer' AND v_number <> trunc(v_number) THEN
            RAISE EXCEPTION 'config "%" must be a whole number, got %', NEW.key, v_text
                USING ERRCODE = '22023', HINT = 'Drop the fraction.';
        END IF;
    WHEN 'interval' THEN
        IF v_kind <> 'string' THEN
            RAISE EXCEPTION 'config "%" must be an interval as a JSON string, got %', NEW.key, NEW.value::text
                USING ERRCODE = '22023', HINT = 'E.g. ''"2 hours"''::jsonb.';
        END IF;
        BEGIN
            v_number := extract(epoch FROM v_text::interval);
        EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow OR interval_field_overflow THEN
            RAISE EXCEPTION 'config "%" is not a valid interval: %', NEW.key, left(v_text, 100)
                USING ERRCODE = '22023', HINT = 'E.g. ''"2 hours"'', ''"90 days"'', ''"15 minutes"''.';
        END;
    WHEN 'boolean' THEN
        IF v_kind <> 'boolean' THEN
            RAISE EXCEPTION 'config "%" must be true or false, got %', NEW.key, NEW.value::text
                USING ERRCODE = '22023', HINT = 'Use the JSON literals true or false.';
        END IF;
    WHEN 'timezone' THEN
        IF v_kind <> 'string' OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names AS z WHERE z.name = v_text) THEN
            RAISE EXCEPTION 'config "%" must be a time zone name, got %', NEW.key, left(NEW.value::text, 100)
                USING ERRCODE = '22023', HINT = 'E.g. ''"UTC"'' or ''"America/New_York"'' (see pg_timezone_names).';
        END IF;
    WHEN 'text' THEN
        IF v_kind <> 'string' OR length(v_text) NOT BETWEEN 1 AND 1000 THEN
            RAISE EXCEPTION 'config "%" must be a JSON string of 1 to 1000 characters', NEW.key
                USING ERRCODE = '22023', HINT = 'E.g. ''"gpt-4o-mini"''::jsonb.';
        END IF;
    ELSE
        -- Without this branch an unknown type fails as "case not found" (SQLSTATE 20000)
        -- before the table's CHECK constraint gets to say anything useful.
        RAISE EXCEPTION 'config "%" has unknown value_type %', NEW.key, coalesce(quote_literal(NEW.value_type), 'NULL')
            USING ERRCODE = '22023', HINT = 'Use one of: numeric, integer, interval, boolean, text, timezone.';
    END CASE;

    IF v_number IS NOT NULL AND (v_number < NEW.min_value OR v_number > NEW.max_value) THEN
        RAISE EXCEPTION 'config "%" = % is out of range [%, %]', NEW.key, v_text, NEW.min_value, NEW.max_value
            USING ERRCODE = '22023',
                  HINT = CASE WHEN NEW.value_type = 'interval' THEN 'The range is in seconds.'
                              ELSE 'Pick a value inside the range.' END;
    END IF;

    NEW.updated_at := now();
    NEW.updated_by := private.current_actor();
    RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER system_config_validate
    BEFORE INSERT OR UPDATE ON public.system_config
    FOR EACH ROW EXECUTE FUNCTION private.system_config_validate();

REVOKE ALL ON FUNCTION private.system_config_validate() FROM PUBLIC;
COMMENT ON FUNCTION private.system_config_validate() IS 'Trigger function: refuses a system_config value of the wrong type or out of range (22023), stamps updated_at and updated_by.';
COMMENT ON TRIGGER system_config_validate ON public.system_config IS 'Refuses values of the wrong type or out of range (SQLSTATE 22023) and stamps updated_at/updated_by.';
