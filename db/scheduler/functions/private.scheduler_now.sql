-- The instant the scheduler functions treat as "now": the caller's p_now when given (a test
-- driving a simulated day, or a runner with a clock of its own), else the transaction's now().
-- An infinite instant would make every job due forever, so it is refused.
CREATE OR REPLACE FUNCTION private.scheduler_now(p_now timestamptz)
RETURNS timestamptz
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_now IS NULL THEN
        RETURN now();
    END IF;
    IF NOT isfinite(p_now) THEN
        RAISE EXCEPTION 'the scheduler clock must be a finite instant, got %', p_now
            USING ERRCODE = '22023', HINT = 'Pass NULL for the database clock, or a real timestamptz.';
    END IF;
    RETURN p_now;
END
$$;

REVOKE ALL ON FUNCTION private.scheduler_now(timestamptz) FROM PUBLIC;

COMMENT ON FUNCTION private.scheduler_now(timestamptz) IS
    'p_now when given (simulated clock), else now(); 22023 for an infinite instant.';
