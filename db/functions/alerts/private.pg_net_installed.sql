-- Whether pg_net's interface is here: net.http_post with its exact signature and the response
-- table net._http_response. A LANGUAGE sql function, so the PL/pgSQL callers that then reach
-- pg_net through EXECUTE stay clean under plpgsql_check on servers without pg_net.
CREATE OR REPLACE FUNCTION private.pg_net_installed() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.to_regprocedure('net.http_post(text,jsonb,jsonb,jsonb,integer)') IS NOT NULL
       AND pg_catalog.to_regclass('net._http_response') IS NOT NULL;
$$;

REVOKE ALL ON FUNCTION private.pg_net_installed() FROM PUBLIC;

COMMENT ON FUNCTION private.pg_net_installed() IS 'True when pg_net''s net.http_post(text, jsonb, jsonb, jsonb, integer) and net._http_response exist.';
