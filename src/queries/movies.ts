import { and, asc, eq, gt, gte, ilike, lte } from 'drizzle-orm'
import type { Database } from '../db/client.ts'
import { movieFields } from '../db/fields.ts'
import { movies } from '../db/schema.ts'
import type { ListMoviesQuery, MovieInclude } from '../schemas/movies.ts'
import { embeddedCast } from './castings.ts'
import { contentHash } from './changes.ts'
import { containing, cursorPage, numberedPage, offsetOf, ordering } from './listing.ts'

/** As listActors: a plain page counts every match; a cursor page reads `per_page + 1` rows after `after` and counts nothing. */
export async function listMovies(db: Database, query: ListMoviesQuery) {
  const filters = and(
    query.q === undefined ? undefined : ilike(movies.title, containing(query.q)),
    query.released_from === undefined ? undefined : gte(movies.release_date, query.released_from),
    query.released_to === undefined ? undefined : lte(movies.release_date, query.released_to),
  )
  if (query.after !== undefined) {
    const rows = await db
      .select({ ...movieFields, ...embeddedCast(query.include) })
      .from(movies)
      .where(and(filters, gt(movies.id, query.after)))
      .orderBy(asc(movies.id))
      .limit(query.per_page + 1)
    return cursorPage(rows, query)
  }
  const rows = await db
    .select({ ...movieFields, ...embeddedCast(query.include), total: db.$count(movies, filters) })
    .from(movies)
    .where(filters)
    .orderBy(...ordering(movieFields, query.sort))
    .limit(query.per_page)
    .offset(offsetOf(query))
  return numberedPage(rows, query)
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
