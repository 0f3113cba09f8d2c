import { sql } from 'drizzle-orm'
import { Hono } from 'hono'
import type { AppEnv } from '../env'
import { databaseUnavailable } from '../errors'

/** /health answers within this bound even when the database hangs. */
const HEALTH_TIMEOUT_MS = 3_000

export const health = new Hono<AppEnv>().get('/', async (c) => {
  const timeout = AbortSignal.timeout(HEALTH_TIMEOUT_MS)
  const timedOut = new Promise<never>((_, reject) => timeout.addEventListener('abort', () => reject(databaseUnavailable())))
  await Promise.race([c.var.db.execute(sql`select 1`), timedOut])
  return c.json({ success: true, status: 'ok', database: 'ok' })
})
