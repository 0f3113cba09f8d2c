import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import pg from 'pg'

// What Neon's proxy is to Neon, this is to a plain Postgres (PGlite's socket or
// a local server): Neon's SQL-over-HTTP, so the Worker runs on this machine
// through the same `neon()` driver path as in production. One POST is one
// round trip; behind it, a pool of persistent connections, as Neon keeps.
// @see https://github.com/neondatabase/serverless (the driver's `neon()`: what it sends and parses)

/** `up` answers; `down` refuses connections; `hang` accepts and never answers; `error` answers 503; `garbled` answers 200 with no JSON. */
export type EndpointMode = 'up' | 'down' | 'hang' | 'error' | 'garbled'

export type SqlEndpoint = {
  /** The URL the driver posts to; it carries this run's secret. */
  url: string
  setMode(mode: EndpointMode): Promise<void>
  /** Holds every answer this long: the distance from the edge to the database. */
  setDelay(ms: number): void
  /** Round trips answered and statements run, since start or the last reset. */
  stats(reset?: boolean): { requests: number; statements: number }
  /** Keeps every statement run from now (its text and parameters, as the driver sent them) until the returned function gives them back. */
  capture(): () => Query[]
  /** Closes the pooled connections (new ones open on demand); their sessions' statistics reach the server's views. */
  drain(): Promise<void>
  close(): Promise<void>
}

type Target = { host: string; port: number }
export type Query = { query: string; params?: unknown[] }

/** The fields of a Postgres error that Neon's proxy passes on, as the driver reads them back. */
const ERROR_FIELDS = [
  'severity',
  'code',
  'detail',
  'hint',
  'position',
  'internalPosition',
  'internalQuery',
  'where',
  'schema',
  'table',
  'column',
  'dataType',
  'constraint',
  'file',
  'line',
  'routine',
] as const

const ISOLATION_LEVELS: Record<string, string> = {
  ReadUncommitted: 'read uncommitted',
  ReadCommitted: 'read committed',
  RepeatableRead: 'repeatable read',
  Serializable: 'serializable',
}

/** Neon's raw text output: every value as Postgres wrote it; the driver parses by `dataTypeID`. */
const RAW_TEXT = { getTypeParser: () => (value: string) => value }

/** A bounded body: the driver's statements are small; a page that posts megabytes is not ours. */
const MAX_BODY_BYTES = 1024 * 1024

type SqlEndpointOptions = {
  /** Where the connections go, whatever host the connection string names. */
  target: Target
  /** Bounds every statement on the server, as Neon's compute would cancel it. */
  statementTimeoutMs?: number
  /** Persistent connections per database. */
  poolSize?: number
  port?: number
}

