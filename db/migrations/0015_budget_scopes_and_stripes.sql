-- Scoped budgets on an escrow-striped ledger (docs/BUDGET.md): a budget applies to a scope
-- (global, service, project, work order) and a period (day, month, total); its allowance for a
-- period is split over K stripe rows so that concurrent reservations mostly lock different
-- rows, while each stripe keeps spent + reserved <= allowance and the allowances add up to the
-- limit. The global day budget is daily_budget_limit. The old one-row-per-day ledger keeps
-- only the once-per-day crossing marks (table budget_day_marks); view budget_ledger shows the
-- global day totals under the old name.
-- depends: 0045_names_that_say_the_difference
--
-- Reviewed for a live database (squawk, docs/CONVENTIONS.md): budget_ledger becomes
-- budget_day_marks (its totals move to budget_stripes, its columns go) and the day-row helpers go:
-- their only callers were the budget functions, re-applied in the same run, and DBAs' queries read
-- the budget_ledger view (db/views/budget) under the old name. Kept as applied: installed
-- databases ran it before the lint existed, and a fresh install runs it on new, near-empty tables.
-- squawk-ignore-file ban-drop-column, ban-drop-function, renaming-object, renaming-table

INSERT INTO public.system_config (key, value, value_type, min_value, max_value, description) VALUES
    ('budget_global_stripes', '8', 'integer', 1, 64,
     'Stripes (rows) the global day budget''s allowance is split over: more stripes, fewer reservations waiting on one row.'),
    ('budget_scope_stripes', '1', 'integer', 1, 64,
     'Stripes of a new service, project or work-order budget (set_budget); 1 suits budgets few calls share.')
ON CONFLICT (key) DO NOTHING;

CREATE TABLE public.budgets (
    scope        text NOT NULL CHECK (scope IN ('global', 'service', 'project', 'work_order')),
    key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    period       text NOT NULL CHECK (period IN ('day', 'month', 'total')),
    budget_limit numeric(16, 6) NOT NULL CHECK (budget_limit >= 0),
    stripes      smallint NOT NULL CHECK (stripes BETWEEN 1 AND 64),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    updated_by   text,
    PRIMARY KEY (scope, key, period),
    CHECK (scope <> 'global' OR key = '*')
);
COMMENT ON TABLE public.budgets IS
    'Budgets by scope (global, service, project, work_order), key (a name or id; * = each one separately) and period (day, month, total). A specific key overrides the * row. The global day budget mirrors system_config.daily_budget_limit. Written by set_budget / remove_budget.';

CREATE TABLE public.budget_stripes (
    scope_rank   smallint NOT NULL CHECK (scope_rank BETWEEN 1 AND 4),
    scope        text NOT NULL,
    key          text NOT NULL,
    period       text NOT NULL,
    period_start date NOT NULL,
    stripe       smallint NOT NULL CHECK (stripe >= 0),
    allowance    numeric(16, 6) NOT NULL,
    spent        numeric(16, 6) NOT NULL DEFAULT 0,
    reserved     numeric(16, 6) NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    killed       boolean NOT NULL DEFAULT false,
    PRIMARY KEY (scope_rank, key, period, period_start, stripe)
) WITH (fillfactor = 50);
COMMENT ON TABLE public.budget_stripes IS
    'Escrow stripes: one budget''s allowance for one period split over K rows (key is the concrete service, project or work order; * for global). Each admission keeps spent + reserved <= allowance on its stripe; the allowances of a period add up to the limit. The primary key order (scope rank, key, period, period start, stripe) is the lock order.';
COMMENT ON COLUMN public.budget_stripes.allowance IS 'This stripe''s share of the limit; moved between stripes (sum unchanged) by a rebalance, re-split by a limit change.';
COMMENT ON COLUMN public.budget_stripes.killed IS 'Global day stripes only: the kill switch, checked in the same UPDATE that reserves.';

