import { and, eq, gt, gte, ilike, lte } from 'drizzle-orm'
import type { IfMatch } from '../conditional.ts'
import type { Database } from '../db/client.ts'
import { movies } from '../db/schema.ts'
import type { CreateMovie, ListMoviesQuery, UpdateMovie } from '../schemas/movies.ts'
import { contentHash, differsFrom, hashMatches } from './changes.ts'
import { containing, ordering, window } from './listing.ts'

export const movieColumns = { id: movies.id, title: movies.title, release_date: movies.release_date }

const etag = contentHash(movies.id, movies.title, movies.release_date)

/** One page of the movies matching the filters, each row carrying their total: one statement. */
export function listMovies(db: Database, query: ListMoviesQuery) {
  const filters = and(
    query.q === undefined ? undefined : ilike(movies.title, containing(query.q)),
    query.released_from === undefined ? undefined : gte(movies.release_date, query.released_from),
    query.released_to === undefined ? undefined : lte(movies.release_date, query.released_to),
  )
  const { limit, offset } = window(query)
  return db
    .select({ ...movieColumns, total: db.$count(movies, filters) })
    .from(movies)
    .where(and(filters, query.after === undefined ? undefined : gt(movies.id, query.after)))
    .orderBy(...ordering(movieColumns, query.sort))
    .limit(limit)
    .offset(offset)
}

export async function getMovie(db: Database, id: number) {
  const [movie] = await db
    .select({ ...movieColumns, etag })
    .from(movies)
    .where(eq(movies.id, id))
  return movie
}

export async function createMovie(db: Database, values: CreateMovie) {
  const [movie] = await db.insert(movies).values(values).returning(movieColumns)
  return movie!
}

/** As updateActor: the change, the no-op check and If-Match in one statement. */
export async function updateMovie(db: Database, id: number, changes: UpdateMovie, ifMatch: IfMatch) {
  const [movie] = await db
    .update(movies)
    .set(changes)
    .where(and(eq(movies.id, id), differsFrom(movieColumns, changes), hashMatches(etag, ifMatch)))
    .returning({ ...movieColumns, etag })
  return movie
}

export async function deleteMovie(db: Database, id: number, ifMatch: IfMatch) {
  const [deleted] = await db
    .delete(movies)
    .where(and(eq(movies.id, id), hashMatches(etag, ifMatch)))
    .returning({ id: movies.id })
  return deleted
}

export async function currentMovieEtag(db: Database, id: number) {
  const [row] = await db.select({ etag }).from(movies).where(eq(movies.id, id))
  return row?.etag
}
