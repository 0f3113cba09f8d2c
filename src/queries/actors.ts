import { and, eq, gt, gte, ilike, lte, sql } from 'drizzle-orm'
import type { IfMatch } from '../conditional'
import type { Database } from '../db/client'
import { actorFields } from '../db/fields'
import { actors } from '../db/schema'
import type { ActorInclude, CreateActor, ListActorsQuery, UpdateActor } from '../schemas/actors'
import { insertInOrder } from './bulk'
import { embeddedMovies } from './castings'
import { contentHash, differsFrom, hashMatches } from './changes'
import { containing, ordering, window } from './listing'

const etag = contentHash(actorFields)

/** One page of the actors matching the filters, each row carrying their total: one statement. */
export function listActors(db: Database, query: ListActorsQuery) {
  const filters = and(
    query.q === undefined ? undefined : ilike(actors.name, containing(query.q)),
    query.gender === undefined ? undefined : eq(sql`lower(${actors.gender})`, query.gender.toLowerCase()),
    query.min_age === undefined ? undefined : gte(actors.age, query.min_age),
    query.max_age === undefined ? undefined : lte(actors.age, query.max_age),
  )
  const { limit, offset } = window(query)
  return db
    .select({ ...actorFields, ...embeddedMovies(query.include), total: db.$count(actors, filters) })
    .from(actors)
    .where(and(filters, query.after === undefined ? undefined : gt(actors.id, query.after)))
    .orderBy(...ordering(actorFields, query.sort))
    .limit(limit)
    .offset(offset)
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

export async function createActor(db: Database, values: CreateActor) {
  const [actor] = await db.insert(actors).values(values).returning(actorFields)
  return actor!
}

/** A bulk create: every row or none, in input order, in one statement. */
export const createActors = (db: Database, values: CreateActor[]) => insertInOrder(db, actors, actorFields, values)

/**
 * Writes only if a value differs and `If-Match` (if any) matches the current
 * content, in one statement, so two clients racing on one ETag cannot both
 * win. Undefined when nothing was written.
 */
export async function updateActor(db: Database, id: number, changes: UpdateActor, ifMatch: IfMatch) {
  const [actor] = await db
    .update(actors)
    .set(changes)
    .where(and(eq(actors.id, id), differsFrom(actorFields, changes), hashMatches(etag, ifMatch)))
    .returning({ ...actorFields, etag })
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
