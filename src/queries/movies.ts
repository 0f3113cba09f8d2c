import { and, asc, eq, gt, gte, ilike, lte } from 'drizzle-orm'
import type { Database } from '../db/client.ts'
import { movieFields } from '../db/fields.ts'
import { movies } from '../db/schema.ts'
import type { ListMoviesQuery } from '../schemas/movies.ts'
import { contentHash } from './changes.ts'
import { containing, cursorPage, numberedPage, offsetOf, ordering } from './listing.ts'

const etag = contentHash(movieFields)

/** As listActors: a plain page counts every match; a cursor page reads `per_page + 1` rows after `after` and counts nothing. */
export async function listMovies(db: Database, query: ListMoviesQuery) {
  const filters = and(
    query.q === undefined ? undefined : ilike(movies.title, containing(query.q)),
    query.released_from === undefined ? undefined : gte(movies.release_date, query.released_from),
    query.released_to === undefined ? undefined : lte(movies.release_date, query.released_to),
  )
  if (query.after !== undefined) {
    const rows = await db
      .select(movieFields)
      .from(movies)
      .where(and(filters, gt(movies.id, query.after)))
      .orderBy(asc(movies.id))
      .limit(query.per_page + 1)
    return cursorPage(rows, query)
  }
  const rows = await db
    .select({ ...movieFields, total: db.$count(movies, filters) })
    .from(movies)
    .where(filters)
    .orderBy(...ordering(movieFields, query.sort))
    .limit(query.per_page)
    .offset(offsetOf(query))
  return numberedPage(rows, query)
}

export async function getMovie(db: Database, id: number) {
  const [movie] = await db
    .select({ ...movieFields, etag })
    .from(movies)
    .where(eq(movies.id, id))
  return movie
}
