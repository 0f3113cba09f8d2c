-- Custom SQL migration file, put your code below! --
-- The statement time limit is the database's own (API.md C6): the server
-- cancels a statement at 4 s, before the Worker gives up on its round trip at
-- 5 s (src/db/timeouts.ts), so a slow write never commits after the client was
-- told 503. It applies to every new session of every role on this database,
-- on Neon as locally; the migration runner lifts it for its own session.
DO $$
BEGIN
  EXECUTE format('ALTER DATABASE %I SET statement_timeout = %L', current_database(), '4s');
END
$$;
