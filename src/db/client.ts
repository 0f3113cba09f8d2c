import { neonConfig, Pool } from '@neondatabase/serverless'
import { drizzle } from 'drizzle-orm/neon-serverless'
import { createMiddleware } from 'hono/factory'
import type { AppEnv, Bindings } from '../env'
import * as schema from './schema'

export type Database = ReturnType<typeof drizzle<typeof schema>>

/** How long a connection attempt may take before the request answers 503. */
export const CONNECT_TIMEOUT_MS = 4_000
/** How long one statement may take before the request answers 503. */
export const QUERY_TIMEOUT_MS = 10_000

function configureDriver(proxy: string | undefined) {
  if (!proxy) return
  // A plain Postgres behind our own bridge: no TLS inside the WebSocket, and
  // no pipelined startup, which only works with Neon's cleartext password flow.
  neonConfig.wsProxy = (host, port) => `${proxy}/v1?address=${host}:${port}`
  neonConfig.useSecureWebSocket = false
  neonConfig.pipelineTLS = false
  neonConfig.pipelineConnect = false
}

/** A pool for one request. Workers forbid I/O objects shared across requests. */
export function createPool(env: Bindings) {
  configureDriver(env.DATABASE_WS_PROXY)
  const pool = new Pool({
    connectionString: env.DATABASE_URL,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
  })
  // An idle client whose connection drops (the socket closing as the pool
  // ends, say) emits 'error' on the pool; unheard, that is an uncaught
  // exception. A query on a broken connection still fails on its own.
  pool.on('error', () => {})
  return pool
}

/**
 * Puts a Drizzle client on `c.var.db`. The pool connects on first use and is
 * closed after the response, through `waitUntil`, so nothing outlives the request.
 */
export const withDatabase = createMiddleware<AppEnv>(async (c, next) => {
  const pool = createPool(c.env)
  c.set('db', drizzle({ client: pool, schema }))
  try {
    await next()
  } finally {
    // A pool whose connection already broke rejects on end; nothing to do then.
    c.executionCtx.waitUntil(pool.end().catch(() => {}))
  }
})
