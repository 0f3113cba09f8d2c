-- A cursor page with a rare `gender` walks (lower(gender), id) from its cursor: per_page + 1 rows (API.md C7).
DROP INDEX "actors_gender_lower_idx";--> statement-breakpoint
CREATE INDEX "actors_gender_lower_id_idx" ON "actors" USING btree (lower("gender"),"id");