-- Lint: every PL/pgSQL function and trigger function of ours passes plpgsql_check with no
-- errors (missing columns, wrong types, unknown functions surface here, not in production).
-- Statement trigger functions are checked with their trigger's transition tables.
BEGIN;
SELECT plan(1);

SELECT is_empty(
    $$SELECT p.oid::regprocedure::text || ': ' || r.message
             || coalesce(' (line ' || r.lineno || ')', '')
      FROM pg_proc p
      JOIN pg_namespace n ON n.oid = p.pronamespace
      JOIN pg_language l ON l.oid = p.prolang AND l.lanname = 'plpgsql'
      LEFT JOIN LATERAL (
          SELECT t.tgrelid, t.tgoldtable, t.tgnewtable FROM pg_trigger t WHERE t.tgfoid = p.oid ORDER BY t.oid LIMIT 1
      ) AS trg ON true
      CROSS JOIN LATERAL plpgsql_check_function_tb(
          p.oid,
          relid => coalesce(trg.tgrelid, 0),
          oldtable => trg.tgoldtable,
          newtable => trg.tgnewtable,
          fatal_errors => false,
          other_warnings => false,
          performance_warnings => false,
          extra_warnings => false
      ) AS r
      WHERE n.nspname IN ('public', 'private')
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
        AND (p.prorettype <> 'trigger'::regtype OR trg.tgrelid IS NOT NULL)
        AND r.level = 'error'$$,
    'every PL/pgSQL function passes plpgsql_check without errors'
);

SELECT * FROM finish();
ROLLBACK;
