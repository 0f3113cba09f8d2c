import type { Context, TypedResponse } from 'hono'
import { createMiddleware } from 'hono/factory'
import { CSV_MEDIA, csvHeader, csvRecord } from './csv.ts'
import type { AppEnv } from './env.ts'
import { ApiError, loggable } from './errors.ts'
import { answers, type TextMedia } from './openapi.ts'

// Export (API.md D3): `Accept: text/csv` on a list answers every row that
// matches, as CSV, streamed as it is read. Errors stay JSON envelopes: the
// middleware refuses what cannot be exported before anything is read, and the
// first chunk is read before the answer starts.

const CSV = 'text/csv'

/** The weight an `Accept` header gives an exact media type: its `q`, 1 without one, 0 if not listed. */
function weightOf(accept: string, type: string) {
  for (const range of accept.split(',')) {
    const [name = '', ...params] = range.split(';').map((part) => part.trim().toLowerCase())
    if (name !== type) continue
    const q = params.find((param) => param.startsWith('q='))
    return q === undefined ? 1 : Number(q.slice(2)) || 0
  }
  return 0
}

/**
 * Whether `Accept` prefers CSV: `text/csv` weighs more than `application/json`.
 * Wildcards and ties choose JSON, the API's own type. (hono's `accepts` helper
 * would cost the bundle 1 KiB gzip.)
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-12.5.1
 */
const prefersCsv = (c: Context) => {
  const accept = c.req.header('Accept') ?? ''
  return weightOf(accept, CSV) > weightOf(accept, 'application/json')
}

/** The 400 of a query parameter that a CSV export, which is every row, has no use for. */
export const absentWithCsv = (name: string) => `${name} must be absent with Accept: text/csv.`

/**
 * `Accept: text/csv`: the route answers CSV (`c.var.csv`). A list export is
 * every matching row, not a page, so the parameters that choose a page
 * (`refused`: `page`, `per_page`, …) are refused with 400, before the query
 * string is validated, whatever their value.
 */
export const csvAccepted = (refused: readonly string[] = []) =>
  answers(
    createMiddleware<AppEnv>(async (c, next) => {
      if (prefersCsv(c)) {
        const given = refused.find((name) => c.req.query(name) !== undefined)
        if (given !== undefined) throw new ApiError(400, absentWithCsv(given))
        c.set('csv', true)
      }
      await next()
    }),
    refused.length === 0
      ? []
      : [
          {
            status: 400,
            description: `With \`Accept: text/csv\`, ${refused.join(', ')} (\`${absentWithCsv('page')}\`).`,
          },
        ],
  )

/** The CSV answer of a route, as its operation documents it: a header row of `columns`, then the rows. */
export const csvDocumented = (columns: readonly string[]): Record<string, TextMedia> => ({
  [CSV]: {
    description: "With `Accept: text/csv`: every row, RFC 4180, streamed; `'` before a text starting with `=+-@`, tab, CR or LF.",
    example: csvHeader(columns),
  },
})

/** The header an export carries, as an operation documents it. */
export const CONTENT_DISPOSITION = {
  description: 'With `Accept: text/csv`: `attachment; filename="…"`.',
  optional: true,
} as const

/**
 * An export: the header row, then every chunk's rows as CSV, streamed as the
 * chunks are read (`chunks` reads the next one only when the stream asks for
 * it, so the Worker holds about one chunk at a time, whatever the total).
 * The first chunk is read before the answer starts: a failure there (a
 * database that is down) is still its JSON envelope. A failure after that
 * cannot change the status any more: the stream breaks off without its end,
 * so the client sees an incomplete transfer, never a short file that looks
 * whole, and the log says why.
 */
export async function csvAnswer(
  c: Context<AppEnv>,
  filename: string,
  columns: readonly string[],
  chunks: AsyncIterable<readonly Record<string, unknown>[]>,
): Promise<CsvResponse> {
  const iterator = chunks[Symbol.asyncIterator]()
  const first = await iterator.next()
  const encoder = new TextEncoder()
  const encoded = (rows: readonly Record<string, unknown>[]) => encoder.encode(rows.map((row) => csvRecord(row, columns)).join(''))
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(csvHeader(columns)))
      if (first.done) controller.close()
      else controller.enqueue(encoded(first.value))
    },
    async pull(controller) {
      try {
        const next = await iterator.next()
        if (next.done) controller.close()
        else controller.enqueue(encoded(next.value))
      } catch (error) {
        console.error(JSON.stringify({ level: 'error', requestId: c.var.requestId, export: filename, ...loggable(error) }))
        controller.error(error)
      }
    },
    async cancel() {
      await iterator.return?.()
    },
  })
  const headers = { 'Content-Type': CSV_MEDIA, 'Content-Disposition': `attachment; filename="${filename}.csv"` }
  return c.body(body, 200, headers) as Response as CsvResponse
}

/**
 * A CSV answer as a typed client sees it: text, as `c.text` answers, so the
 * route's JSON answer keeps its type in `hc` (`res.json()`).
 */
type CsvResponse = Response & TypedResponse<string, 200, 'text'>

/** One list, as the chunks `csvAnswer` takes: a related list is bounded (API.md D5), so it is one statement. */
export async function* oneChunk<Row extends Record<string, unknown>>(rows: readonly Row[]) {
  yield rows
}
