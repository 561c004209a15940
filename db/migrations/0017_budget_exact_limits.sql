-- Exactness under limit changes (docs/BUDGET.md): a budget period's stripes are created from
-- the limit and stripe count in force, read under the budget's row locks
-- (private.budget_open_stripes now resolves the budget itself and returns the stripe count in
-- force), so the old signature that took the caller's limit and count goes, and
-- private.budget_debit no longer takes a limit.
-- depends: 0016_budget_cap_escalations

DROP FUNCTION IF EXISTS private.budget_open_stripes(smallint, text, text, text, date, numeric, integer);
DROP FUNCTION IF EXISTS private.budget_debit(smallint, text, text, text, date, numeric, numeric, integer);
