import { or, type SQL, sql } from 'drizzle-orm'
import type { PgColumn } from 'drizzle-orm/pg-core'

/**
 * True where at least one of `changes` differs from the row, so an UPDATE
 * writes only when something changes and its RETURNING tells us whether it did.
 */
export function differsFrom(columns: Record<string, PgColumn>, changes: Record<string, unknown>): SQL | undefined {
  return or(
    ...Object.entries(changes)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => sql`${columns[key]} is distinct from ${value}`),
  )
}
