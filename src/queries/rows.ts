import { and, asc, eq, gt } from 'drizzle-orm'
import type { Database } from '../db/client.ts'
import type { DeclaredResource } from '../resources/declare.ts'
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

/** The row, with its ETag; with `include`, its embedded list too, which the ETag covers: one statement. */
export async function getRow(db: Database, resource: DeclaredResource, id: number, include: string | undefined) {
  const fields = { ...resource.fields, ...resource.include.embed(include) }
  const [row] = await db
    .select({ ...fields, etag: contentHash(fields) })
    .from(resource.table)
    .where(eq(resource.fields.id, id))
  return row as (Record<string, unknown> & { etag: string }) | undefined
}
