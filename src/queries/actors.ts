import { and, eq, getTableColumns } from 'drizzle-orm'
import type { Database } from '../db/client'
import { actors } from '../db/schema'
import type { CreateActor, UpdateActor } from '../schemas/actors'
import { differsFrom } from './changes'

const columns = getTableColumns(actors)

/** One page in id order, each row carrying the table's total: one statement. */
export function listActors(db: Database, { page, perPage }: { page: number; perPage: number }) {
  return db
    .select({ ...columns, total: db.$count(actors) })
    .from(actors)
    .orderBy(actors.id)
    .limit(perPage)
    .offset((page - 1) * perPage)
}

export async function createActor(db: Database, values: CreateActor) {
  const [actor] = await db.insert(actors).values(values).returning()
  return actor!
}

/** Writes only if a value differs; undefined when nothing was written. */
export async function updateActor(db: Database, id: number, changes: UpdateActor) {
  const [actor] = await db
    .update(actors)
    .set(changes)
    .where(and(eq(actors.id, id), differsFrom(columns, changes)))
    .returning()
  return actor
}

export async function deleteActor(db: Database, id: number) {
  const [deleted] = await db.delete(actors).where(eq(actors.id, id)).returning({ id: actors.id })
  return deleted
}

export async function actorExists(db: Database, id: number) {
  return (await db.$count(actors, eq(actors.id, id))) > 0
}
