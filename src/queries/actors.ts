import { and, asc, eq, gt, gte, ilike, lte, sql } from 'drizzle-orm'
import type { Database } from '../db/client.ts'
import { actorFields } from '../db/fields.ts'
import { actors } from '../db/schema.ts'
import type { ActorInclude, ListActorsQuery } from '../schemas/actors.ts'
import { embeddedMovies } from './castings.ts'
import { contentHash } from './changes.ts'
import { containing, cursorPage, numberedPage, offsetOf, ordering } from './listing.ts'

/**
 * One page of the actors matching the filters: one statement. A plain page
 * counts every match, in each row; a cursor page reads the `per_page + 1`
 * rows after `after` in id order, one more to know whether a next page
 * exists, and counts nothing (API.md C7).
 */
export async function listActors(db: Database, query: ListActorsQuery) {
  const filters = and(
    query.q === undefined ? undefined : ilike(actors.name, containing(query.q)),
    query.gender === undefined ? undefined : eq(sql`lower(${actors.gender})`, query.gender.toLowerCase()),
    query.min_age === undefined ? undefined : gte(actors.age, query.min_age),
    query.max_age === undefined ? undefined : lte(actors.age, query.max_age),
  )
  if (query.after !== undefined) {
    const rows = await db
      .select({ ...actorFields, ...embeddedMovies(query.include) })
      .from(actors)
      .where(and(filters, gt(actors.id, query.after)))
      .orderBy(asc(actors.id))
      .limit(query.per_page + 1)
    return cursorPage(rows, query)
  }
  const rows = await db
    .select({ ...actorFields, ...embeddedMovies(query.include), total: db.$count(actors, filters) })
    .from(actors)
    .where(filters)
    .orderBy(...ordering(actorFields, query.sort))
    .limit(query.per_page)
    .offset(offsetOf(query))
  return numberedPage(rows, query)
}

/** The actor, with its ETag; with `include`, its embedded list too, which the ETag covers: one statement. */
export async function getActor(db: Database, id: number, include?: ActorInclude) {
  const fields = { ...actorFields, ...embeddedMovies(include) }
  const [actor] = await db
    .select({ ...fields, etag: contentHash(fields) })
    .from(actors)
    .where(eq(actors.id, id))
  return actor
}
