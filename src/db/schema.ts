import { sql } from 'drizzle-orm'
import { check, date, index, integer, numeric, pgTable, primaryKey, varchar } from 'drizzle-orm/pg-core'
import { DEFAULT_GENDER, FEE_PRECISION, FEE_SCALE, MAX_AGE, MAX_GENDER, MAX_NAME, MAX_TITLE, MIN_AGE } from '../schemas/limits'

// The rules of API.md section 1 are enforced here as well as in the zod
// schemas: the database is the last line, whoever writes to it. Properties are
// named as the API's JSON fields, so rows are responses without a mapping.
// The limits come from src/schemas/limits.ts, as the zod schemas' do; they are
// written into the SQL as literals, so the migrations stay plain DDL.

/** A number as SQL text, not a bound parameter: DDL takes no parameters. */
const literal = (value: number) => sql.raw(String(value))

export const actors = pgTable(
  'actors',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    name: varchar({ length: MAX_NAME }).notNull(),
    age: integer().notNull(),
    gender: varchar({ length: MAX_GENDER }).notNull().default(DEFAULT_GENDER),
  },
  (t) => [
    check('actors_name_trimmed', sql`${t.name} = btrim(${t.name}) and char_length(${t.name}) between 1 and ${literal(MAX_NAME)}`),
    check('actors_age_range', sql`${t.age} between ${literal(MIN_AGE)} and ${literal(MAX_AGE)}`),
    check('actors_gender_trimmed', sql`${t.gender} = btrim(${t.gender}) and char_length(${t.gender}) between 1 and ${literal(MAX_GENDER)}`),
    // Listing (API.md Part B): `q` is a case-insensitive substring (trigrams),
    // `gender` a case-insensitive match, `min_age`/`max_age` a range, and each
    // sort is by (field, id) so a page is an index range scan. A cursor page
    // with `gender` may walk (lower(gender), id) from its cursor, per_page + 1
    // rows however rare the gender, instead of the primary key (API.md C7).
    index('actors_name_trgm_idx').using('gin', t.name.op('gin_trgm_ops')),
    index('actors_gender_lower_id_idx').on(sql`lower(${t.gender})`, t.id),
    index('actors_age_id_idx').on(t.age, t.id),
    index('actors_name_id_idx').on(t.name, t.id),
  ],
)

export const movies = pgTable(
  'movies',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    title: varchar({ length: MAX_TITLE }).notNull(),
    release_date: date({ mode: 'string' }).notNull(),
  },
  (t) => [
    check('movies_title_trimmed', sql`${t.title} = btrim(${t.title}) and char_length(${t.title}) between 1 and ${literal(MAX_TITLE)}`),
    index('movies_title_trgm_idx').using('gin', t.title.op('gin_trgm_ops')),
    index('movies_title_id_idx').on(t.title, t.id),
    index('movies_release_date_id_idx').on(t.release_date, t.id),
  ],
)

export const castings = pgTable(
  'castings',
  {
    movie_id: integer()
      .notNull()
      .references(() => movies.id, { onDelete: 'cascade' }),
    actor_id: integer()
      .notNull()
      .references(() => actors.id, { onDelete: 'cascade' }),
    fee: numeric({ precision: FEE_PRECISION, scale: FEE_SCALE, mode: 'number' }),
  },
  (t) => [
    primaryKey({ columns: [t.movie_id, t.actor_id] }),
    // The primary key serves lookups by movie; this one serves an actor's
    // filmography and the cascade when an actor is deleted.
    index('castings_actor_id_idx').on(t.actor_id),
    check('castings_fee_not_negative', sql`${t.fee} >= 0`),
  ],
)
