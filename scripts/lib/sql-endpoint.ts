import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import pg from 'pg'
import { ERROR_FIELDS } from '../../src/db/neon-http.ts'

// What Neon's proxy is to Neon, this is to a plain Postgres (PGlite's socket or
// a local server): Neon's SQL-over-HTTP, so the Worker runs on this machine
// through the same client (src/db/neon-http.ts) as in production, and
// @neondatabase/serverless's `neon()` (test/node/sql-endpoint.test.ts) reads it
// as it reads Neon. One POST is one
// round trip; behind it, a pool of persistent connections, as Neon keeps.
// It refuses what Neon's proxy refuses and keeps no more state between
// requests than it keeps (API.md C6), so what passes here passes on Neon.
// @see https://github.com/neondatabase/serverless (the driver's `neon()`: what it sends and parses)
// @see https://github.com/neondatabase/neon/tree/main/proxy/src/serverless (sql_over_http.rs: the proxy's side)

/**
 * `up` answers; `down` refuses connections; `hang` accepts and never answers; `error` answers 503; `garbled` answers 200 with no JSON;
 * `late` runs the statements (and commits) but answers only after the Worker has given up: an answer lost on the way back.
 */
export type EndpointMode = 'up' | 'down' | 'hang' | 'error' | 'garbled' | 'late'

/** How long `late` holds an answer: longer than the Worker waits (src/db/timeouts.ts). */
const LATE_MS = 6_000

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

const ISOLATION_LEVELS: Record<string, string> = {
  ReadUncommitted: 'read uncommitted',
  ReadCommitted: 'read committed',
  RepeatableRead: 'repeatable read',
  Serializable: 'serializable',
}

/** Neon's raw text output: every value as Postgres wrote it; the driver parses by `dataTypeID`. */
const RAW_TEXT = { getTypeParser: () => (value: string) => value }

/** Neon's proxy's defaults (`sql_over_http_max_request_size_bytes` and `…_response_…`): 10 MiB each way. */
/** How the webhook machinery's statements open (src/webhooks/): background work, left out of `stats()`. */
export const BACKGROUND_MARK = '/* webhooks */'
const MAX_REQUEST_BYTES = 10 * 1024 * 1024
const MAX_RESPONSE_BYTES = 10 * 1024 * 1024

/**
 * What Neon's pool runs on a connection before another request gets it
 * (tokio-postgres2's `reset_session_background`): no open transaction, `SET`,
 * cursor, prepared statement, advisory lock or temporary table survives.
 */
const RESET_SESSION = `ROLLBACK;
CLOSE ALL;
SET SESSION AUTHORIZATION DEFAULT;
RESET ALL;
DEALLOCATE ALL;
UNLISTEN *;
SELECT pg_advisory_unlock_all();
DISCARD TEMP;
DISCARD SEQUENCES;`

/**
 * The response written so far, in UTF-8 bytes (not UTF-16 code units: a
 * three-byte character is three), as Neon's proxy measures its output buffer.
 * It checks that buffer before writing each row, so the row that crosses 10 MiB
 * is still written and only a next one is refused: one row of 11 MiB passes
 * there. Here the check follows every row, that one and the last included:
 * stricter by at most one row, so whatever passes here passes on Neon.
 * @see https://github.com/neondatabase/neon/blob/main/proxy/src/serverless/sql_over_http.rs (`query_to_json`: `json_rows.as_buffer().len() > config.max_response_size_bytes`)
 */
class ResponseSize {
  bytes = 0
  constructor(start = '') {
    this.add(start)
  }
  add(json: string) {
    this.bytes += Buffer.byteLength(json)
  }
}

/** A failure the proxy itself answers, with no SQLSTATE, in the shape it answers a Postgres error in. */
class ProxyError extends Error {
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.status = status
  }
}

/** Neon's error body: the message, and every field of a Postgres error, empty or null when there is none. */
function proxyErrorBody(message: string) {
  return {
    message,
    code: '',
    severity: '',
    ...Object.fromEntries(ERROR_FIELDS.filter((f) => f !== 'code' && f !== 'severity').map((f) => [f, null])),
  }
}

type SqlEndpointOptions = {
  /** Where the connections go, whatever host the connection string names. */
  target: Target
  /** Persistent connections per database. */
  poolSize?: number
  port?: number
}

