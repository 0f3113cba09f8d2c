import { or, type SQL, sql } from 'drizzle-orm'
import type { PgColumn } from 'drizzle-orm/pg-core'
import type { IfMatch } from '../conditional.ts'

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

/** A strong validator: the hash of a row's fields (every one of them, and any embedded list), computed where the row is. */
export const contentHash = (fields: Record<string, PgColumn | SQL>) =>
  sql<string>`md5(row(${sql.join(Object.values(fields), sql`, `)})::text)`

/**
 * True where the row's hash is one `If-Match` names; no condition for `*` or
 * no header. The tags go as one array parameter, however many there are.
 */
export const hashMatches = (hash: SQL, ifMatch: IfMatch) =>
  ifMatch && !ifMatch.any ? sql`${hash} = any(${sql.param(ifMatch.tags)}::text[])` : undefined
