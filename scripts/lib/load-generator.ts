// One autocannon load in a process of its own, so the load generator does not
// share an event loop with the SQL endpoint. Its tokens rotate per request:
// one token subject would meet the rate limit (600 a minute) within seconds.
// `node scripts/lib/load-generator.ts '<json>'` prints the result as JSON.
import autocannon from 'autocannon'

export type LoadOptions = {
  url: string
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
  /** `[<id>]` in it becomes a fresh value for each request, so every PATCH changes something. */
  body?: string
  /** Extra request headers; `[<id>]` in a value becomes a fresh value too (a new Idempotency-Key each time). */
  headers?: Record<string, string>
  tokens: string[]
  connections: number
  seconds: number
}

export type LoadResult = { rps: number; p50: number; p99: number; statuses: Record<string, number> }

const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions
let turn = 0
const result = await autocannon({
  url: options.url,
  connections: options.connections,
  duration: options.seconds,
  requests: [
    {
      method: options.method,
      setupRequest: (request) => ({
        ...request,
        headers: {
          ...request.headers,
          ...Object.fromEntries(
            Object.entries(options.headers ?? {}).map(([name, value]) => [name, value.replaceAll('[<id>]', crypto.randomUUID())]),
          ),
          ...(options.tokens.length > 0 ? { authorization: `Bearer ${options.tokens[turn++ % options.tokens.length]}` } : {}),
          ...(options.body ? { 'content-type': 'application/json' } : {}),
        },
        body: options.body?.replaceAll('[<id>]', crypto.randomUUID().slice(0, 8)),
      }),
    },
  ],
})
const statuses = Object.fromEntries(
  Object.entries((result as unknown as { statusCodeStats: Record<string, { count: number }> }).statusCodeStats).map(
    ([status, { count }]) => [status, count],
  ),
)
process.stdout.write(
  JSON.stringify({ rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, statuses } satisfies LoadResult),
)
