-- A scope's place in the budget engine's lock order: global 1, service 2, project 3,
-- work_order 4 (stripes are locked by scope rank, key, period, period start, stripe).
CREATE OR REPLACE FUNCTION private.budget_scope_rank(p_scope text) RETURNS smallint
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_scope WHEN 'global' THEN 1 WHEN 'service' THEN 2 WHEN 'project' THEN 3
                        WHEN 'work_order' THEN 4 END::smallint
$$;

REVOKE ALL ON FUNCTION private.budget_scope_rank(text) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_scope_rank(text) IS 'Lock-order rank of a budget scope: global 1, service 2, project 3, work_order 4.';
