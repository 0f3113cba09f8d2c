CREATE TABLE "actors" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "actors_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"name" varchar(100) NOT NULL,
	"age" integer NOT NULL,
	"gender" varchar(30) DEFAULT 'Other' NOT NULL,
	CONSTRAINT "actors_name_trimmed" CHECK ("actors"."name" = btrim("actors"."name") and char_length("actors"."name") between 1 and 100),
	CONSTRAINT "actors_age_range" CHECK ("actors"."age" between 0 and 150),
	CONSTRAINT "actors_gender_trimmed" CHECK ("actors"."gender" = btrim("actors"."gender") and char_length("actors"."gender") between 1 and 30)
);
--> statement-breakpoint
CREATE TABLE "castings" (
	"movie_id" integer NOT NULL,
	"actor_id" integer NOT NULL,
	"fee" numeric(12, 2),
	CONSTRAINT "castings_movie_id_actor_id_pk" PRIMARY KEY("movie_id","actor_id"),
	CONSTRAINT "castings_fee_not_negative" CHECK ("castings"."fee" >= 0)
);
--> statement-breakpoint
CREATE TABLE "movies" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "movies_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"title" varchar(200) NOT NULL,
	"release_date" date NOT NULL,
	CONSTRAINT "movies_title_trimmed" CHECK ("movies"."title" = btrim("movies"."title") and char_length("movies"."title") between 1 and 200)
);
--> statement-breakpoint
ALTER TABLE "castings" ADD CONSTRAINT "castings_movie_id_movies_id_fk" FOREIGN KEY ("movie_id") REFERENCES "public"."movies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "castings" ADD CONSTRAINT "castings_actor_id_actors_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."actors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "castings_actor_id_idx" ON "castings" USING btree ("actor_id");