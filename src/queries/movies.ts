import { and, eq, getTableColumns } from 'drizzle-orm'
import type { Database } from '../db/client'
import { movies } from '../db/schema'
import type { CreateMovie, UpdateMovie } from '../schemas/movies'
import { differsFrom } from './changes'

const columns = getTableColumns(movies)

/** One page in id order, each row carrying the table's total: one statement. */
export function listMovies(db: Database, { page, perPage }: { page: number; perPage: number }) {
  return db
    .select({ ...columns, total: db.$count(movies) })
    .from(movies)
    .orderBy(movies.id)
    .limit(perPage)
    .offset((page - 1) * perPage)
}

export async function createMovie(db: Database, values: CreateMovie) {
  const [movie] = await db.insert(movies).values(values).returning()
  return movie!
}

/** Writes only if a value differs; undefined when nothing was written. */
export async function updateMovie(db: Database, id: number, changes: UpdateMovie) {
  const [movie] = await db
    .update(movies)
    .set(changes)
    .where(and(eq(movies.id, id), differsFrom(columns, changes)))
    .returning()
  return movie
}

export async function deleteMovie(db: Database, id: number) {
  const [deleted] = await db.delete(movies).where(eq(movies.id, id)).returning({ id: movies.id })
  return deleted
}

export async function movieExists(db: Database, id: number) {
  return (await db.$count(movies, eq(movies.id, id))) > 0
}
