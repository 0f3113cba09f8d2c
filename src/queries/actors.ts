import { and, eq, gt, gte, ilike, lte, sql } from 'drizzle-orm'
import type { Database } from '../db/client.ts'
import { actorFields } from '../db/fields.ts'
import { actors } from '../db/schema.ts'
import type { ListActorsQuery } from '../schemas/actors.ts'
import { contentHash } from './changes.ts'
import { containing, ordering, window } from './listing.ts'

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
    .select({ ...actorFields, total: db.$count(actors, filters) })
    .from(actors)
    .where(and(filters, query.after === undefined ? undefined : gt(actors.id, query.after)))
    .orderBy(...ordering(actorFields, query.sort))
    .limit(limit)
    .offset(offset)
}

export async function getActor(db: Database, id: number) {
  const [actor] = await db
    .select({ ...actorFields, etag })
    .from(actors)
    .where(eq(actors.id, id))
  return actor
}
