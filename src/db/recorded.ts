import { type SQL, sql } from 'drizzle-orm'
import type { Context } from 'hono'
import type { AppEnv } from '../env.ts'

/**
 * A condition for the WHERE of a write, always true, that tells the history
 * triggers who writes and for which request (and that a restore's inserts are
 * `restore` events): settings local to the statement's transaction
 * (`set_config(…, true)`), gone when it ends. An uncorrelated subquery, so
 * the database evaluates it once, before the first row is written; row
 * triggers run after that. So every write stays one statement, and nothing
 * it sets outlives it on a pooled connection.
 * @see https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-ADMIN-SET
 */
export const writtenBy = (c: Context<AppEnv>, action: '' | 'restore' = ''): SQL =>
  sql`(select set_config('app.by', ${c.var.subject ?? ''}, true) || set_config('app.request_id', ${c.var.requestId}, true) || set_config('app.action', ${action}, true)) is not null`

/** A resource's name as the API names one (`actor`), and the id of one. */
export type Locked = readonly [resource: string, id: number]

/**
 * A condition for the WHERE of a write, always true, that first waits until
 * no other write of these resources is running: a transaction-scoped advisory
 * lock on each (resource, id), taken in one order, (resource, id) ascending,
 * so two writes never wait for each other. Why: the feed walks events in
 * transaction id order (API.md D1), and PostgreSQL gives a transaction its id
 * at its first write, in heap_update before it waits for a row that another
 * holds; writers queued on one row took ids in one order and got the row in
 * another, and the history trigger refused each that came late
 * (migrations/0007), up to a 500 once the retries ran out. Waiting for an
 * advisory lock needs no transaction id (its holder is the virtual one), so
 * the id is handed out after the previous writer of the row has committed.
 * An uncorrelated subquery, like `writtenBy`: the database takes the locks
 * once, before the first row is touched (an InitPlan).
 * @see https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS
 */
export function inTurn(...keys: Locked[]): SQL {
  const ordered = [...keys].sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x - y))
  const rows = sql.join(
    ordered.map(([resource, id]) => sql`(${resource}::text, ${id}::integer)`),
    sql`, `,
  )
  return sql`(select count(pg_advisory_xact_lock(hashtext(locked.resource), locked.id)) from (values ${rows}) as locked(resource, id)) = ${ordered.length}`
}
