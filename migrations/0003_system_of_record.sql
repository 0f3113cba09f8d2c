CREATE TABLE "events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	"by" text,
	"request_id" text,
	"txid" bigint DEFAULT txid_current() NOT NULL,
	"action" text NOT NULL,
	"resource" text NOT NULL,
	"actor_id" integer,
	"movie_id" integer,
	"before" jsonb,
	"after" jsonb,
	CONSTRAINT "events_action" CHECK ("events"."action" in ('create', 'update', 'delete', 'restore')),
	CONSTRAINT "events_resource" CHECK ("events"."resource" in ('actor', 'movie', 'casting'))
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"subject" text NOT NULL,
	"key" text NOT NULL,
	"fingerprint" text NOT NULL,
	"status" integer NOT NULL,
	"body" json NOT NULL,
	"location" text,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_subject_key_pk" PRIMARY KEY("subject","key")
);
--> statement-breakpoint
CREATE INDEX "events_actor_id_id_idx" ON "events" USING btree ("actor_id","id");--> statement-breakpoint
CREATE INDEX "events_movie_id_id_idx" ON "events" USING btree ("movie_id","id");--> statement-breakpoint
CREATE INDEX "events_at_idx" ON "events" USING btree ("at");--> statement-breakpoint
CREATE INDEX "idempotency_keys_created_at_idx" ON "idempotency_keys" USING btree ("created_at");--> statement-breakpoint
-- History (API.md C4), kept by the database itself: one event per row written
-- to actors, movies or castings (a cascade's castings included), in the
-- writing transaction, with who and which request from the transaction-local
-- settings that src/db/recorded.ts sends in the same round trip.
CREATE FUNCTION "record_event"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
  new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
  written jsonb := coalesce(new_row, old_row);
BEGIN
  -- An upsert that wrote a row's own values again changed nothing.
  IF old_row = new_row THEN
    RETURN NULL;
  END IF;
  INSERT INTO "events" ("by", "request_id", "action", "resource", "actor_id", "movie_id", "before", "after")
  VALUES (
    nullif(current_setting('app.by', true), ''),
    nullif(current_setting('app.request_id', true), ''),
    CASE TG_OP WHEN 'INSERT' THEN coalesce(nullif(current_setting('app.action', true), ''), 'create') WHEN 'UPDATE' THEN 'update' ELSE 'delete' END,
    TG_ARGV[0],
    CASE TG_ARGV[0] WHEN 'actor' THEN (written->>'id')::integer WHEN 'casting' THEN (written->>'actor_id')::integer END,
    CASE TG_ARGV[0] WHEN 'movie' THEN (written->>'id')::integer WHEN 'casting' THEN (written->>'movie_id')::integer END,
    old_row,
    new_row
  );
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "actors_record_event" AFTER INSERT OR UPDATE OR DELETE ON "actors" FOR EACH ROW EXECUTE FUNCTION "record_event"('actor');--> statement-breakpoint
CREATE TRIGGER "movies_record_event" AFTER INSERT OR UPDATE OR DELETE ON "movies" FOR EACH ROW EXECUTE FUNCTION "record_event"('movie');--> statement-breakpoint
CREATE TRIGGER "castings_record_event" AFTER INSERT OR UPDATE OR DELETE ON "castings" FOR EACH ROW EXECUTE FUNCTION "record_event"('casting');
