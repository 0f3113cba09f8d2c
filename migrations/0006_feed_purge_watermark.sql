-- The feed's purge watermark (API.md D1): the last (txid, id) the upkeep deleted, so a cursor before it answers 410.
CREATE TABLE "events_purged" (
	"singleton" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"txid" bigint NOT NULL,
	"id" bigint NOT NULL,
	CONSTRAINT "events_purged_one_row" CHECK ("events_purged"."singleton")
);
