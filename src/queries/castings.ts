import { and, eq, sql } from 'drizzle-orm'
import type { Database } from '../db/client'
import { actors, castings, movies } from '../db/schema'
import { sqlStateOf } from '../errors'
import { actorColumns } from './actors'
import { movieColumns } from './movies'

const castingColumns = { movie_id: castings.movie_id, actor_id: castings.actor_id, fee: castings.fee }

/**
 * A movie's cast with fees, in actor id order: one statement. No rows means no
 * such movie; a movie without cast is one row whose actor is null.
 */
export async function listCast(db: Database, movieId: number) {
  const rows = await db
    .select({ movie: movies.id, actor: actorColumns, fee: castings.fee })
    .from(movies)
    .leftJoin(castings, eq(castings.movie_id, movies.id))
    .leftJoin(actors, eq(actors.id, castings.actor_id))
    .where(eq(movies.id, movieId))
    .orderBy(actors.id)
  if (rows.length === 0) return undefined
  return rows.flatMap(({ actor, fee }) => (actor ? [{ ...actor, fee }] : []))
}

/** An actor's movies with fees, in movie id order; undefined if there is no such actor. */
export async function listFilmography(db: Database, actorId: number) {
  const rows = await db
    .select({ actor: actors.id, movie: movieColumns, fee: castings.fee })
    .from(actors)
    .leftJoin(castings, eq(castings.actor_id, actors.id))
    .leftJoin(movies, eq(movies.id, castings.movie_id))
    .where(eq(actors.id, actorId))
    .orderBy(movies.id)
  if (rows.length === 0) return undefined
  return rows.flatMap(({ movie, fee }) => (movie ? [{ ...movie, fee }] : []))
}

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
export async function putCasting(db: Database, movieId: number, actorId: number, fee: number | null) {
  try {
    const [casting] = await db
      .insert(castings)
      .values({ movie_id: movieId, actor_id: actorId, fee })
      .onConflictDoUpdate({ target: [castings.movie_id, castings.actor_id], set: { fee } })
      .returning({ ...castingColumns, created: sql<boolean>`xmax = 0` })
    const { created, ...rest } = casting!
    return { casting: rest, created }
  } catch (error) {
    if (sqlStateOf(error) !== '23503') throw error
    return { missing: (await missingOf(db, movieId, actorId)) ?? ('movie' as const) }
  }
}

/** Deletes the casting; if there was none, says which of movie, actor or casting is missing. */
export async function deleteCasting(db: Database, movieId: number, actorId: number) {
  const [deleted] = await db
    .delete(castings)
    .where(and(eq(castings.movie_id, movieId), eq(castings.actor_id, actorId)))
    .returning(castingColumns)
  if (deleted) return { deleted }
  return { missing: (await missingOf(db, movieId, actorId)) ?? ('casting' as const) }
}
