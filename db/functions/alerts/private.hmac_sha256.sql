-- HMAC-SHA256 (RFC 2104) from the built-in sha256(), so signing webhook bodies needs no
-- extension (pgcrypto lives in different schemas on different hosts). Returns lowercase hex,
-- the form of the X-Moose-Signature header: sha256=<hex>.
CREATE OR REPLACE FUNCTION private.hmac_sha256(p_key bytea, p_message bytea) RETURNS text
LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
    WITH k AS (
        SELECT CASE WHEN length(p_key) > 64 THEN pg_catalog.sha256(p_key) ELSE p_key END AS key
    ), pads AS (
        SELECT pg_catalog.decode(pg_catalog.string_agg(pg_catalog.lpad(pg_catalog.to_hex(b # 54), 2, '0'), '' ORDER BY i), 'hex') AS ipad,
               pg_catalog.decode(pg_catalog.string_agg(pg_catalog.lpad(pg_catalog.to_hex(b # 92), 2, '0'), '' ORDER BY i), 'hex') AS opad
        FROM k,
             LATERAL (SELECT i, CASE WHEN i < length(k.key) THEN pg_catalog.get_byte(k.key, i) ELSE 0 END AS b
                      FROM pg_catalog.generate_series(0, 63) AS i) AS bytes
    )
    SELECT pg_catalog.encode(pg_catalog.sha256(pads.opad || pg_catalog.sha256(pads.ipad || p_message)), 'hex')
    FROM pads;
$$;

REVOKE ALL ON FUNCTION private.hmac_sha256(bytea, bytea) FROM PUBLIC;

COMMENT ON FUNCTION private.hmac_sha256(bytea, bytea) IS 'HMAC-SHA256 of p_message under p_key as lowercase hex (RFC 2104, built-in sha256 only).';
