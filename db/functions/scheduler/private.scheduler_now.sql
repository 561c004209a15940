-- The instant the scheduler functions treat as "now": the caller's p_now when given (a runner
-- with a clock of its own), else the transaction's now(). A caller's clock is trusted only within
-- scheduler_clock_window minutes of the database clock: a clock decades away would make every
-- job due at once, purge every row retention keeps, or store a heartbeat in the year 294276.
-- Tests that drive a simulated day (pgTAP in 2030, pytest's SimulatedClock) need clocks far
-- from now(): the window is lifted only when the session's login is a superuser AND the
-- transaction or session set moose.simulated_clock = 'on'. The API roles (anon,
-- authenticated, service_role, moose_runner, PostgREST's authenticator) are not superusers, so
-- setting the flag themselves changes nothing for them.
CREATE OR REPLACE FUNCTION private.scheduler_now(p_now timestamptz) RETURNS timestamptz
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_window integer;
BEGIN
    IF p_now IS NULL THEN
        RETURN now();
    END IF;
    IF NOT isfinite(p_now) THEN
        RAISE EXCEPTION 'the scheduler clock must be a finite instant, got %', p_now
            USING ERRCODE = '22023', HINT = 'Pass NULL for the database clock, or a real timestamptz.';
    END IF;
    IF current_setting('moose.simulated_clock', true) = 'on'
       AND (SELECT r.rolsuper FROM pg_catalog.pg_roles AS r WHERE r.rolname = session_user) THEN
        RETURN p_now;  -- a test's simulated clock (superuser sessions only)
    END IF;
    v_window := coalesce(private.config_numeric('scheduler_clock_window'), 5)::integer;
    IF abs(extract(epoch FROM p_now - now())) > v_window * 60 THEN
        RAISE EXCEPTION 'the clock % is more than % minutes from the database clock %', p_now, v_window, now()
            USING ERRCODE = '22023',
                  HINT = 'Pass NULL to use the database clock; fix the caller''s clock, or widen scheduler_clock_window (minutes).';
    END IF;
    RETURN p_now;
END
$$;

REVOKE ALL ON FUNCTION private.scheduler_now(timestamptz) FROM PUBLIC;

COMMENT ON FUNCTION private.scheduler_now(timestamptz) IS 'p_now when given and within scheduler_clock_window minutes of now() (22023 otherwise, and for an infinite instant), else now(). Superuser sessions with moose.simulated_clock = on may pass any finite clock (tests).';
