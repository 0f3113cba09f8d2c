import { and, asc, eq, gt, lt, type SQL, sql } from 'drizzle-orm'
import type { Database } from '../db/client.ts'
import type { DeclaredResource } from '../resources/declare.ts'
import { EXPORT_CHUNK_ROWS } from '../schemas/limits.ts'
import type { Paging, Sort } from '../schemas/listing.ts'
import { contentHash } from './changes.ts'
import { cursorPage, numberedPage, offsetOf, ordering } from './listing.ts'

/** A list's query string as validated: paging, `sort`, `include`, and the resource's own filters. */
export type ListQuery = Paging & { sort?: Sort; include?: string } & Record<string, unknown>

/**
 * One page of the rows matching the filters: one statement. A plain page
 * counts every match, in each row; a cursor page reads the `per_page + 1`
 * rows after `after` in id order, one more to know whether a next page
 * exists, and counts nothing (API.md C7).
 */
export async function listRows(db: Database, resource: DeclaredResource, query: ListQuery) {
  const { table, fields } = resource
  const filters = resource.where(query)
  const selected = { ...fields, ...resource.include.embed(query.include) }
  if (query.after !== undefined) {
    const rows = await db
      .select(selected)
      .from(table)
      .where(and(filters, gt(fields.id, query.after)))
      .orderBy(asc(fields.id))
      .limit(query.per_page + 1)
    return cursorPage(rows as { id: number }[], query)
  }
  const rows = await db
    .select({ ...selected, total: db.$count(table, filters) })
    .from(table)
    .where(filters)
    .orderBy(...ordering(fields, query.sort))
    .limit(query.per_page)
    .offset(offsetOf(query))
  return numberedPage(rows as { total: number }[], query)
}

/** The statement of `getRow`, for one client, resource and `include`: built once, as the read every ETag check makes. */
function rowStatement(db: Database, resource: DeclaredResource, include: string | undefined) {
  const fields = { ...resource.fields, ...resource.include.embed(include) }
  return db
    .select({ ...fields, etag: contentHash(fields) })
    .from(resource.table)
    .where(eq(resource.fields.id, sql.placeholder('id')))
    .prepare(`get_${resource.one}_${include ?? ''}`)
}

// Per client (one per isolate and configuration), by resource and `include`:
// building the same SELECT was a tenth of a read's CPU (docs/cpu.md).
const rowStatements = new WeakMap<Database, Map<string, ReturnType<typeof rowStatement>>>()

/** The row, with its ETag; with `include`, its embedded list too, which the ETag covers: one statement. */
export async function getRow(db: Database, resource: DeclaredResource, id: number, include: string | undefined) {
  let statements = rowStatements.get(db)
  if (!statements) {
    statements = new Map()
    rowStatements.set(db, statements)
  }
  const key = `${resource.many} ${include ?? ''}`
  let statement = statements.get(key)
  if (!statement) {
    statement = rowStatement(db, resource, include)
    statements.set(key, statement)
  }
  const [row] = await statement.execute({ id })
  return row as (Record<string, unknown> & { etag: string }) | undefined
}

/**
 * Every row matching the filters, in the order of `sort` (ties by id), as
 * chunks of `size`: one statement each, read only when the previous chunk has
 * been taken. Each chunk starts after the previous one's last row, by (sort
 * field, id): a keyset walk, an index range scan wherever it is, however far
 * into the table (API.md D3). A chunk shorter than `size` is the last.
 * Statements are not one snapshot: a row changed during the walk may be read
 * as it was or as it is, once.
 */
export async function* rowsInChunks(db: Database, resource: DeclaredResource, query: ListQuery, size = EXPORT_CHUNK_ROWS) {
  const { table, fields } = resource
  const filters = resource.where(query)
  const field = query.sort?.field ?? 'id'
  const descending = query.sort?.descending ?? false
  const column = fields[field]!
  let after: SQL | undefined
  for (;;) {
    const rows = (await db
      .select(fields)
      .from(table)
      .where(and(filters, after))
      .orderBy(...ordering(fields, query.sort))
      .limit(size)) as Record<string, unknown>[]
    if (rows.length > 0) yield rows
    if (rows.length < size) return
    const last = rows.at(-1)!
    after =
      field === 'id'
        ? (descending ? lt : gt)(fields.id, last.id)
        : sql`(${column}, ${fields.id}) ${sql.raw(descending ? '<' : '>')} (${last[field]}::${sql.raw(column.getSQLType())}, ${last.id}::${sql.raw(fields.id.getSQLType())})`
  }
}
