// Checks real traffic against the published contract: every response a
// `contract.fetch` sees is validated (status, headers, body) against
// /openapi.json by Stoplight Prism's validator, the one its proxy mode runs,
// in process. Prism is not ours, so a mistake in our document generator
// cannot hide the same mistake in the check. The router and the validator
// are not in the package's index, so they are imported by file; the version
// is pinned, and the contract run's first check proves the validator flags.
import { getHttpOperationsFromSpec } from '@stoplight/prism-http'
import prismRouter from '@stoplight/prism-http/dist/router/index.js'
import { validateOutput } from '@stoplight/prism-http/dist/validator/index.js'

// The router is a CommonJS default export.
const route = (prismRouter as unknown as { default: typeof prismRouter }).default ?? prismRouter

type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch' | 'trace'

/** One request and what the validator said of its response. */
type Exchange = {
  /** The documented operation, as `GET /actors/{id}`; undefined when no operation matches (unknown route or method). */
  operation?: string
  method: string
  path: string
  status: number
  /** What the response does not match in the document; empty when it matches. */
  violations: string[]
}

type OpenApiDocument = { paths: Record<string, Record<string, { responses?: Record<string, unknown> }>> }

/**
 * The contract of a running server, read from its /openapi.json. `fetch` is
 * `globalThis.fetch` that also validates and records each response; it
 * accepts any URL, so traffic to several servers with the same document
 * (a second stack with a fault, say) lands in one record.
 */
export async function loadContract(documentUrl: string) {
  const document = (await (await fetch(documentUrl)).json()) as OpenApiDocument
  const operations = await getHttpOperationsFromSpec(document)
  const exchanges: Exchange[] = []

  /** What the validator says of one response to `method path`; `fetch` calls it for each. */
  function check(method: string, path: string, status: number, headers: Headers, text: string): Exchange {
    const routed = route({ resources: operations, input: { method: method.toLowerCase() as HttpMethod, url: { path } } })
    if (routed._tag === 'Left') return { method, path, status, violations: [] }
    const operation = routed.right
    const contentType = headers.get('content-type') ?? ''
    let body: unknown = text === '' ? undefined : text
    if (text !== '' && /\bjson\b/i.test(contentType)) {
      try {
        body = JSON.parse(text)
      } catch {
        // Left as text: the validator reports it against the JSON schema.
      }
    }
    const result = validateOutput({ resource: operation, element: { statusCode: status, headers: Object.fromEntries(headers), body } })
    const violations = result._tag === 'Left' ? result.left.map((d) => `${d.path?.length ? `${d.path.join('.')}: ` : ''}${d.message}`) : []
    return { operation: `${operation.method.toUpperCase()} ${operation.path}`, method, path, status, violations }
  }

  /** `fetch`, with the response checked against the document and recorded. */
  async function checkedFetch(input: string | URL, init: RequestInit = {}): Promise<Response> {
    const url = new URL(input)
    const method = (init.method ?? 'GET').toUpperCase()
    const response = await fetch(url, init)
    const text = await response.clone().text()
    exchanges.push(check(method, url.pathname, response.status, response.headers, text))
    return response
  }

  /** Every (operation, status) pair the document lists, as `GET /actors/{id} 304`. */
  const documentedPairs = () =>
    Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).flatMap(([method, op]) =>
        Object.keys(op.responses ?? {}).map((status) => `${method.toUpperCase()} ${path} ${status}`),
      ),
    )

  /** The documented pairs, each with whether some recorded response reached it. */
  function coverage() {
    const reached = new Set(exchanges.filter((e) => e.operation).map((e) => `${e.operation} ${e.status}`))
    return documentedPairs().map((pair) => ({ pair, reached: reached.has(pair) }))
  }

  /** Whether the document lists a pair, as `DELETE /actors/{id} 400`. */
  const documents = (pair: string) => documentedPairs().includes(pair)

  return { document, fetch: checkedFetch, check, exchanges, coverage, documents }
}

export type Contract = Awaited<ReturnType<typeof loadContract>>

/** The coverage as a table: one row per documented operation, one column per status. */
export function coverageTable(coverage: ReturnType<Contract['coverage']>): string {
  const rows = new Map<string, Map<string, boolean>>()
  for (const { pair, reached } of coverage) {
    const status = pair.slice(pair.lastIndexOf(' ') + 1)
    const operation = pair.slice(0, pair.lastIndexOf(' '))
    if (!rows.has(operation)) rows.set(operation, new Map())
    rows.get(operation)!.set(status, reached)
  }
  const statuses = [...new Set(coverage.map(({ pair }) => pair.slice(pair.lastIndexOf(' ') + 1)))].sort()
  const width = Math.max(...[...rows.keys()].map((name) => name.length))
  const lines = [`${'operation'.padEnd(width)} ${statuses.map((s) => s.padStart(4)).join('')}`]
  for (const [operation, cells] of rows) {
    lines.push(`${operation.padEnd(width)} ${statuses.map((s) => (cells.has(s) ? (cells.get(s) ? '   ✓' : '   ✗') : '   ·')).join('')}`)
  }
  lines.push(`(✓ reached, ✗ documented but never reached, · not documented)`)
  return lines.join('\n')
}
