-- The budgets besides the global day one that a call applies to, in lock order (scope rank,
-- concrete key, period): service budgets of the service, project budgets of metadata.project,
-- work-order budgets of the work order, global month/total budgets. A specific key overrides
-- the * row for the same scope and period.
CREATE OR REPLACE FUNCTION private.budget_applicable(p_service text, p_project text, p_work_order text, p_day date)
RETURNS TABLE (scope_rank smallint, scope text, budget_key text, key text, period text, period_start date,
               budget_limit numeric, stripes smallint)
LANGUAGE sql STABLE AS $$
    SELECT DISTINCT ON (v.rank, v.concrete, b.period)
           v.rank, b.scope, b.key, v.concrete, b.period, private.budget_period_start(b.period, p_day),
           b.budget_limit, b.stripes
    FROM (VALUES (1::smallint, 'global', '*'), (2::smallint, 'service', p_service),
                 (3::smallint, 'project', p_project), (4::smallint, 'work_order', p_work_order)) AS v(rank, scope, concrete)
    JOIN public.budgets AS b ON b.scope = v.scope AND b.key IN (v.concrete, '*')
    WHERE v.concrete IS NOT NULL AND NOT (b.scope = 'global' AND b.period = 'day')
    ORDER BY v.rank, v.concrete, b.period, b.key = '*'
$$;

REVOKE ALL ON FUNCTION private.budget_applicable(text, text, text, date) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_applicable(text, text, text, date) IS 'Budgets other than the global day one that apply to a call (service, project, work order; specific keys over *), in lock order.';
