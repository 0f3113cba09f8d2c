CREATE TABLE "webhook_deliveries" (
	"webhook_id" integer NOT NULL,
	"event_txid" bigint NOT NULL,
	"event_id" bigint NOT NULL,
	"type" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"last_status" integer,
	"last_error" text,
	"next_attempt_at" timestamp(3) with time zone,
	"updated_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "webhook_deliveries_webhook_id_event_txid_event_id_pk" PRIMARY KEY("webhook_id","event_txid","event_id"),
	CONSTRAINT "webhook_deliveries_state" CHECK ("webhook_deliveries"."state" in ('pending', 'delivered', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "webhooks" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "webhooks_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"url" text NOT NULL,
	"types" text[] NOT NULL,
	"description" text,
	"enabled" boolean DEFAULT true NOT NULL,
	"disabled_reason" text,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	"secret" text NOT NULL,
	"previous_secret" text,
	"previous_secret_expires_at" timestamp(3) with time zone,
	"cursor_txid" bigint DEFAULT (pg_snapshot_xmin(pg_current_snapshot())::text::bigint - 1) NOT NULL,
	"cursor_id" bigint DEFAULT 9223372036854775807 NOT NULL,
	"failing_since" timestamp(3) with time zone,
	CONSTRAINT "webhooks_types_count" CHECK (cardinality("webhooks"."types") between 1 and 20)
);
--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_webhook_id_webhooks_id_fk" FOREIGN KEY ("webhook_id") REFERENCES "public"."webhooks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "webhook_deliveries_updated_at_idx" ON "webhook_deliveries" USING btree ("updated_at");