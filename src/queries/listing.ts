import { asc, desc, type SQL } from 'drizzle-orm'
import type { PgColumn } from 'drizzle-orm/pg-core'
import type { Paging, Sort } from '../schemas/listing.ts'

/** ORDER BY the sort field, then id in the same direction, so (field, id) indexes serve it. */
export function ordering(columns: Record<string, PgColumn>, sort: Sort | undefined): SQL[] {
  const direction = sort?.descending ? desc : asc
  const field = sort?.field ?? 'id'
  return field === 'id' ? [direction(columns.id!)] : [direction(columns[field]!), direction(columns.id!)]
}

/** Escapes LIKE's wildcards, so `q` is a plain substring. */
export const containing = (text: string) => `%${text.replace(/[\\%_]/g, '\\$&')}%`

/**
 * A plain page (`page`, or neither `page` nor `after`): `per_page` rows from
 * its offset, each carrying the count of every match, which becomes `total`.
 */
export function numberedPage<Row extends { total: number }>(rows: Row[], { page = 1, per_page }: Paging) {
  const items = rows.map(({ total: _, ...item }) => item)
  return { items, paging: { page, per_page, total: rows[0]?.total ?? 0 } }
}

/** The offset of a plain page. */
export const offsetOf = ({ page = 1, per_page }: Paging) => (page - 1) * per_page

/**
 * A cursor page: `per_page + 1` rows were read after the cursor, so a row
 * beyond the page says a next page exists. Nothing is counted (API.md C7).
 */
export function cursorPage<Row extends { id: number }>(rows: Row[], { per_page }: Paging) {
  const items = rows.slice(0, per_page)
  const next_after = rows.length > per_page ? (items.at(-1)?.id ?? null) : null
  return { items, paging: { per_page, next_after } }
}
