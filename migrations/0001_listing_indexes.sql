-- Trigram indexes serve the case-insensitive substring filter `q`.
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE INDEX "actors_name_trgm_idx" ON "actors" USING gin ("name" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "actors_gender_lower_idx" ON "actors" USING btree (lower("gender"));--> statement-breakpoint
CREATE INDEX "actors_age_id_idx" ON "actors" USING btree ("age","id");--> statement-breakpoint
CREATE INDEX "actors_name_id_idx" ON "actors" USING btree ("name","id");--> statement-breakpoint
CREATE INDEX "movies_title_trgm_idx" ON "movies" USING gin ("title" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "movies_title_id_idx" ON "movies" USING btree ("title","id");--> statement-breakpoint
CREATE INDEX "movies_release_date_id_idx" ON "movies" USING btree ("release_date","id");