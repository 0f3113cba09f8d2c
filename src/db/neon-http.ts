// Neon's SQL-over-HTTP, the one path of @neondatabase/serverless this Worker
// used: a statement (or a batch, in one transaction) is one POST, answered
// with every value as Postgres wrote it, parsed here by its type. The driver
// carries a whole pg client besides (sockets, pools, SCRAM, a Buffer
// polyfill): 145 KiB of the bundle and a fifth of start-up for nothing we
// call. test/neon-http.test.ts holds this to the driver's own answers.
// @see https://github.com/neondatabase/serverless/blob/main/src/httpQuery.ts
// @see https://github.com/neondatabase/neon/blob/main/proxy/src/serverless/sql_over_http.rs

/** The fields of a Postgres error that Neon's proxy passes on with its message (scripts/lib/sql-endpoint.ts sends the same). */
export const ERROR_FIELDS = [
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

/** A statement Neon refused or failed (with the server's SQLSTATE in `code`), or a round trip that did not come back. */
export class NeonDbError extends Error {
  override name = 'NeonDbError'
  /** The HTTP status of an answer that was not Neon's JSON (undefined when no answer came). */
  status?: number
  severity?: string
  code?: string
  detail?: string
  hint?: string
  position?: string
  internalPosition?: string
  internalQuery?: string
  where?: string
  schema?: string
  table?: string
  column?: string
  dataType?: string
  constraint?: string
  file?: string
  line?: string
  routine?: string
}

type Options = { arrayMode?: boolean }
type Statement = { query: string; params: unknown[] }
type Field = { name: string; dataTypeID: number }
type Answer = { fields: Field[]; rows: (string | null)[][]; command: string; rowCount: number }

/** What drizzle-orm/neon-http reads of a result: rows as arrays or objects, values parsed. */
export type QueryResult = Omit<Answer, 'rows'> & { rows: unknown[]; rowAsArray: boolean }

const parseBool = (value: string) => value === 't'
const parseInteger = (value: string) => Number.parseInt(value, 10)
const parseDouble = (value: string) => Number.parseFloat(value)
const asText = (value: string) => value

/**
 * Postgres's text form of an array (`{1,NULL,"a \"b\""}`, nested for more
 * dimensions), each element through `parse`.
 * @see https://www.postgresql.org/docs/current/arrays.html#ARRAYS-IO
 */
function parseArray(text: string, parse: (value: string) => unknown): unknown[] {
  let at = 0
  const list = (): unknown[] => {
    const items: unknown[] = []
    at++ // past '{'
    while (text[at] !== '}') {
      if (text[at] === '{') items.push(list())
      else if (text[at] === '"') {
        let value = ''
        for (at++; text[at] !== '"'; at++) value += text[at] === '\\' ? text[++at] : text[at]
        at++
        items.push(parse(value))
      } else {
        const end = text.slice(at).search(/[,}]/) + at
        const value = text.slice(at, end)
        items.push(value === 'NULL' ? null : parse(value))
        at = end
      }
      if (text[at] === ',') at++
    }
    at++
    return items
  }
  // A lower bound other than 1 comes first (`[0:1]={…}`); the elements are all we keep, as pg does.
  at = text.indexOf('{')
  return list()
}

const arrayOf = (parse: (value: string) => unknown) => (text: string) => parseArray(text, parse)

/**
 * The parsers node-postgres applies by default (pg-types) to the scalar types
 * and arrays this API reads, with drizzle's choice for dates, times and
 * intervals (the text as it is). Any other type stays text: numeric and int8
 * as there, and those pg would parse further (bytea, uuid[], point), which
 * no statement here returns.
 * @see https://github.com/brianc/node-pg-types/blob/master/lib/textParsers.js
 */
const PARSERS: Record<number, (value: string) => unknown> = {
  16: parseBool,
  21: parseInteger,
  23: parseInteger,
  26: parseInteger,
  700: parseDouble,
  701: parseDouble,
  114: JSON.parse,
  3802: JSON.parse,
  1000: arrayOf(parseBool),
  1005: arrayOf(parseInteger),
  1007: arrayOf(parseInteger),
  1028: arrayOf(parseInteger),
  1021: arrayOf(parseDouble),
  1022: arrayOf(parseDouble),
  1016: arrayOf(asText),
  1009: arrayOf(asText),
  1014: arrayOf(asText),
  1015: arrayOf(asText),
  199: arrayOf(JSON.parse),
  3807: arrayOf(JSON.parse),
}

/**
 * A parameter as node-postgres sends it (`prepareValue`): text, or null.
 * Dates as ISO 8601 with their offset (UTC, the Worker's only zone), arrays in Postgres's array syntax,
 * objects as JSON.
 */
