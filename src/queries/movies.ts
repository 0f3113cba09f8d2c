import { and, asc, eq, gt, gte, ilike, lte } from 'drizzle-orm'
import type { IfMatch } from '../conditional'
import type { Database } from '../db/client'
import { movies } from '../db/schema'
import type { CreateMovie, ListMoviesQuery, UpdateMovie } from '../schemas/movies'
import { contentHash, differsFrom, hashMatches } from './changes'
import { containing, cursorPage, numberedPage, offsetOf, ordering } from './listing'

export const movieColumns = { id: movies.id, title: movies.title, release_date: movies.release_date }

const etag = contentHash(movies.id, movies.title, movies.release_date)

/** As listActors: a plain page counts every match; a cursor page reads `per_page + 1` rows after `after` and counts nothing. */
export async function listMovies(db: Database, query: ListMoviesQuery) {
  const filters = and(
    query.q === undefined ? undefined : ilike(movies.title, containing(query.q)),
    query.released_from === undefined ? undefined : gte(movies.release_date, query.released_from),
    query.released_to === undefined ? undefined : lte(movies.release_date, query.released_to),
  )
  if (query.after !== undefined) {
    const rows = await db
      .select(movieColumns)
      .from(movies)
      .where(and(filters, gt(movies.id, query.after)))
      .orderBy(asc(movies.id))
      .limit(query.per_page + 1)
    return cursorPage(rows, query)
  }
  const rows = await db
    .select({ ...movieColumns, total: db.$count(movies, filters) })
    .from(movies)
    .where(filters)
    .orderBy(...ordering(movieColumns, query.sort))
    .limit(query.per_page)
    .offset(offsetOf(query))
  return numberedPage(rows, query)
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
