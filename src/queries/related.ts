import { eq, type SQL, sql } from 'drizzle-orm'
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core'
import type { Database } from '../db/client.ts'
import type { RowOf } from './castings.ts'
import { qualified, rowJson } from './resources.ts'

/**
 * A related list through a foreign key (`GET /agents/:id/actors`): the rows
 * of `fields` whose `key` holds the id of one row of `owner` (its id column),
 * in id order. `list` reads them for one owner, undefined if there is no such
 * owner: one statement. `embed` is what `include=<name>` adds to a statement
 * that reads owners, as `embedding` does for castings (src/queries/castings.ts).
 */
export function rowsReferencing<Name extends string, Fields extends Record<string, PgColumn> & { id: PgColumn }>(
  name: Name,
  fields: Fields,
  key: PgColumn,
  owner: PgColumn,
) {
  const embedded = sql<RowOf<Fields>[]>`coalesce((select json_agg(${rowJson(fields)} order by ${qualified(fields.id)})
    from ${key.table} where ${qualified(key)} = ${qualified(owner)}), '[]'::json)`
  return {
    async list(db: Database, id: number) {
      const rows = await db
        .select({ row: fields })
        .from(owner.table as PgTable)
        .leftJoin(key.table as PgTable, eq(key, owner))
        .where(eq(owner, id))
        .orderBy(fields.id)
      if (rows.length === 0) return undefined
      return rows.flatMap(({ row }) => (row ? [row as RowOf<Fields>] : []))
    },
    embed: (include: Name | undefined) => (include === name ? { [name]: embedded } : {}) as Record<Name, SQL<RowOf<Fields>[] | undefined>>,
  }
}
