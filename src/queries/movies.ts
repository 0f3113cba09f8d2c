import { and, eq, gt, gte, ilike, lte } from 'drizzle-orm'
import type { IfMatch } from '../conditional'
import type { Database } from '../db/client'
import { movieFields } from '../db/fields'
import { movies } from '../db/schema'
import type { CreateMovie, ListMoviesQuery, MovieInclude, UpdateMovie } from '../schemas/movies'
import { insertInOrder } from './bulk'
import { embeddedCast } from './castings'
import { contentHash, differsFrom, hashMatches } from './changes'
import { containing, ordering, window } from './listing'

const etag = contentHash(movieFields)

/** One page of the movies matching the filters, each row carrying their total: one statement. */
export function listMovies(db: Database, query: ListMoviesQuery) {
  const filters = and(
    query.q === undefined ? undefined : ilike(movies.title, containing(query.q)),
    query.released_from === undefined ? undefined : gte(movies.release_date, query.released_from),
    query.released_to === undefined ? undefined : lte(movies.release_date, query.released_to),
  )
  const { limit, offset } = window(query)
  return db
    .select({ ...movieFields, ...embeddedCast(query.include), total: db.$count(movies, filters) })
    .from(movies)
    .where(and(filters, query.after === undefined ? undefined : gt(movies.id, query.after)))
    .orderBy(...ordering(movieFields, query.sort))
    .limit(limit)
    .offset(offset)
}

/** The movie, with its ETag; with `include`, its embedded list too, which the ETag covers: one statement. */
export async function getMovie(db: Database, id: number, include?: MovieInclude) {
  const fields = { ...movieFields, ...embeddedCast(include) }
  const [movie] = await db
    .select({ ...fields, etag: contentHash(fields) })
    .from(movies)
    .where(eq(movies.id, id))
  return movie
}

export async function createMovie(db: Database, values: CreateMovie) {
  const [movie] = await db.insert(movies).values(values).returning(movieFields)
  return movie!
}

/** A bulk create: every row or none, in input order, in one statement. */
export const createMovies = (db: Database, values: CreateMovie[]) => insertInOrder(db, movies, movieFields, values)

/** As updateActor: the change, the no-op check and If-Match in one statement. */
export async function updateMovie(db: Database, id: number, changes: UpdateMovie, ifMatch: IfMatch) {
  const [movie] = await db
    .update(movies)
    .set(changes)
    .where(and(eq(movies.id, id), differsFrom(movieFields, changes), hashMatches(etag, ifMatch)))
    .returning({ ...movieFields, etag })
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
