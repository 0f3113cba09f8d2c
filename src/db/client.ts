import type { BatchItem, BatchResponse } from 'drizzle-orm/batch'
import { type NeonHttpClient, type NeonHttpQueryResultHKT, NeonHttpSession } from 'drizzle-orm/neon-http/session'
import { PgDatabase, PgDialect } from 'drizzle-orm/pg-core'
import { createMiddleware } from 'hono/factory'
import type { AppEnv, Bindings } from '../env.ts'
import { type NeonDbError, type SqlOverHttp, sqlOverHttp } from './neon-http.ts'
import { QUERY_TIMEOUT_MS } from './timeouts.ts'

/** Times a round trip is sent when the history trigger refused its transaction for the feed's order. */
const FEED_ORDER_ATTEMPTS = 3

/**
 * Whether to send a refused round trip again: a serialization failure, which
 * at read committed only the history trigger raises, means a newer
 * transaction changed the same resource first (migrations/0007). Nothing was
 * written, so the same statements again, under a newer transaction id, are safe.
 */
const refusedForFeedOrder = (error: NeonDbError, attempt: number) => error.code === '40001' && attempt < FEED_ORDER_ATTEMPTS

// Every statement is one HTTPS request (Neon's SQL-over-HTTP), bounded here.
const boundedFetch = (input: RequestInfo | URL, init?: RequestInit) =>
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

/**
 * Drizzle over Neon's HTTP path: one round trip a statement, `batch()` one
 * transaction. drizzle-orm/neon-http's own database, less the import that
 * would bring @neondatabase/serverless along: its session over our client.
 */
class SqlOverHttpDatabase extends PgDatabase<NeonHttpQueryResultHKT> {
  readonly #session: NeonHttpSession<Record<string, never>, never>
  constructor(client: SqlOverHttp) {
    const dialect = new PgDialect()
    // The session calls `query(text, params, options)` and `transaction(queries)`, as it would the driver's function.
    const session = new NeonHttpSession<Record<string, never>, never>(client as unknown as NeonHttpClient, dialect, undefined)
    super(dialect, session, undefined)
    this.#session = session
  }

  batch<U extends BatchItem<'pg'>, T extends Readonly<[U, ...U[]]>>(batch: T): Promise<BatchResponse<T>> {
    return this.#session.batch(batch)
  }
}

export type Database = SqlOverHttpDatabase

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
    db = new SqlOverHttpDatabase(
      sqlOverHttp({ connectionString: env.DATABASE_URL, endpoint, fetch: boundedFetch, resend: refusedForFeedOrder }),
    )
    clients.set(key, db)
  }
  return db
}

/** Puts the Drizzle client on `c.var.db`. */
export const withDatabase = createMiddleware<AppEnv>(async (c, next) => {
  c.set('db', databaseFor(c.env))
  await next()
})
