-- Exactness under limit changes (docs/BUDGET.md): a budget period's stripes are created from
-- the limit and stripe count in force, read under the budget's row locks
-- (private.budget_open_stripes now resolves the budget itself and returns the stripe count in
-- force), so the old signature that took the caller's limit and count goes, and
-- private.budget_debit no longer takes a limit.
-- depends: 0016_budget_cap_escalations
--
-- Reviewed for a live database (squawk, docs/CONVENTIONS.md): private functions with an old
-- signature; their only callers are the budget functions, re-applied in the same run. Kept as
-- applied: installed databases ran it before the lint existed, and a fresh install runs it on new,
-- near-empty tables.
-- squawk-ignore-file ban-drop-function

DROP FUNCTION IF EXISTS private.budget_open_stripes(smallint, text, text, text, date, numeric, integer);
DROP FUNCTION IF EXISTS private.budget_debit(smallint, text, text, text, date, numeric, numeric, integer);