export async function startSqlEndpoint({ target, poolSize = 10, port = 0 }: SqlEndpointOptions): Promise<SqlEndpoint> {
  // Guessing the port is not enough to reach the database: the path carries this secret.
  const secret = randomBytes(24).toString('base64url')
  const sqlPath = `/${secret}/sql`
  const pools = new Map<string, pg.Pool>()
  const hanging = new Set<ServerResponse>()
  let mode: EndpointMode = 'up'
  let delayMs = 0
  let counts = { requests: 0, statements: 0 }
  let captured: Query[] | undefined

  /**
   * One pool per database and user the driver names, all on the one target.
   * As Neon's proxy, only the user, password and database of the connection
   * string reach Postgres: `?options=…`, `sslmode` and the like are ignored.
   */
  function poolFor(connectionString: string) {
    const url = new URL(connectionString)
    const user = decodeURIComponent(url.username)
    const password = decodeURIComponent(url.password)
    const database = decodeURIComponent(url.pathname.slice(1)) || user
    const key = JSON.stringify([user, password, database])
    let pool = pools.get(key)
    if (!pool) {
      pool = new pg.Pool({
        user,
        password,
        database,
        host: target.host,
        port: target.port,
        max: poolSize,
        idleTimeoutMillis: 0,
        application_name: 'sql-endpoint',
      })
      // A pooled connection that dies while idle is dropped by the pool; nothing to do here.
      pool.on('error', () => {})
      pools.set(key, pool)
    }
    return pool
  }

  /** A connection for one request, reset before the pool hands it out again; one that cannot be reset is closed. */
  async function withConnection<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect()
    // A connection that dies while checked out (its backend terminated) also emits 'error'; the query's rejection says why.
    const ignore = () => {}
    client.on('error', ignore)
    const giveBack = (broken?: Error) => {
      client.off('error', ignore)
      client.release(broken)
    }
    try {
      return await work(client)
    } finally {
      client.query(RESET_SESSION).then(() => giveBack(), giveBack)
    }
  }

  /**
   * One statement, always with the extended protocol as Neon's proxy sends it
   * (several statements in one string are a 42601, and none runs). `written`
   * is the response so far, in UTF-8 bytes; this result is added to it.
   */
  async function run(client: pg.PoolClient, { query, params = [] }: Query, arrayMode: boolean, rawText: boolean, written: ResponseSize) {
    if (!query.startsWith(BACKGROUND_MARK)) counts.statements++
    captured?.push({ query, params })
    // pg's own option, missing from its types.
    const statement: pg.QueryConfig & { queryMode: 'extended' } = {
      text: query,
      values: params,
      queryMode: 'extended',
      ...(arrayMode ? { rowMode: 'array' as const } : {}),
      ...(rawText ? { types: RAW_TEXT } : {}),
    }
    const result = await client.query(statement)
    // The proxy writes `{"fields":[…],"rows":[row,row…],"command":…}` and measures what it has written.
    written.add(`{"fields":${JSON.stringify(result.fields)},"rows":[`)
    result.rows.forEach((row, index) => {
      written.add(index === 0 ? JSON.stringify(row) : `,${JSON.stringify(row)}`)
      if (written.bytes > MAX_RESPONSE_BYTES) throw new ProxyError(507, `response is too large (max is ${MAX_RESPONSE_BYTES} bytes)`)
    })
    written.add(`],"command":${JSON.stringify(result.command)},"rowCount":${result.rowCount},"rowAsArray":${arrayMode}}`)
    return {
      command: result.command,
      rowCount: result.rowCount,
      rowAsArray: arrayMode,
      fields: result.fields,
      rows: result.rows,
    }
  }

  /** Several statements in one transaction, with the isolation the `Neon-Batch-*` headers ask. */
  async function runBatch(
    client: pg.PoolClient,
    queries: Query[],
    headers: IncomingMessage['headers'],
    arrayMode: boolean,
    rawText: boolean,
  ) {
    const level = ISOLATION_LEVELS[String(headers['neon-batch-isolation-level'])]
    const readOnly = headers['neon-batch-read-only'] === 'true'
    const deferrable = headers['neon-batch-deferrable'] === 'true'
    // `{"results":[` and a comma between results: the size is the whole answer's, across its statements.
    const written = new ResponseSize('{"results":[')
    // A failure leaves the transaction open; the reset's ROLLBACK ends it.
    await client.query(`begin${level ? ` isolation level ${level}` : ''}${readOnly ? ' read only' : ''}${deferrable ? ' deferrable' : ''}`)
    const results = []
    for (const query of queries) {
      if (results.length > 0) written.add(',')
      results.push(await run(client, query, arrayMode, rawText, written))
    }
    await client.query('commit')
    return { results }
  }

  async function answer(request: IncomingMessage, response: ServerResponse) {
    const send = (status: number, body: unknown) => {
      const text = typeof body === 'string' ? body : JSON.stringify(body)
      const headers = { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' }
      const delay = mode === 'late' ? LATE_MS : delayMs
      if (delay === 0) response.writeHead(status, headers).end(text)
      else setTimeout(() => response.writeHead(status, headers).end(text), delay)
    }
    // A web page's fetch always carries Origin; the driver never does. No page reaches this database.
    if (request.headers.origin !== undefined) return send(403, 'cross-origin requests are refused')
    if (request.url !== sqlPath) return send(404, 'not found')
    if (request.method !== 'POST') return send(405, 'method not allowed')

    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of request as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > MAX_REQUEST_BYTES) return send(413, proxyErrorBody(`request is too large (max is ${MAX_REQUEST_BYTES} bytes)`))
      chunks.push(chunk)
    }
    // The webhook machinery's own statements (the dispatcher, the queue consumer) run in the background, after
    // responses: they are no request's cost, so the counts that tests read leave them out.
    if (!Buffer.concat(chunks).toString('utf8').includes(`"query":"${BACKGROUND_MARK}`)) counts.requests++
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
    const { queries, query } = body
    if (!Array.isArray(queries) && typeof query !== 'string') return send(400, { message: 'invalid request: no query' })
    try {
      const result = await withConnection<object>(pool, (client) =>
        Array.isArray(queries)
          ? runBatch(client, queries as Query[], request.headers, arrayMode, rawText)
          : run(client, body as Query, arrayMode, rawText, new ResponseSize()),
      )
      return send(200, result)
    } catch (error) {
      if (error instanceof ProxyError) return send(error.status, proxyErrorBody(error.message))
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
