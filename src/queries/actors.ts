import { and, asc, eq, gt, gte, ilike, lte, sql } from 'drizzle-orm'
import type { IfMatch } from '../conditional'
import type { Database } from '../db/client'
import { actors } from '../db/schema'
import type { CreateActor, ListActorsQuery, UpdateActor } from '../schemas/actors'
import { contentHash, differsFrom, hashMatches } from './changes'
import { containing, cursorPage, numberedPage, offsetOf, ordering } from './listing'

export const actorColumns = { id: actors.id, name: actors.name, age: actors.age, gender: actors.gender }

const etag = contentHash(actors.id, actors.name, actors.age, actors.gender)

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
      .select(actorColumns)
      .from(actors)
      .where(and(filters, gt(actors.id, query.after)))
      .orderBy(asc(actors.id))
      .limit(query.per_page + 1)
    return cursorPage(rows, query)
  }
  const rows = await db
    .select({ ...actorColumns, total: db.$count(actors, filters) })
    .from(actors)
    .where(filters)
    .orderBy(...ordering(actorColumns, query.sort))
    .limit(query.per_page)
    .offset(offsetOf(query))
  return numberedPage(rows, query)
}

export async function getActor(db: Database, id: number) {
  const [actor] = await db
    .select({ ...actorColumns, etag })
    .from(actors)
    .where(eq(actors.id, id))
  return actor
}

export async function createActor(db: Database, values: CreateActor) {
  const [actor] = await db.insert(actors).values(values).returning(actorColumns)
  return actor!
}

/**
 * Writes only if a value differs and `If-Match` (if any) matches the current
 * content, in one statement, so two clients racing on one ETag cannot both
 * win. Undefined when nothing was written.
 */
export async function updateActor(db: Database, id: number, changes: UpdateActor, ifMatch: IfMatch) {
  const [actor] = await db
    .update(actors)
    .set(changes)
    .where(and(eq(actors.id, id), differsFrom(actorColumns, changes), hashMatches(etag, ifMatch)))
    .returning({ ...actorColumns, etag })
  return actor
}

export async function deleteActor(db: Database, id: number, ifMatch: IfMatch) {
  const [deleted] = await db
    .delete(actors)
    .where(and(eq(actors.id, id), hashMatches(etag, ifMatch)))
    .returning({ id: actors.id })
  return deleted
}

/** The current ETag, or undefined if there is no such actor: why a write did not happen. */
export async function currentActorEtag(db: Database, id: number) {
  const [row] = await db.select({ etag }).from(actors).where(eq(actors.id, id))
  return row?.etag
}
