import { and, eq, type GetColumnData, inArray, type SQL, sql } from 'drizzle-orm'
import type { BatchResponse } from 'drizzle-orm/batch'
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core'
import type { Database } from '../db/client.ts'
import { actorFields, castingFields, movieFields } from '../db/fields.ts'
import { inTurn } from '../db/recorded.ts'
import { actors, castings, movies } from '../db/schema.ts'
import { sqlStateOf } from '../errors.ts'
import type { CastEntry } from '../schemas/castings.ts'
import { MAX_CAST, MAX_FILMOGRAPHY } from '../schemas/limits.ts'
import { qualified, rowJson } from './resources.ts'

/** One side of a casting: its table and id, the castings column holding that id, what a response shows of it, and how many castings one may have. */
type Side<Columns extends Record<string, PgColumn>> = { table: PgTable; id: PgColumn; key: PgColumn; columns: Columns; most: number }
/** A row of `columns` as selected: Drizzle cannot infer one for a table given as a parameter, so it is stated here. */
export type RowOf<Columns extends Record<string, PgColumn>> = { [Name in keyof Columns]: GetColumnData<Columns[Name]> }

const movieSide = { table: movies, id: movies.id, key: castings.movie_id, columns: movieFields, most: MAX_CAST }
const actorSide = { table: actors, id: actors.id, key: castings.actor_id, columns: actorFields, most: MAX_FILMOGRAPHY }
/** The two sides of a casting; a resource with no side here has no castings. */
export const castingSides = [movieSide, actorSide]

/**
 * Whether a new casting of `actorId` in `movieId` would pass a bound (API.md
 * D5): the actor is cast in MAX_FILMOGRAPHY movies, or (with `movieFull`) the
 * movie has MAX_CAST actors. An existing casting passes none, whatever its fee.
 * Counted in the writing statement's snapshot: concurrent writers may pass a
 * bound by one each, which the bounds' margin absorbs.
 */
const filmographyFull = (actorId: SQL, movieId: SQL | number) =>
  sql`not exists (select 1 from ${castings} where ${castings.actor_id} = ${actorId} and ${castings.movie_id} = ${movieId})
    and (select count(*) from ${castings} where ${castings.actor_id} = ${actorId}) >= ${MAX_FILMOGRAPHY}`
const castFull = (movieId: number, actorId: number) =>
  sql`not exists (select 1 from ${castings} where ${castings.actor_id} = ${actorId} and ${castings.movie_id} = ${movieId})
    and (select count(*) from ${castings} where ${castings.movie_id} = ${movieId}) >= ${MAX_CAST}`

/** A castings list as a response shows it: no rows means no such owner; an owner cast with nothing is one row whose other side is null. */
type CastRow<Columns extends Record<string, PgColumn>> = RowOf<Columns> & { fee: number | null }
function entriesOf<Columns extends Record<string, PgColumn>>(
  rows: { entry: unknown; fee: number | null }[],
): CastRow<Columns>[] | undefined {
  if (rows.length === 0) return undefined
  return rows.flatMap(({ entry, fee }) => (entry ? [{ ...(entry as RowOf<Columns>), fee }] : []))
}

/** Everything `owner` is cast with, each with its fee, in id order: one statement (see `entriesOf`). */
function castWith(db: Database, owner: Side<Record<string, PgColumn>>, other: Side<Record<string, PgColumn>>, ownerId: number) {
  return db
    .select({ entry: other.columns, fee: castings.fee })
    .from(owner.table)
    .leftJoin(castings, eq(owner.key, owner.id))
    .leftJoin(other.table, eq(other.id, other.key))
    .where(eq(owner.id, ownerId))
    .orderBy(other.id)
}

/** A movie's cast with fees, in actor id order; undefined if there is no such movie. */
export const listCast = async (db: Database, movieId: number) =>
  entriesOf<typeof actorFields>(await castWith(db, movieSide, actorSide, movieId))

/** An actor's movies with fees, in movie id order; undefined if there is no such actor. */
export const listFilmography = async (db: Database, actorId: number) =>
  entriesOf<typeof movieFields>(await castWith(db, actorSide, movieSide, actorId))

/**
 * What the outer query's `owner` row is cast with, each with its fee, in id
 * order: the items `castWith` lists, as one JSON array that Postgres builds
 * in the outer statement (API.md C1), however many rows that statement reads.
 */
const embedded = <Columns extends Record<string, PgColumn>>(owner: Side<Record<string, PgColumn>>, other: Side<Columns>) =>
  sql<CastRow<Columns>[]>`coalesce((select json_agg(${rowJson({ ...other.columns, fee: castings.fee })} order by ${qualified(other.id)})
    from ${castings} join ${other.table} on ${qualified(other.id)} = ${qualified(other.key)}
    where ${qualified(owner.key)} = ${qualified(owner.id)}), '[]'::json)`

/**
 * With `include`, the embedded field of a statement that reads `owner`s;
 * without it, none. A select's fields cannot be optional, so the field is
 * typed as one that may read undefined, which is what an absent one reads.
 */
function embedding<Name extends string, Columns extends Record<string, PgColumn>>(
  name: Name,
  owner: Side<Record<string, PgColumn>>,
  other: Side<Columns>,
  include: Name | undefined,
) {
  return (include === name ? { [name]: embedded(owner, other) } : {}) as Record<Name, SQL<CastRow<Columns>[] | undefined>>
}

/** With `include=cast`: the `cast` field of a statement that reads movies. */
export const embeddedCast = (include: 'cast' | undefined) => embedding('cast', movieSide, actorSide, include)

/** With `include=movies`: the `movies` field of a statement that reads actors. */
export const embeddedMovies = (include: 'movies' | undefined) => embedding('movies', actorSide, movieSide, include)

