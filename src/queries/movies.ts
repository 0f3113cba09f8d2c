import { and, eq, gt, gte, ilike, lte } from 'drizzle-orm'
import type { Database } from '../db/client.ts'
import { movieFields } from '../db/fields.ts'
import { movies } from '../db/schema.ts'
import type { ListMoviesQuery } from '../schemas/movies.ts'
import { contentHash } from './changes.ts'
import { containing, ordering, window } from './listing.ts'

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
    .select({ ...movieFields, total: db.$count(movies, filters) })
    .from(movies)
    .where(and(filters, query.after === undefined ? undefined : gt(movies.id, query.after)))
    .orderBy(...ordering(movieFields, query.sort))
    .limit(limit)
    .offset(offset)
}

export async function getMovie(db: Database, id: number) {
  const [movie] = await db
    .select({ ...movieFields, etag })
    .from(movies)
    .where(eq(movies.id, id))
  return movie
}
