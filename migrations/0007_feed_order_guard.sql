-- Each resource's events chain in feed order (API.md D1): an event is refused (40001, retried by the client)
-- when an event of the same resource from a newer transaction is already there; the index makes that one probe,
-- and finds a resource's version at a moment for as-of reads (D4).
CREATE INDEX "events_resource_keys_txid_id_idx" ON "events" USING btree ("resource","keys","txid","id");--> statement-breakpoint
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
  -- The feed walks (txid, id), and a transaction takes its id at its first write, not at this one: a transaction
  -- that began writing before another, and writes this resource after that other one committed a change to it,
  -- would put this version ahead of that one in the feed. It is refused instead, and the client sends it again
  -- whole (src/db/client.ts), under a newer transaction id. A new snapshot here sees every committed change.
  IF EXISTS (SELECT 1 FROM "events" WHERE "resource" = TG_ARGV[0] AND "keys" = found_by AND "txid" > txid_current()) THEN
    RAISE EXCEPTION 'a newer transaction changed this % first', TG_ARGV[0] USING ERRCODE = 'serialization_failure';
  END IF;
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
$$;
