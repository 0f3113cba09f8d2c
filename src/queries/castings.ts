import { and, eq, type GetColumnData, type SQL, sql } from 'drizzle-orm'
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core'
import type { Database } from '../db/client.ts'
import { actorFields, castingFields, movieFields } from '../db/fields.ts'
import { actors, castings, movies } from '../db/schema.ts'
import { sqlStateOf } from '../errors.ts'

/** One side of a casting: its table and id, the castings column holding that id, and what a response shows of it. */
type Side<Columns extends Record<string, PgColumn>> = { table: PgTable; id: PgColumn; key: PgColumn; columns: Columns }
/** A row of `columns` as selected: Drizzle cannot infer one for a table given as a parameter, so it is stated here. */
type RowOf<Columns extends Record<string, PgColumn>> = { [Name in keyof Columns]: GetColumnData<Columns[Name]> }

const movieSide = { table: movies, id: movies.id, key: castings.movie_id, columns: movieFields }
const actorSide = { table: actors, id: actors.id, key: castings.actor_id, columns: actorFields }

/**
 * Everything `owner` is cast with, each with its fee, in id order: one
 * statement. No rows means no such owner; an owner cast with nothing is one
 * row whose other side is null.
 */
async function castWith<Columns extends Record<string, PgColumn>>(
  db: Database,
  owner: Side<Record<string, PgColumn>>,
  other: Side<Columns>,
  ownerId: number,
): Promise<(RowOf<Columns> & { fee: number | null })[] | undefined> {
  const rows = await db
    .select({ entry: other.columns, fee: castings.fee })
    .from(owner.table)
    .leftJoin(castings, eq(owner.key, owner.id))
    .leftJoin(other.table, eq(other.id, other.key))
    .where(eq(owner.id, ownerId))
    .orderBy(other.id)
  if (rows.length === 0) return undefined
  return rows.flatMap(({ entry, fee }) => (entry ? [{ ...(entry as RowOf<Columns>), fee }] : []))
}

/** A movie's cast with fees, in actor id order; undefined if there is no such movie. */
export const listCast = (db: Database, movieId: number) => castWith(db, movieSide, actorSide, movieId)

/** An actor's movies with fees, in movie id order; undefined if there is no such actor. */
export const listFilmography = (db: Database, actorId: number) => castWith(db, actorSide, movieSide, actorId)

/** Which of a movie and an actor are missing: the failure path of the casting writes. */
async function missingOf(db: Database, movieId: number, actorId: number) {
  const { rows } = await db.execute<{ movie: boolean; actor: boolean }>(
    sql`select exists (select 1 from ${movies} where ${movies.id} = ${movieId}) as movie,
               exists (select 1 from ${actors} where ${actors.id} = ${actorId}) as actor`,
  )
  if (!rows[0]?.movie) return 'movie' as const
  if (!rows[0].actor) return 'actor' as const
  return undefined
}

/**
 * Creates or replaces the casting in one upsert. `created` tells a new row
 * from an updated one (a row an INSERT wrote has no xmax). A foreign key
 * violation means the movie or the actor does not exist.
 */
export async function putCasting(db: Database, writer: SQL, movieId: number, actorId: number, fee: number | null) {
  try {
    const [casting] = await db
      .insert(castings)
      .select(sql`select ${movieId}::integer, ${actorId}::integer, ${fee}::numeric where ${writer}`)
      .onConflictDoUpdate({ target: [castings.movie_id, castings.actor_id], set: { fee } })
      .returning({ ...castingFields, created: sql<boolean>`xmax = 0` })
    const { created, ...rest } = casting!
    return { casting: rest, created }
  } catch (error) {
    if (sqlStateOf(error) !== '23503') throw error
    return { missing: (await missingOf(db, movieId, actorId)) ?? ('movie' as const) }
  }
}

/** Deletes the casting; if there was none, says which of movie, actor or casting is missing. */
export async function deleteCasting(db: Database, writer: SQL, movieId: number, actorId: number) {
  const [deleted] = await db
    .delete(castings)
    .where(and(eq(castings.movie_id, movieId), eq(castings.actor_id, actorId), writer))
    .returning(castingFields)
  if (deleted) return { deleted }
  return { missing: (await missingOf(db, movieId, actorId)) ?? ('casting' as const) }
}
