-- Closes open reservations with a final status and frees their amounts on exactly the stripes
-- they debited, in one statement: the one place the expiry sweep (status expired, the given
-- ids) and the kill switch (status cancelled, every open one: p_ids NULL) give reserved money
-- back. The caller holds those stripes' locks, taken in lock order (private.budget_lock, or the
-- kill's set). Returns how many it closed and their total amount.
CREATE OR REPLACE FUNCTION private.budget_close_reservations(
    p_ids uuid[], p_status text, OUT o_count integer, OUT o_amount numeric
)
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    WITH closed AS (
        UPDATE public.budget_reservations AS r
        SET status = p_status, closed_at = now()
        WHERE r.status = 'open' AND (p_ids IS NULL OR r.id = ANY (p_ids))
        RETURNING r.debits, r.amount
    ), freed AS (
        UPDATE public.budget_stripes AS s
        SET reserved = s.reserved - f.amount
        FROM (SELECT d.ref, sum(c.amount) AS amount
              FROM closed AS c CROSS JOIN LATERAL jsonb_array_elements(c.debits) AS d(ref)
              GROUP BY d.ref) AS f
        WHERE s.scope_rank = (f.ref ->> 0)::smallint AND s.key = f.ref ->> 1 AND s.period = f.ref ->> 2
          AND s.period_start = (f.ref ->> 3)::date AND s.stripe = (f.ref ->> 4)::smallint
        RETURNING 1
    )
    SELECT count(*)::integer, coalesce(sum(c.amount), 0) FROM closed AS c;
$$;

REVOKE ALL ON FUNCTION private.budget_close_reservations(uuid[], text) FROM PUBLIC;

COMMENT ON FUNCTION private.budget_close_reservations(uuid[], text) IS 'Close open reservations (p_ids, or every open one when NULL) with status p_status and free their amounts on the stripes they debited (caller holds those locks); returns (count, amount).';
