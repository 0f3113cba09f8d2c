import { sql } from 'drizzle-orm'
import type { BatchItem, BatchResponse } from 'drizzle-orm/batch'
import type { Context } from 'hono'
import type { AppEnv } from '../env'

type Statements = readonly [BatchItem<'pg'>, ...BatchItem<'pg'>[]]

/** Runs write statements as one recorded transaction: see `recorded`. */
export type Write = <T extends Statements>(statements: T) => Promise<BatchResponse<T>>

/**
 * Runs `statements` in one round trip and one transaction (`db.batch`), after
 * the statement that tells the history triggers who writes and for which
 * request (and that a restore's inserts are `restore` events): settings local
 * to the transaction (`set_config(…, true)`), gone when it ends. Answers the
 * results of `statements`.
 * @see https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-ADMIN-SET
 */
export async function recorded<T extends Statements>(c: Context<AppEnv>, statements: T, action: '' | 'restore' = '') {
  const context = c.var.db.execute(
    sql`select set_config('app.by', ${c.var.subject ?? ''}, true), set_config('app.request_id', ${c.var.requestId}, true), set_config('app.action', ${action}, true)`,
  )
  const [, ...results] = await c.var.db.batch([context, ...statements])
  return results as BatchResponse<T>
}

/** `recorded` for this request, for a query that decides itself what to run. */
export const writeFor =
  (c: Context<AppEnv>, action: '' | 'restore' = ''): Write =>
  (statements) =>
    recorded(c, statements, action)
