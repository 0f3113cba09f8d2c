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