function prepare(value: unknown): string | null {
  if (value === null || value === undefined) return null
  if (value instanceof Date) return value.toISOString().replace('Z', '+00:00')
  if (Array.isArray(value)) return arrayText(value)
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

function arrayText(items: unknown[]): string {
  const element = (item: unknown): string => {
    if (item === null || item === undefined) return 'NULL'
    if (Array.isArray(item)) return arrayText(item)
    return `"${(prepare(item) as string).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
  }
  return `{${items.map(element).join(',')}}`
}

function parsed(answer: Answer, { arrayMode = false }: Options): QueryResult {
  const parsers = answer.fields.map((field) => PARSERS[field.dataTypeID] ?? asText)
  const values = (row: (string | null)[]) => row.map((value, i) => (value === null ? null : parsers[i]!(value)))
  const rows = arrayMode
    ? answer.rows.map(values)
    : answer.rows.map((row) => Object.fromEntries(values(row).map((value, i) => [answer.fields[i]!.name, value])))
  return { fields: answer.fields, rows, command: answer.command, rowCount: answer.rowCount, rowAsArray: arrayMode }
}

/** One statement, sent when awaited (drizzle's batch collects them unsent and hands them to `transaction`). */
export class PendingQuery implements PromiseLike<QueryResult> {
  readonly statement: Statement
  readonly options: Options
  readonly #send: (statement: Statement, options: Options) => Promise<QueryResult>
  constructor(send: (statement: Statement, options: Options) => Promise<QueryResult>, statement: Statement, options: Options) {
    this.#send = send
    this.statement = statement
    this.options = options
  }
  // biome-ignore lint/suspicious/noThenProperty: a query is a thenable by design, as the driver's is
  then<A = QueryResult, B = never>(
    onFulfilled?: ((result: QueryResult) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#send(this.statement, this.options).then(onFulfilled, onRejected)
  }
}

export type SqlOverHttpConfig = {
  /** `postgresql://user:password@host/database`: Neon reads it from a header, and reaches that database. */
  connectionString: string
  /** Where to POST; by default Neon's, `https://api.<the host's domain>/sql`. */
  endpoint?: string
  /** How a round trip is made (the caller bounds its time). */
  fetch?: typeof fetch
  /** Whether to send a refused round trip again, whole: `attempt` is how many were sent. */
  resend?: (error: NeonDbError, attempt: number) => boolean
}

/** The function drizzle-orm/neon-http's session calls: `query(text, params, options)` and `transaction(queries, options)`. */
export type SqlOverHttp = ReturnType<typeof sqlOverHttp>

/**
 * A client of Neon's SQL-over-HTTP for one database. It holds no connection,
 * only where to send, so one serves every request of an isolate.
 */
export function sqlOverHttp({ connectionString, endpoint, fetch: send = fetch, resend = () => false }: SqlOverHttpConfig) {
  const url = endpoint ?? `https://${new URL(connectionString).hostname.replace(/^[^.]+\./, 'api.')}/sql`
  const headers = { 'Neon-Connection-String': connectionString, 'Neon-Raw-Text-Output': 'true', 'Neon-Array-Mode': 'true' }

  async function roundTrip(body: string): Promise<unknown> {
    let response: Response
    let answer: unknown
    try {
      response = await send(url, { method: 'POST', headers, body })
      answer = response.status === 200 || response.status === 400 ? await response.json() : await response.text()
    } catch (cause) {
      // Refused, cut, timed out, or not Neon's JSON: no SQLSTATE, so the database did not answer.
      throw new NeonDbError(`Error connecting to database: ${cause}`, { cause })
    }
    if (response.status === 200) return answer
    if (response.status === 400) {
      // Postgres refused the statement: its message and fields, as the driver's error carries them.
      const refusal = answer as Record<string, unknown>
      const error = Object.assign(new NeonDbError(String(refusal.message)), { status: 400 })
      for (const field of ERROR_FIELDS) if (typeof refusal[field] === 'string') error[field] = refusal[field]
      throw error
    }
    throw Object.assign(new NeonDbError(`Server error (HTTP status ${response.status}): ${answer}`), { status: response.status })
  }

  async function post(body: object): Promise<unknown> {
    const text = JSON.stringify(body)
    for (let attempt = 1; ; attempt++) {
      try {
        return await roundTrip(text)
      } catch (error) {
        if (!(error instanceof NeonDbError && resend(error, attempt))) throw error
      }
    }
  }

  const run = async (statement: Statement, options: Options) => parsed((await post(statement)) as Answer, options)
  const query = (text: string, params: unknown[] = [], options: Options = {}) =>
    new PendingQuery(run, { query: text, params: params.map(prepare) }, options)

  /** Several statements in one transaction (one round trip): all commit, or none. */
  async function transaction(queries: PendingQuery[], options: Options = {}): Promise<QueryResult[]> {
    const { results } = (await post({ queries: queries.map((q) => q.statement) })) as { results?: Answer[] }
    if (!Array.isArray(results)) throw new NeonDbError('Neon internal error: unexpected result format')
    return results.map((answer, i) => parsed(answer, { arrayMode: queries[i]!.options.arrayMode ?? options.arrayMode }))
  }

  return Object.assign(query, { query, transaction })
}