/**
 * A movie's whole cast becomes `cast` (API.md C2), as one batch: one round
 * trip, one transaction. The movie is locked first (FOR UPDATE, which also
 * holds off the foreign key check of a single casting's write), so a second
 * replacement waits and its statements then see this one's result (each
 * statement of a read-committed transaction takes a new snapshot); the actors are locked
 * against a delete, so none can vanish between the check and the write. The
 * third statement writes only if the movie and every actor exist, and names
 * the first actor (in list order) that does not; the fourth reads the cast.
 * `writer` (`writtenBy(c)`) tells the history who replaced it.
 */
export function replaceCast(db: Database, writer: SQL, movieId: number, cast: readonly CastEntry[]) {
  const entries = JSON.stringify(cast)
  const actorIds = cast.map((entry) => entry.actor_id)
  return [
    db
      .select({ id: movies.id })
      .from(movies)
      .where(and(eq(movies.id, movieId), inTurn(['movie', movieId])))
      .for('update'),
    db.select({ id: actors.id }).from(actors).where(inArray(actors.id, actorIds)).for('key share'),
    db.execute<{ missing: number | null; full: number | null }>(sql`
      with input as (select * from json_populate_recordset(null::${castings}, ${entries}::json) with ordinality),
      missing as (
        select input.actor_id from input where not exists (select 1 from ${actors} where ${actors.id} = input.actor_id)
        order by input.ordinality limit 1
      ),
      full_actor as (
        select input.actor_id from input where ${filmographyFull(sql`input.actor_id`, movieId)}
        order by input.ordinality limit 1
      ),
      target as (
        select ${movies.id} as id from ${movies}
        where ${movies.id} = ${movieId} and not exists (select 1 from missing) and not exists (select 1 from full_actor) and ${writer}
      ),
      removed as (
        delete from ${castings} where ${castings.movie_id} in (select id from target)
          and not exists (select 1 from input where input.actor_id = ${castings.actor_id})
      ),
      written as (
        insert into ${castings} (movie_id, actor_id, fee) select target.id, input.actor_id, input.fee from target cross join input
        on conflict (movie_id, actor_id) do update set fee = excluded.fee
      )
      select (select actor_id from missing) as missing, (select actor_id from full_actor) as full`),
    castWith(db, movieSide, actorSide, movieId),
  ] as const
}

/**
 * What a cast replacement's batch answered: the movie is missing, or an actor
 * is (its id), or an actor would be cast in more movies than it may (its id),
 * or the cast as it now is.
 */
export function castReplaced([movie, , replaced, rows]: BatchResponse<ReturnType<typeof replaceCast>>) {
  if (movie.length === 0) return { missing: 'movie' as const }
  const { missing, full } = replaced.rows[0] ?? {}
  if (missing != null) return { missing: 'actor' as const, actorId: Number(missing) }
  if (full != null) return { full: 'actor' as const, actorId: Number(full) }
  return { cast: entriesOf<typeof actorFields>(rows) ?? [] }
}

/**
 * Which of a movie and an actor are missing, or (for a write that would
 * create the casting, `creating`) which has no room for it: the failure path
 * of the casting writes.
 */
async function missingOf(db: Database, movieId: number, actorId: number, creating = false) {
  const { rows } = await db.execute<{ movie: boolean; actor: boolean; cast_full: boolean; filmography_full: boolean }>(
    sql`select exists (select 1 from ${movies} where ${movies.id} = ${movieId}) as movie,
               exists (select 1 from ${actors} where ${actors.id} = ${actorId}) as actor,
               ${castFull(movieId, actorId)} as cast_full, ${filmographyFull(sql`${actorId}::integer`, movieId)} as filmography_full`,
  )
  if (!rows[0]?.movie) return 'movie' as const
  if (!rows[0].actor) return 'actor' as const
  if (!creating) return undefined
  if (rows[0].cast_full) return 'cast full' as const
  if (rows[0].filmography_full) return 'filmography full' as const
  return undefined
}

/**
 * Creates or replaces the casting in one upsert, unless a new one would pass
 * a bound (API.md D5). `created` tells a new row from an updated one (a row
 * an INSERT wrote has no xmax). No row, or a foreign key violation, means the
 * movie or the actor does not exist, or one of them is full: a second
 * statement says which.
 */
export async function putCasting(db: Database, writer: SQL, movieId: number, actorId: number, fee: number | null) {
  try {
    const [casting] = await db
      .insert(castings)
      .select(
        sql`select ${movieId}::integer, ${actorId}::integer, ${fee}::numeric
          where ${writer} and ${inTurn(['movie', movieId], ['actor', actorId])} and not (${castFull(movieId, actorId)}) and not (${filmographyFull(sql`${actorId}::integer`, movieId)})`,
      )
      .onConflictDoUpdate({ target: [castings.movie_id, castings.actor_id], set: { fee } })
      .returning({ ...castingFields, created: sql<boolean>`xmax = 0` })
    if (casting) {
      const { created, ...rest } = casting
      return { casting: rest, created }
    }
  } catch (error) {
    if (sqlStateOf(error) !== '23503') throw error
  }
  return { missing: (await missingOf(db, movieId, actorId, true)) ?? ('movie' as const) }
}

/** Deletes the casting; if there was none, says which of movie, actor or casting is missing. */
export async function deleteCasting(db: Database, writer: SQL, movieId: number, actorId: number) {
  const [deleted] = await db
    .delete(castings)
    .where(and(eq(castings.movie_id, movieId), eq(castings.actor_id, actorId), writer, inTurn(['movie', movieId], ['actor', actorId])))
    .returning(castingFields)
  if (deleted) return { deleted }
  return { missing: (await missingOf(db, movieId, actorId)) ?? ('casting' as const) }
}
