-- Events name their resource's ids generically (API.md C4 stays as it is): `keys` holds the ids a
-- resource is found by, named as the API names them, so a resource declared later records and reads
-- its history with a trigger and an index of its own and no change here. Existing events move over.
ALTER TABLE "events" DROP CONSTRAINT "events_resource";--> statement-breakpoint
DROP INDEX "events_actor_id_id_idx";--> statement-breakpoint
DROP INDEX "events_movie_id_id_idx";--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "keys" jsonb;--> statement-breakpoint
UPDATE "events" SET "keys" = jsonb_strip_nulls(jsonb_build_object('actor_id', "actor_id", 'movie_id', "movie_id"));--> statement-breakpoint
ALTER TABLE "events" ALTER COLUMN "keys" SET NOT NULL;--> statement-breakpoint
CREATE INDEX "events_actor_id_idx" ON "events" USING btree ((("keys" ->> 'actor_id')::integer),"id");--> statement-breakpoint
CREATE INDEX "events_movie_id_idx" ON "events" USING btree ((("keys" ->> 'movie_id')::integer),"id");--> statement-breakpoint
CREATE INDEX "events_txid_id_idx" ON "events" USING btree ("txid","id");--> statement-breakpoint
CREATE INDEX "events_resource_txid_id_idx" ON "events" USING btree ("resource","txid","id");--> statement-breakpoint
ALTER TABLE "events" DROP COLUMN "actor_id";--> statement-breakpoint
ALTER TABLE "events" DROP COLUMN "movie_id";--> statement-breakpoint
-- One trigger function for every recorded table: its arguments are the resource's name, then pairs of
-- (key, column) saying which of the row's columns are the ids it is found by.
CREATE OR REPLACE FUNCTION "record_event"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
  new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
  written jsonb := coalesce(new_row, old_row);
  found_by jsonb := '{}';
BEGIN
  -- An upsert that wrote a row's own values again changed nothing.
  IF old_row = new_row THEN
    RETURN NULL;
  END IF;
  FOR i IN 1 .. TG_NARGS - 1 BY 2 LOOP
    found_by := found_by || jsonb_build_object(TG_ARGV[i], written -> TG_ARGV[i + 1]);
  END LOOP;
  INSERT INTO "events" ("by", "request_id", "action", "resource", "keys", "before", "after")
  VALUES (
    nullif(current_setting('app.by', true), ''),
    nullif(current_setting('app.request_id', true), ''),
    CASE TG_OP WHEN 'INSERT' THEN coalesce(nullif(current_setting('app.action', true), ''), 'create') WHEN 'UPDATE' THEN 'update' ELSE 'delete' END,
    TG_ARGV[0],
    found_by,
    old_row,
    new_row
  );
  RETURN NULL;
END
$$;--> statement-breakpoint
DROP TRIGGER "actors_record_event" ON "actors";--> statement-breakpoint
DROP TRIGGER "movies_record_event" ON "movies";--> statement-breakpoint
DROP TRIGGER "castings_record_event" ON "castings";--> statement-breakpoint
CREATE TRIGGER "actors_record_event" AFTER INSERT OR UPDATE OR DELETE ON "actors" FOR EACH ROW EXECUTE FUNCTION "record_event"('actor', 'actor_id', 'id');--> statement-breakpoint
CREATE TRIGGER "movies_record_event" AFTER INSERT OR UPDATE OR DELETE ON "movies" FOR EACH ROW EXECUTE FUNCTION "record_event"('movie', 'movie_id', 'id');--> statement-breakpoint
CREATE TRIGGER "castings_record_event" AFTER INSERT OR UPDATE OR DELETE ON "castings" FOR EACH ROW EXECUTE FUNCTION "record_event"('casting', 'movie_id', 'movie_id', 'actor_id', 'actor_id');
