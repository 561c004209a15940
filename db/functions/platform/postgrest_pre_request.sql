-- PostgREST's db-pre-request hook (deploy/postgrest.conf): the ops core is reached over HTTP only
-- through its functions (POST /rpc/<name>). Any other path (a table or view read or write) is
-- refused before it runs, whatever the table grants would allow; psql and the runner, which do
-- not go through PostgREST, are unaffected.
CREATE OR REPLACE FUNCTION public.postgrest_pre_request() RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_path text := coalesce(nullif(current_setting('request.path', true), ''), '/');
BEGIN
    IF v_path !~ '^/rpc/[A-Za-z_][A-Za-z0-9_]*$' THEN
        RAISE EXCEPTION 'only /rpc/<function> is served here, not %', left(v_path, 200)
            USING ERRCODE = '42501',
                  HINT = 'Call a function, e.g. POST /rpc/budget_status; tables are not exposed over HTTP.';
    END IF;
END
$$;

REVOKE ALL ON FUNCTION public.postgrest_pre_request() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.postgrest_pre_request() TO authenticated, service_role;

COMMENT ON FUNCTION public.postgrest_pre_request() IS 'PostgREST db-pre-request hook: refuses (42501) every request path other than /rpc/<function>, so only the function surface is exposed over HTTP.';