export async function startSqlEndpoint({
  target,
  statementTimeoutMs = 4_000,
  poolSize = 10,
  port = 0,
}: SqlEndpointOptions): Promise<SqlEndpoint> {
  // Guessing the port is not enough to reach the database: the path carries this secret.
  const secret = randomBytes(24).toString('base64url')
  const sqlPath = `/${secret}/sql`
  const pools = new Map<string, pg.Pool>()
  const hanging = new Set<ServerResponse>()
  let mode: EndpointMode = 'up'
  let delayMs = 0
  let counts = { requests: 0, statements: 0 }
  let captured: Query[] | undefined

  /** One pool per database and user the driver names, all on the one target. */
  function poolFor(connectionString: string) {
    const url = new URL(connectionString)
    url.searchParams.delete('application_name') // the driver adds its own name and version
    const key = url.toString()
    let pool = pools.get(key)
    if (!pool) {
      pool = new pg.Pool({
        connectionString: key,
        host: target.host,
        port: target.port,
        max: poolSize,
        idleTimeoutMillis: 0,
        statement_timeout: statementTimeoutMs,
        application_name: 'sql-endpoint',
      })
      // A pooled connection that dies while idle is dropped by the pool; nothing to do here.
      pool.on('error', () => {})
      pools.set(key, pool)
    }
    return pool
  }

  async function run(client: pg.Pool | pg.PoolClient, { query, params = [] }: Query, arrayMode: boolean, rawText: boolean) {
    counts.statements++
    captured?.push({ query, params })
    const result = await client.query({
      text: query,
      values: params,
      ...(arrayMode ? { rowMode: 'array' as const } : {}),
      ...(rawText ? { types: RAW_TEXT } : {}),
    })
    return {
      command: result.command,
      rowCount: result.rowCount,
      rowAsArray: arrayMode,
      fields: result.fields,
      rows: result.rows,
    }
  }

  /** Several statements in one transaction, with the isolation the `Neon-Batch-*` headers ask. */
  async function runBatch(pool: pg.Pool, queries: Query[], headers: IncomingMessage['headers'], arrayMode: boolean, rawText: boolean) {
    const level = ISOLATION_LEVELS[String(headers['neon-batch-isolation-level'])]
    const readOnly = headers['neon-batch-read-only'] === 'true'
    const deferrable = headers['neon-batch-deferrable'] === 'true'
    const client = await pool.connect()
    try {
      await client.query(
        `begin${level ? ` isolation level ${level}` : ''}${readOnly ? ' read only' : ''}${deferrable ? ' deferrable' : ''}`,
      )
      const results = []
      for (const query of queries) results.push(await run(client, query, arrayMode, rawText))
      await client.query('commit')
      client.release()
      return { results }
    } catch (error) {
      // A connection that cannot roll back is not given back to the pool.
      await client.query('rollback').then(
        () => client.release(),
        (broken: Error) => client.release(broken),
      )
      throw error
    }
  }

  async function answer(request: IncomingMessage, response: ServerResponse) {
    const send = (status: number, body: unknown) => {
      const text = typeof body === 'string' ? body : JSON.stringify(body)
      const headers = { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' }
      if (delayMs === 0) response.writeHead(status, headers).end(text)
      else setTimeout(() => response.writeHead(status, headers).end(text), delayMs)
    }
    // A web page's fetch always carries Origin; the driver never does. No page reaches this database.
    if (request.headers.origin !== undefined) return send(403, 'cross-origin requests are refused')
    if (request.url !== sqlPath) return send(404, 'not found')
    if (request.method !== 'POST') return send(405, 'method not allowed')

    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of request as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > MAX_BODY_BYTES) return send(413, 'request too large')
      chunks.push(chunk)
    }
    counts.requests++
    if (mode === 'hang') return void hanging.add(response)
    if (mode === 'error') return send(503, 'the database is unavailable (simulated)')
    if (mode === 'garbled') return send(200, '<html>not the answer you expected')

    let body: { query?: unknown; params?: unknown; queries?: unknown }
    const connectionString = request.headers['neon-connection-string']
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      if (typeof connectionString !== 'string') throw new Error('no connection string')
      new URL(connectionString)
    } catch {
      return send(400, { message: 'invalid request: expected JSON {query, params} or {queries} and a Neon-Connection-String header' })
    }
    const arrayMode = request.headers['neon-array-mode'] === 'true'
    const rawText = request.headers['neon-raw-text-output'] === 'true'
    const pool = poolFor(connectionString)
    try {
      if (Array.isArray(body.queries)) return send(200, await runBatch(pool, body.queries as Query[], request.headers, arrayMode, rawText))
      if (typeof body.query !== 'string') return send(400, { message: 'invalid request: no query' })
      return send(200, await run(pool, body as Query, arrayMode, rawText))
    } catch (error) {
      const failure = error as Record<string, unknown> & { message?: string }
      // No SQLSTATE means the connection failed, not the statement: the driver sees a server error.
      if (typeof failure.code !== 'string' || !/^[0-9A-Z]{5}$/.test(failure.code)) {
        return send(502, `could not reach the database: ${failure.message ?? 'unknown error'}`)
      }
      return send(400, {
        message: failure.message,
        ...Object.fromEntries(ERROR_FIELDS.map((field) => [field, failure[field]]).filter(([, value]) => value !== undefined)),
      })
    }
  }

  async function drain() {
    const draining = [...pools.values()]
    pools.clear()
    await Promise.all(draining.map((pool) => pool.end()))
  }

  const server = createServer((request, response) => {
    answer(request, response).catch(() => response.writeHead(500).end())
  })
  server.keepAliveTimeout = 60_000

  const listen = (at: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(at, '127.0.0.1', () => {
        server.off('error', reject)
        resolve()
      })
    })
  const stopListening = () =>
    new Promise<void>((resolve) => {
      for (const response of hanging) response.destroy()
      hanging.clear()
      server.closeAllConnections()
      server.close(() => resolve())
    })

  await listen(port)
  const bound = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${bound}${sqlPath}`,
    async setMode(next) {
      if (next === mode) return
      if (next === 'down') await stopListening()
      else if (mode === 'down') await listen(bound)
      if (mode === 'hang') {
        for (const response of hanging) response.destroy()
        hanging.clear()
      }
      mode = next
    },
    setDelay(ms) {
      delayMs = ms
    },
    capture() {
      const statements: Query[] = []
      captured = statements
      return () => {
        if (captured === statements) captured = undefined
        return statements
      }
    },
    stats(reset = false) {
      const current = counts
      if (reset) counts = { requests: 0, statements: 0 }
      return current
    },
    drain,
    async close() {
      if (mode !== 'down') await stopListening()
      await drain()
    },
  }
}
