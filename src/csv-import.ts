import type { Context, MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { createMiddleware } from 'hono/factory'
import type * as z from 'zod'
import { CsvSyntaxError, csvHeader, csvRecord, parseCsv, unescapedCell } from './csv.ts'
import type { AppEnv } from './env.ts'
import { ApiError } from './errors.ts'
import { answeredBy, answers, documentedBody } from './openapi.ts'
import type { DeclaredResource } from './resources/declare.ts'
import { MAX_CSV_BYTES, MAX_CSV_ROWS } from './schemas/limits.ts'
import { jsonBodies, oneOrMany } from './validation.ts'

// Import (API.md D3): a create's body may be CSV, a header row naming the
// create's fields and up to 5,000 rows, created as one bulk create (C2). The
// cells are text; how each becomes the value zod checks follows from the
// declaration, so a resource added gets its import with no code of its own.

const INVALID_CSV = 'request does not contain a valid CSV body.'
const NOT_UTF8 = 'a CSV body must be UTF-8.'
const TOO_MANY_ROWS = `at most ${MAX_CSV_ROWS} rows per file.`
const NO_ROWS = 'no data rows in the file.'
const MORE_CELLS = 'more cells than columns.'

/** `text/csv`, with no charset or UTF-8's (whose subset ASCII is). */
const csvMedia = (contentType: string | undefined) => {
  const [type, ...params] = (contentType ?? '').split(';').map((part) => part.trim().toLowerCase())
  if (type !== 'text/csv') return undefined
  const charset = params
    .find((param) => param.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '')
  return { utf8: charset === undefined || ['utf-8', 'utf8', 'us-ascii'].includes(charset) }
}

const NUMBER = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/

/**
 * How each column's cell becomes the value the create schema checks, read off
 * the declaration: an empty cell of a field the schema may go without (one
 * with a default) is left out, so the default applies; a number column's
 * digits become a number, and anything else stays text, which fails the
 * field's rule with the message a JSON value of the wrong kind gets; a
 * boolean column's `true` and `false` become booleans; text stays text.
 */
function cellReaders(resource: DeclaredResource) {
  return new Map(
    Object.entries(resource.create.shape as Record<string, z.ZodType>).map(([name, schema]) => {
      const optional = schema.safeParse(undefined).success
      const kind = resource.fields[name]?.dataType
      const read = (cell: string): unknown => {
        if (cell === '' && optional) return undefined
        if (kind === 'number') return NUMBER.test(cell) ? Number(cell) : cell
        if (kind === 'boolean') return cell === 'true' ? true : cell === 'false' ? false : cell
        return cell
      }
      return [name, read] as const
    }),
  )
}

/** What the header row names: for each cell, the field it fills, or null for an ignored `id`. */
function columnsOf(header: string[], readers: ReturnType<typeof cellReaders>) {
  const seen = new Set<string>()
  return header.map((raw, index) => {
    const name = raw.trim()
    if (name === 'id') return null // as export writes it; the database gives new ids
    if (name === '') throw new ApiError(422, `row 1: column ${index + 1} has no name.`)
    if (!readers.has(name)) throw new ApiError(422, `unexpected field: ${name}.`)
    if (seen.has(name)) throw new ApiError(422, `row 1: ${name} is named twice.`)
    seen.add(name)
    return name
  })
}

/** The body's text: UTF-8 (400 otherwise), its byte order mark dropped. */
async function bodyText(c: Context<AppEnv>, utf8: boolean) {
  if (!utf8) throw new ApiError(400, NOT_UTF8)
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(await c.req.arrayBuffer())
  } catch {
    throw new ApiError(400, NOT_UTF8)
  }
}

/**
 * The rows of a CSV body as the create's items, validated, in file order.
 * Rows are numbered as a spreadsheet numbers them (the header is row 1; a
 * quoted line break does not start a row); an empty line is skipped, and
 * keeps its number. The first problem in file order answers, with its row.
 */
async function csvItems(c: Context<AppEnv>, resource: DeclaredResource, readers: ReturnType<typeof cellReaders>, utf8: boolean) {
  let records: string[][]
  try {
    records = parseCsv(await bodyText(c, utf8))
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw new ApiError(400, `row ${error.record + 1}: ${error.message}.`)
    throw error
  }
  const [header, ...rest] = records
  if (!header || (header.length === 1 && header[0] === '')) throw new ApiError(400, INVALID_CSV)
  const columns = columnsOf(header, readers)
  const rows = rest.map((cells, index) => ({ cells, row: index + 2 })).filter(({ cells }) => cells.length > 1 || cells[0] !== '')
  if (rows.length === 0) throw new ApiError(422, NO_ROWS)
  if (rows.length > MAX_CSV_ROWS) throw new ApiError(422, TOO_MANY_ROWS)
  return rows.map(({ cells, row }) => {
    if (cells.length > columns.length) throw new ApiError(422, `row ${row}: ${MORE_CELLS}`)
    const item: Record<string, unknown> = {}
    columns.forEach((name, index) => {
      if (name === null) return
      // A missing cell at the end of a short row is an empty one.
      const value = readers.get(name)!(unescapedCell(cells[index] ?? ''))
      if (value !== undefined) item[name] = value
    })
    const result = resource.create.safeParse(item)
    if (!result.success) throw new ApiError(422, `row ${row}: ${result.error.issues[0]!.message}`)
    return result.data as Record<string, unknown>
  })
}

const limitCsv = bodyLimit({
  maxSize: MAX_CSV_BYTES,
  onError: () => {
    throw new ApiError(413, 'request body too large.')
  },
})

/**
 * A create's body: JSON, one object or an array of up to 100 (`jsonBodies`),
 * or with `Content-Type: text/csv` a file of up to 5,000 rows and 1 MiB, which
 * the handler then reads as the array of its rows (`c.req.valid('json')`), so
 * it is created, keyed and answered exactly as a JSON array is (API.md D3).
 */
export function createBodies<R extends DeclaredResource>(resource: R) {
  const json = jsonBodies(resource.create as R['create'])
  const readers = cellReaders(resource)
  const middleware = createMiddleware<AppEnv>(async (c, next) => {
    const csv = csvMedia(c.req.header('Content-Type'))
    if (!csv) return (json as unknown as MiddlewareHandler<AppEnv>)(c, next)
    return limitCsv(c, async () => {
      c.req.addValidatedData('json', await csvItems(c, resource, readers, csv.utf8))
      await next()
    })
  })
  const fields = Object.keys(resource.create.shape)
  const example = (resource.schema.meta()?.example ?? {}) as Record<string, unknown>
  const media = {
    'text/csv': {
      description: `A header row of the create's fields (\`id\` ignored), then up to ${MAX_CSV_ROWS} rows (1 MiB): created as an array is.`,
      example: csvHeader(fields) + csvRecord(example, fields),
    },
  }
  return answers(documentedBody(middleware, oneOrMany(resource.create), { required: true, media }), [
    ...answeredBy(json),
    { status: 400, description: 'A CSV body is empty, not UTF-8 or malformed.' },
    { status: 413, description: 'A CSV body is over 1 MiB.' },
    {
      status: 422,
      description: `CSV: a bad column, no rows, over ${MAX_CSV_ROWS} (\`${TOO_MANY_ROWS}\`), or a row's problem (\`row 7: …\`; the header is row 1).`,
    },
  ]) as unknown as typeof json
}
