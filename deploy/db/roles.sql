-- Run once by the supabase/postgres image when docker-compose creates the database: gives
-- PostgREST's login role (authenticator, which the image creates) the password from .env, so
-- the `rest` service can connect. The `postgres` role used by the runner gets POSTGRES_PASSWORD
-- from the image itself.
\set moose_password `echo "$POSTGRES_PASSWORD"`
ALTER ROLE authenticator WITH PASSWORD :'moose_password';
