-- Security invariants over the whole catalog, so every later table and function is held to
-- them: RLS everywhere, nothing executable by PUBLIC or anon, pinned search_path on every
-- SECURITY DEFINER function, a COMMENT on every API function.
BEGIN;
SELECT plan(9);

-- The functions and relations of schemas public and private, and whether an extension owns them
-- (pgTAP's own functions are in public).
CREATE TEMP VIEW our_functions AS
SELECT p.oid, p.oid::regprocedure::text AS signature, p.prosecdef, coalesce(p.proconfig, '{}') AS config,
       EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') AS from_extension
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname IN ('public', 'private');
CREATE TEMP VIEW our_relations AS
SELECT c.oid, n.nspname || '.' || c.relname AS name, n.nspname AS schema, c.relname, c.relkind, c.relrowsecurity,
       EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e') AS from_extension
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname IN ('public', 'private');

SELECT is_empty($$SELECT name FROM our_relations WHERE relkind IN ('r', 'p') AND NOT relrowsecurity AND NOT from_extension$$,
                'row level security is enabled on every table in public and private');

SELECT is_empty($$SELECT signature FROM our_functions WHERE NOT from_extension AND has_function_privilege('public', oid, 'EXECUTE')$$,
                'no function of ours is executable by PUBLIC');

-- Extension functions as well as ours.
SELECT is_empty($$SELECT signature FROM our_functions
                  WHERE prosecdef AND NOT EXISTS (SELECT 1 FROM unnest(config) AS cfg WHERE cfg LIKE 'search_path=%')$$,
                'every SECURITY DEFINER function pins search_path');

SELECT is_empty(
    $$SELECT signature FROM our_functions
      WHERE NOT from_extension
        AND EXISTS (SELECT 1 FROM unnest(config) AS cfg
                    WHERE cfg LIKE 'search_path=%' AND cfg NOT LIKE 'search_path=pg_catalog, pg_temp'
                      AND cfg NOT LIKE 'search_path=pg_catalog,pg_temp' AND cfg NOT LIKE 'search_path=""')$$,
    'pinned search paths hold only pg_catalog and pg_temp (names inside are schema-qualified)'
);

SELECT is_empty($$SELECT signature FROM our_functions WHERE NOT from_extension AND obj_description(oid, 'pg_proc') IS NULL$$,
                'every function has a COMMENT ON for psql and PostgREST');

SELECT is_empty($$SELECT signature FROM our_functions WHERE NOT from_extension AND has_function_privilege('anon', oid, 'EXECUTE')$$,
                'anon can execute no function');

SELECT is_empty(
    $$SELECT name || ' ' || priv FROM our_relations, unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) AS priv
      WHERE relkind IN ('r', 'p', 'v', 'm') AND NOT from_extension AND has_table_privilege('anon', oid, priv)$$,
    'anon has no privilege on any table or view'
);

SELECT ok(
    NOT has_schema_privilege('authenticated', 'private', 'USAGE')
    AND NOT has_schema_privilege('anon', 'private', 'USAGE')
    AND NOT has_schema_privilege('service_role', 'private', 'USAGE'),
    'schema private is closed to the API roles'
);

SELECT is_empty(
    $$SELECT relname FROM our_relations
      WHERE schema = 'public' AND relkind IN ('r', 'v', 'm') AND NOT from_extension AND has_table_privilege('public', oid, 'SELECT')$$,
    'nothing in public is readable by PUBLIC'
);

SELECT * FROM finish();
ROLLBACK;
