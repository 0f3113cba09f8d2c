import { neon, neonConfig } from '@neondatabase/serverless'
import { drizzle } from 'drizzle-orm/neon-http'
import { createMiddleware } from 'hono/factory'
import type { AppEnv, Bindings } from '../env.ts'
import * as schema from './schema.ts'
import { QUERY_TIMEOUT_MS } from './timeouts.ts'

export type Database = ReturnType<typeof drizzle<typeof schema>>

/** Times a round trip is sent when the history trigger refused its transaction for the feed's order. */
const FEED_ORDER_ATTEMPTS = 3

/**
 * Whether the database refused the whole transaction with a serialization
 * failure, which at read committed only the history trigger raises: a newer
 * transaction changed the same resource first (migrations/0007). Nothing was
 * written, so the same request again, under a newer transaction id, is safe.
 */
async function refusedForFeedOrder(response: Response) {
  if (response.status !== 400) return false
  const body = (await response
    .clone()
    .json()
    .catch(() => undefined)) as { code?: unknown } | undefined
  return body?.code === '40001'
}

// Every statement is one HTTPS request (Neon's SQL-over-HTTP), bounded here.
neonConfig.fetchFunction = async (input: RequestInfo, init?: RequestInit) => {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(input, { ...init, signal: AbortSignal.timeout(QUERY_TIMEOUT_MS) })
    if (attempt === FEED_ORDER_ATTEMPTS || !(await refusedForFeedOrder(response))) return response
  }
}

/** A loopback URL: the only place a local SQL-over-HTTP endpoint may be. */
function loopbackEndpoint(value: string | undefined): string | undefined {
  if (!value) return undefined
  try {
    const url = new URL(value)
    const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]'
    return loopback && (url.protocol === 'http:' || url.protocol === 'https:') ? url.toString() : undefined
  } catch {
    return undefined
  }
}

// The client holds no connection, only its configuration, so one per isolate
// serves every request: nothing is opened or closed per request.
const clients = new Map<string, Database>()

/** The Drizzle client over Neon's HTTP path for this Worker's configuration. */
export function databaseFor(env: Bindings): Database {
  const key = `${env.DATABASE_URL}\n${env.DATABASE_HTTP_ENDPOINT ?? ''}`
  let db = clients.get(key)
  if (!db) {
    // Locally, our own endpoint in front of PGlite or a local server; in production, Neon's own.
    const endpoint = loopbackEndpoint(env.DATABASE_HTTP_ENDPOINT)
    if (endpoint) neonConfig.fetchEndpoint = () => endpoint
    db = drizzle({ client: neon(env.DATABASE_URL), schema })
    clients.set(key, db)
  }
  return db
}

/** Puts the Drizzle client on `c.var.db`. */
export const withDatabase = createMiddleware<AppEnv>(async (c, next) => {
  c.set('db', databaseFor(c.env))
  await next()
})
