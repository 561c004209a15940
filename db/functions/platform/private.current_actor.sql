-- Who is calling: the JWT `sub` claim when PostgREST set one, else the role the caller switched
-- to, else the login. SECURITY DEFINER callers still see the real caller because the `role`
-- setting and session_user do not change inside a definer function.
CREATE OR REPLACE FUNCTION private.current_actor() RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_claims text := nullif(current_setting('request.jwt.claims', true), '');
    v_sub text;
    v_role text := nullif(current_setting('role', true), 'none');
BEGIN
    IF v_claims IS NOT NULL THEN
        BEGIN
            v_sub := nullif(v_claims::jsonb ->> 'sub', '');
        EXCEPTION WHEN invalid_text_representation THEN
            v_sub := NULL;
        END;
    END IF;
    RETURN coalesce(v_sub, v_role, session_user::text);
END
$$;

REVOKE ALL ON FUNCTION private.current_actor() FROM PUBLIC;

COMMENT ON FUNCTION private.current_actor() IS 'The actor recorded in audit rows: JWT sub claim, else the SET ROLE role, else session_user.';
