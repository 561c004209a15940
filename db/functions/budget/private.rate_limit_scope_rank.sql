-- A rate limit scope's place in the lock order (global, service, model, project), the first
-- column of rate_limits' primary key.
CREATE OR REPLACE FUNCTION private.rate_limit_scope_rank(p_scope text) RETURNS smallint
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE p_scope WHEN 'global' THEN 1 WHEN 'service' THEN 2 WHEN 'model' THEN 3 WHEN 'project' THEN 4 END::smallint
$$;

REVOKE ALL ON FUNCTION private.rate_limit_scope_rank(text) FROM PUBLIC;

COMMENT ON FUNCTION private.rate_limit_scope_rank(text) IS 'Lock-order rank of a rate limit scope: global 1, service 2, model 3, project 4; NULL for anything else.';
