-- Reserves an amount on one budget's stripes for a period (escrow stripes, docs/BUDGET.md):
--  1. fast path: one conditional UPDATE of the caller's stripe (pg_backend_pid() mod K), which
--     admits only while that stripe's spent + reserved + amount stays within its allowance;
--  2. another stripe with room, without waiting (FOR UPDATE SKIP LOCKED);
--  3. slow path: lock all the budget's stripes of the period in stripe order (first creating
--     them when fewer than K exist, from the limit and count in force: private.budget_open_stripes),
--     then either refuse (kill switch, or the locked stripes' total remaining is short) or
--     re-split the slack over exactly the stripes it locked, so that the caller's stripe holds
--     the amount, and debit it. A stripe created by another transaction after the lock
--     statement's snapshot is not locked and not touched: the allowances keep adding up to the
--     limit (docs/BUDGET.md, "Exactness under limit changes").
-- Steps 1-2 hold no lock of this budget when step 3 starts (see the subtransaction below):
-- the ordered lock is the only wait on more than one of its rows. p_stripes is the count the
-- caller read (its stripe is pg_backend_pid() mod p_stripes); no limit is passed: the stripes
-- hold the limit in force.
-- Returns the stripe debited, or -1 (short) / -2 (killed) with the budget's totals, or -3
-- when the budget no longer applies and has no stripes in the period (removed meanwhile:
-- nothing debited).
CREATE OR REPLACE FUNCTION private.budget_debit(
    p_rank smallint, p_scope text, p_key text, p_period text, p_start date,
    p_amount numeric, p_stripes integer,
    OUT o_stripe integer, OUT o_spent numeric, OUT o_reserved numeric, OUT o_allowance numeric
)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_pref integer := pg_backend_pid() % p_stripes;
    v_want integer;
    v_count integer;
    v_locked smallint[];
    v_killed boolean;
    v_free numeric;
    v_share numeric;
BEGIN
    -- Steps 1 and 2 run in a subtransaction that is rolled back on a miss: an UPDATE that
    -- waited for a stripe and then found its condition false still holds that row's lock (READ
    -- COMMITTED re-check), and a caller holding one stripe while it waits for the others in
    -- order could deadlock with another doing the same. The rollback frees it, so step 3
    -- starts holding nothing of this budget.
    BEGIN
        UPDATE public.budget_stripes AS s SET reserved = s.reserved + p_amount
        WHERE s.scope_rank = p_rank AND s.key = p_key AND s.period = p_period AND s.period_start = p_start
          AND s.stripe = v_pref AND NOT s.killed AND s.spent + s.reserved + p_amount <= s.allowance
        RETURNING s.stripe INTO o_stripe;
        IF NOT FOUND THEN
            SELECT t.stripe INTO o_stripe FROM public.budget_stripes AS t
            WHERE t.scope_rank = p_rank AND t.key = p_key AND t.period = p_period AND t.period_start = p_start
              AND t.stripe <> v_pref AND NOT t.killed AND t.spent + t.reserved + p_amount <= t.allowance
            ORDER BY t.stripe
            LIMIT 1
            FOR NO KEY UPDATE SKIP LOCKED;
            IF FOUND THEN
                UPDATE public.budget_stripes AS s SET reserved = s.reserved + p_amount
                WHERE s.scope_rank = p_rank AND s.key = p_key AND s.period = p_period AND s.period_start = p_start
                  AND s.stripe = o_stripe AND NOT s.killed AND s.spent + s.reserved + p_amount <= s.allowance;
            END IF;
            IF NOT FOUND THEN
                RAISE EXCEPTION USING ERRCODE = 'BM001';  -- a miss: roll back, free any lock taken
            END IF;
        END IF;
        RETURN;
    EXCEPTION WHEN SQLSTATE 'BM001' THEN
        o_stripe := NULL;
    END;

    -- Create the period's stripes when fewer than K exist (its first call, or K was raised),
    -- from the limit and count in force, holding no stripe of this budget (a limit change
    -- holds the budget's row and then locks its stripes: lock order, docs/BUDGET.md); then
    -- lock them all in stripe order.
    LOOP
        v_want := private.budget_open_stripes(p_rank, p_scope, p_key, p_period, p_start, p_stripes);
        SELECT count(*), array_agg(l.stripe), bool_or(l.killed), sum(l.spent), sum(l.reserved), sum(l.allowance)
        INTO v_count, v_locked, v_killed, o_spent, o_reserved, o_allowance
        FROM (SELECT t.stripe, t.killed, t.spent, t.reserved, t.allowance FROM public.budget_stripes AS t
              WHERE t.scope_rank = p_rank AND t.key = p_key AND t.period = p_period AND t.period_start = p_start
              ORDER BY t.stripe
              FOR UPDATE) AS l;
        EXIT WHEN v_count > 0 OR v_want IS NULL;
    END LOOP;
    IF v_count = 0 THEN  -- the budget was removed meanwhile and never had stripes in the period
        o_stripe := -3;
        RETURN;
    END IF;
    IF v_killed THEN
        o_stripe := -2;
        RETURN;
    END IF;
    v_free := o_allowance - o_spent - o_reserved;
    IF v_free < p_amount THEN
        o_stripe := -1;
        RETURN;
    END IF;
    -- Re-split the stripes locked above, and only those: each keeps what it holds plus an equal
    -- share of the slack left after the amount; the caller's stripe (its own when locked, else
    -- one of them) also gets the amount (and the rounding remainder), and is debited. Their
    -- allowances still add up to the same total.
    o_stripe := CASE WHEN v_pref = ANY (v_locked) THEN v_pref ELSE v_locked[1 + pg_backend_pid() % v_count] END;
    v_share := trunc((v_free - p_amount) / v_count, 6);
    UPDATE public.budget_stripes AS s
    SET allowance = s.spent + s.reserved + v_share
                    + CASE WHEN s.stripe = o_stripe THEN p_amount + (v_free - p_amount) - v_share * v_count ELSE 0 END,
        reserved = s.reserved + CASE WHEN s.stripe = o_stripe THEN p_amount ELSE 0 END
    WHERE s.scope_rank = p_rank AND s.key = p_key AND s.period = p_period AND s.period_start = p_start
      AND s.stripe = ANY (v_locked);
    o_reserved := o_reserved + p_amount;
END
$$;

REVOKE ALL ON FUNCTION private.budget_debit(smallint, text, text, text, date, numeric, integer) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_debit(smallint, text, text, text, date, numeric, integer) IS 'Reserve an amount on a budget''s stripes: own stripe, another free one (SKIP LOCKED), else lock all in stripe order (created from the limit in force when missing) and re-split exactly the locked ones or refuse (-1 short, -2 killed, -3 no budget any more).';
