import { neon, neonConfig } from '@neondatabase/serverless'
import { drizzle } from 'drizzle-orm/neon-http'
import { createMiddleware } from 'hono/factory'
import type { AppEnv, Bindings } from '../env.ts'
import * as schema from './schema.ts'
import { QUERY_TIMEOUT_MS } from './timeouts.ts'

export type Database = ReturnType<typeof drizzle<typeof schema>>

// Every statement is one HTTPS request (Neon's SQL-over-HTTP), bounded here.
neonConfig.fetchFunction = (input: RequestInfo, init?: RequestInit) =>
  fetch(input, { ...init, signal: AbortSignal.timeout(QUERY_TIMEOUT_MS) })

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