-- Crossing marks: the old ledger keeps when each tier crossing fired per day.
ALTER TABLE public.budget_ledger RENAME TO budget_day_marks;
INSERT INTO public.budget_stripes (scope_rank, scope, key, period, period_start, stripe, allowance, spent, reserved, killed)
SELECT 1, 'global', '*', 'day', l.budget_day, 0,
       (SELECT (c.value #>> '{}')::numeric FROM public.system_config AS c WHERE c.key = 'daily_budget_limit'),
       l.spent,
       (SELECT coalesce(sum(r.amount), 0) FROM public.budget_reservations AS r
        WHERE r.status = 'open' AND r.budget_day = l.budget_day),
       l.killed
FROM public.budget_day_marks AS l;
ALTER TABLE public.budget_day_marks DROP COLUMN spent, DROP COLUMN reserved, DROP COLUMN carried_in, DROP COLUMN killed;
ALTER TABLE public.budget_day_marks RENAME CONSTRAINT budget_ledger_pkey TO budget_day_marks_pkey;
COMMENT ON TABLE public.budget_day_marks IS
    'One row per budget day: when the global day budget''s tier crossings fired (warning_at, critical_at, kill_at), so each fires once per day.';

INSERT INTO public.budgets (scope, key, period, budget_limit, stripes, updated_by)
SELECT 'global', '*', 'day', (c.value #>> '{}')::numeric, 8, 'migration'
FROM public.system_config AS c WHERE c.key = 'daily_budget_limit';

-- Which stripes a reservation debited (and a cost row booked): [[rank, key, period, start, stripe], ...]
-- in lock order; settle, release, expiry and the kill act on exactly these.
ALTER TABLE public.budget_reservations ADD COLUMN debits jsonb;
UPDATE public.budget_reservations AS r
SET debits = jsonb_build_array(jsonb_build_array(1, '*', 'day', r.budget_day, 0))
WHERE r.status = 'open';
COMMENT ON COLUMN public.budget_reservations.debits IS
    'The stripes this reservation debited, [[scope rank, key, period, period start, stripe], ...] in lock order.';
ALTER TABLE public.cost_tracking ADD COLUMN budget_debits jsonb;
COMMENT ON COLUMN public.cost_tracking.budget_debits IS
    'The budget stripes this cost is booked on (a settled reservation''s debits; for a direct insert, chosen by trigger). NULL on rows older than scoped budgets: the global day stripe 0 of their day.';
UPDATE public.cost_tracking AS c
SET budget_debits = jsonb_build_array(jsonb_build_array(1, '*', 'day',
        (c.created_at AT TIME ZONE (SELECT s.value #>> '{}' FROM public.system_config AS s WHERE s.key = 'budget_timezone'))::date, 0))
WHERE c.budget_debits IS NULL;

ALTER TYPE private.budget_settings_t ADD ATTRIBUTE global_stripes integer;
ALTER TYPE private.budget_settings_t ADD ATTRIBUTE scoped boolean;
ALTER TABLE private.budget_config ADD COLUMN global_stripes integer;
ALTER TABLE private.budget_config ADD COLUMN scoped boolean;
COMMENT ON COLUMN private.budget_config.global_stripes IS 'system_config.budget_global_stripes.';
COMMENT ON COLUMN private.budget_config.scoped IS 'Whether any budget other than the global day exists (the gate skips the scope lookup when not).';

ALTER TABLE public.budgets ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.budget_stripes ENABLE ROW LEVEL SECURITY;
CREATE POLICY service_read ON public.budgets FOR SELECT TO authenticated, service_role, moose_runner USING (true);
CREATE POLICY service_read ON public.budget_stripes FOR SELECT TO service_role, moose_runner USING (true);
GRANT SELECT ON public.budgets TO authenticated, service_role, moose_runner;
GRANT SELECT ON public.budget_stripes TO service_role, moose_runner;

-- Replaced by the stripe functions (db/budget/functions): the day-row helpers, and the
-- crossing check that took the old ledger row.
DROP FUNCTION IF EXISTS private.budget_apply_spend(date, numeric);
DROP FUNCTION IF EXISTS private.budget_lock_days(date[]);
DROP FUNCTION IF EXISTS private.budget_open_day(date);
DROP FUNCTION IF EXISTS private.budget_check_crossings(public.budget_day_marks);
DROP FUNCTION IF EXISTS private.budget_reservation_answer(public.budget_reservations, private.budget_settings_t);
