import { asc, desc, type SQL } from 'drizzle-orm'
import type { PgColumn } from 'drizzle-orm/pg-core'
import type { Paging, Sort } from '../schemas/listing.ts'

/** ORDER BY the sort field, then id in the same direction, so (field, id) indexes serve it. */
export function ordering(columns: Record<string, PgColumn>, sort: Sort | undefined): SQL[] {
  const direction = sort?.descending ? desc : asc
  const field = sort?.field ?? 'id'
  return field === 'id' ? [direction(columns.id!)] : [direction(columns[field]!), direction(columns.id!)]
}

/** LIMIT and OFFSET: a cursor reads one row more, to know whether a next page exists. */
export function window({ page = 1, per_page, after }: Paging) {
  return after === undefined ? { limit: per_page, offset: (page - 1) * per_page } : { limit: per_page + 1, offset: 0 }
}

/** Escapes LIKE's wildcards, so `q` is a plain substring. */
export const containing = (text: string) => `%${text.replace(/[\\%_]/g, '\\$&')}%`

/**
 * The page's rows (without the `total` each row carried) and the paging fields
 * of the response: `page` for page numbers, `next_after` for a cursor.
 */
export function pageOf<Row extends { id: number; total: number }>(rows: Row[], { page = 1, per_page, after }: Paging) {
  const items = rows.slice(0, per_page).map(({ total: _, ...item }) => item)
  const total = rows[0]?.total ?? 0
  if (after === undefined) return { items, paging: { page, per_page, total } }
  const next_after = rows.length > per_page ? (items.at(-1)?.id ?? null) : null
  return { items, paging: { per_page, total, next_after } }
}
