import { and, eq, type SQL, sql } from 'drizzle-orm'
import type { IfMatch } from '../conditional.ts'
import type { Database } from '../db/client.ts'
import { inTurn } from '../db/recorded.ts'
import { contentHash, differsFrom, hashMatches } from './changes.ts'
import { type Resource, rowJson } from './resources.ts'
import { refusal } from './violations.ts'

/** What a conditional write found: the row's ETag before it (undefined: no such row), and the row it wrote, if any. */
export type WriteOutcome = {
  current: string | null
  /** An update's: whether the changes differed from the row as the statement first read it. */
  differs?: boolean | null
  row: Record<string, unknown> | null
  etag: string | null
}

const idOf = (resource: Resource) => resource.fields.id!

/** Whether the row holds a value other than one of `changes`, as a boolean (false when they change nothing). */
const differs = (resource: Resource, changes: Record<string, unknown>) =>
  sql<boolean>`coalesce(${differsFrom(resource.fields, changes) ?? sql`false`}, false)`

/**
 * Writes only if a value differs and `If-Match` (if any) matches the current
 * content, in one statement, so two clients racing on one ETag cannot both
 * win; the same statement reads the ETag the row had, so why nothing was
 * written (`whyNothingWritten`) costs no second round trip. `writer` is
 * `writtenBy(c)`, for the history; the write waits its turn (`inTurn`). A
 * value a constraint refuses answers as `refusal` says.
 */
export function updateRow(db: Database, writer: SQL, resource: Resource, id: number, changes: Record<string, unknown>, ifMatch: IfMatch) {
  const etag = contentHash(resource.fields)
  const update = db
    .update(resource.table)
    .set(changes)
    .where(
      and(eq(idOf(resource), id), differsFrom(resource.fields, changes), hashMatches(etag, ifMatch), writer, inTurn([resource.one, id])),
    )
    .returning({ row: sql`${rowJson(resource.fields, resource.many)}`.as('row'), etag: sql`${etag}`.as('etag') })
  // `differs` tells "nothing to change" from "changed by a concurrent write after this statement read the row": the
  // update waits for that write, then finds its If-Match stale, while the row as first read still matches it.
  return db
    .execute<WriteOutcome>(sql`
    with before_write as (
      select ${etag} as etag, ${differs(resource, changes)} as differs
      from ${resource.table} where ${idOf(resource)} = ${id}
    ),
    written as (${update.getSQL()})
    select (select etag from before_write) as current, (select differs from before_write) as differs, written.row, written.etag
    from (select 1) as one left join written on true`)
    .catch((error: unknown) => {
      throw refusal(error, resource)
    })
}

/** Deletes the row (and, by cascade, its castings) if `If-Match` (if any) matches; reads the ETag it had in the same statement. */
export function deleteRow(db: Database, writer: SQL, resource: Resource, id: number, ifMatch: IfMatch) {
  const etag = contentHash(resource.fields)
  const remove = db
    .delete(resource.table)
    .where(and(eq(idOf(resource), id), hashMatches(etag, ifMatch), writer, inTurn([resource.one, id])))
    .returning({ row: sql`${rowJson(resource.fields, resource.many)}`.as('row'), etag: sql`${etag}`.as('etag') })
  return db.execute<WriteOutcome>(sql`
    with before_write as (select ${etag} as etag from ${resource.table} where ${idOf(resource)} = ${id}),
    written as (${remove.getSQL()})
    select (select etag from before_write) as current, written.row, written.etag from (select 1) as one left join written on true`)
}

/**
 * Whether the row now holds every value of `changes` (false: one differs, or
 * there is no such row): why an update without If-Match that met a concurrent
 * write wrote nothing.
 */
export async function holdsChanges(db: Database, resource: Resource, id: number, changes: Record<string, unknown>) {
  const { rows } = await db.execute<{ holds: boolean }>(
    sql`select not ${differs(resource, changes)} as holds from ${resource.table} where ${idOf(resource)} = ${id}`,
  )
  return rows[0]?.holds ?? false
}
