-- A stand-in for pg_net (supabase/pg_net, sql/pg_net.sql of 0.19/0.20) for tests on servers
-- without the extension: the same schema, tables, columns and net.http_post signature, but no
-- background worker. A test plays the worker: it reads net.http_request_queue, performs the
-- request and writes net._http_response, as pg_net does after commit.
-- Signatures copied from pg_net's documentation and source:
--   net.http_post(url text, body jsonb default '{}', params jsonb default '{}',
--                 headers jsonb default '{"Content-Type": "application/json"}',
--                 timeout_milliseconds int default 5000) returns bigint
--   net.http_request_queue(id bigserial, method net.http_method not null, url text not null,
--                          headers jsonb, body bytea, timeout_milliseconds int not null)  UNLOGGED
--   net._http_response(id bigint, status_code integer, content_type text, headers jsonb,
--                      content text, timed_out bool, error_msg text,
--                      created timestamptz not null default now())  UNLOGGED
CREATE SCHEMA IF NOT EXISTS net;

CREATE DOMAIN net.http_method AS text
CHECK (value ILIKE 'get' OR value ILIKE 'post' OR value ILIKE 'delete');

CREATE UNLOGGED TABLE net.http_request_queue (
    id bigserial,
    method net.http_method NOT NULL,
    url text NOT NULL,
    headers jsonb,
    body bytea,
    timeout_milliseconds int NOT NULL
);

CREATE UNLOGGED TABLE net._http_response (
    id bigint,
    status_code integer,
    content_type text,
    headers jsonb,
    content text,
    timed_out bool,
    error_msg text,
    created timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON net._http_response (created);

CREATE FUNCTION net.http_post(
    url text,
    body jsonb DEFAULT '{}'::jsonb,
    params jsonb DEFAULT '{}'::jsonb,
    headers jsonb DEFAULT '{"Content-Type": "application/json"}'::jsonb,
    timeout_milliseconds int DEFAULT 5000
)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    request_id bigint;
    content_type text;
BEGIN
    SELECT header_value INTO content_type
    FROM jsonb_each_text(coalesce(headers, '{}'::jsonb)) AS r(header_name, header_value)
    WHERE lower(header_name) = 'content-type'
    LIMIT 1;
    IF content_type IS NULL THEN
        headers := headers || '{"Content-Type": "application/json"}'::jsonb;
    END IF;
    IF content_type <> 'application/json' THEN
        RAISE EXCEPTION 'Content-Type header must be "application/json"';
    END IF;
    IF params IS NOT NULL AND params <> '{}'::jsonb THEN
        RAISE EXCEPTION 'the pg_net stand-in does not encode params';
    END IF;
    INSERT INTO net.http_request_queue (method, url, headers, body, timeout_milliseconds)
    VALUES ('POST', url, headers, convert_to(body::text, 'UTF8'), timeout_milliseconds)
    RETURNING id INTO request_id;
    RETURN request_id;
END
$$;

GRANT USAGE ON SCHEMA net TO PUBLIC;
GRANT ALL ON ALL SEQUENCES IN SCHEMA net TO PUBLIC;
GRANT ALL ON ALL TABLES IN SCHEMA net TO PUBLIC;
