-- Security invariants over the whole catalog, so every later table and function is held to
-- them: RLS everywhere, nothing executable by PUBLIC or anon, pinned search_path on every
-- SECURITY DEFINER function, a COMMENT on every API function.
BEGIN;
SELECT plan(9);

SELECT is_empty(
    $$SELECT n.nspname || '.' || c.relname
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname IN ('public', 'private')
        AND NOT c.relrowsecurity
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')$$,
    'row level security is enabled on every table in public and private'
);

SELECT is_empty(
    $$SELECT p.oid::regprocedure::text
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname IN ('public', 'private')
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
        AND has_function_privilege('public', p.oid, 'EXECUTE')$$,
    'no function of ours is executable by PUBLIC'
);

SELECT is_empty(
    $$SELECT p.oid::regprocedure::text
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname IN ('public', 'private') AND p.prosecdef
        AND NOT EXISTS (SELECT 1 FROM unnest(coalesce(p.proconfig, '{}')) AS cfg
                        WHERE cfg LIKE 'search_path=%')$$,
    'every SECURITY DEFINER function pins search_path'
);

SELECT is_empty(
    $$SELECT p.oid::regprocedure::text
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname IN ('public', 'private')
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
        AND EXISTS (SELECT 1 FROM unnest(coalesce(p.proconfig, '{}')) AS cfg
                    WHERE cfg LIKE 'search_path=%' AND cfg NOT LIKE 'search_path=pg_catalog, pg_temp'
                      AND cfg NOT LIKE 'search_path=pg_catalog,pg_temp' AND cfg NOT LIKE 'search_path=""')$$,
    'pinned search paths hold only pg_catalog and pg_temp (names inside are schema-qualified)'
);

SELECT is_empty(
    $$SELECT p.oid::regprocedure::text
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname IN ('public', 'private')
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
        AND obj_description(p.oid, 'pg_proc') IS NULL$$,
    'every function has a COMMENT ON for psql and PostgREST'
);

SELECT is_empty(
    $$SELECT p.oid::regprocedure::text
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname IN ('public', 'private')
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
        AND has_function_privilege('anon', p.oid, 'EXECUTE')$$,
    'anon can execute no function'
);

SELECT is_empty(
    $$SELECT n.nspname || '.' || c.relname || ' ' || priv
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,
           unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) AS priv
      WHERE c.relkind IN ('r', 'p', 'v', 'm') AND n.nspname IN ('public', 'private')
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
        AND has_table_privilege('anon', c.oid, priv)$$,
    'anon has no privilege on any table or view'
);

SELECT ok(
    NOT has_schema_privilege('authenticated', 'private', 'USAGE')
    AND NOT has_schema_privilege('anon', 'private', 'USAGE')
    AND NOT has_schema_privilege('service_role', 'private', 'USAGE'),
    'schema private is closed to the API roles'
);

SELECT is_empty(
    $$SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'm')
        AND has_table_privilege('public', c.oid, 'SELECT')
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')$$,
    'nothing in public is readable by PUBLIC'
);

SELECT * FROM finish();
ROLLBACK;
