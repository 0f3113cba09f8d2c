// `npm run smoke -- <base-url>`: does a deployment answer? One line per check,
// stopping at the first failure with a non-zero exit. With SMOKE_TOKEN set (a
// token with read:actors), it also reads /actors, which goes through Auth0's
// keys and the database. With DATABASE_URL set (the string `npm run db:migrate`
// took), it reports the database's statement time limit as a new session gets
// it, and fails unless the server cancels a statement before the Worker gives
// up on it (API.md C6). Nothing of it goes through the public API.
import { argv, env, exit } from 'node:process'
import pg from 'pg'
import { QUERY_TIMEOUT_MS } from '../src/db/timeouts.ts'

const base = argv[2]?.replace(/\/+$/, '')
if (!base || !/^https?:\/\//.test(base)) {
  console.error('usage: npm run smoke -- <base-url>   (e.g. https://casting-agency-api-staging.<you>.workers.dev)')
  exit(2)
}

const TIMEOUT_MS = 15_000

type Check = { name: string; path: string; token?: string; expect: (response: Response, body: string) => string | undefined }

const json = (body: string) => {
  try {
    return JSON.parse(body) as Record<string, unknown>
  } catch {
    return undefined
  }
}

const checks: Check[] = [
  {
    name: 'health: 200, database ok',
    path: '/health',
    expect: (r, body) => (r.status === 200 && json(body)?.success === true ? undefined : `${r.status} ${body.slice(0, 200)}`),
  },
  {
    name: 'openapi.json: 200, an OpenAPI 3.1 document',
    path: '/openapi.json',
    expect: (r, body) => {
      const doc = json(body)
      return r.status === 200 && String(doc?.openapi).startsWith('3.1') && doc?.paths ? undefined : `${r.status} ${body.slice(0, 200)}`
    },
  },
  {
    name: 'docs: 200, an HTML page',
    path: '/docs',
    expect: (r, body) =>
      r.status === 200 && r.headers.get('content-type')?.startsWith('text/html') && /<html/i.test(body)
        ? undefined
        : `${r.status} ${r.headers.get('content-type')}`,
  },
  {
    name: "docs/scalar.js: 200, the page's script",
    path: '/docs/scalar.js',
    expect: (r, body) => (r.status === 200 && body.length > 100_000 ? undefined : `${r.status}, ${body.length} bytes`),
  },
]

const token = env.SMOKE_TOKEN
if (token) {
  checks.push({
    name: 'actors with SMOKE_TOKEN: 200, or 404 for an empty database',
    path: '/actors',
    token,
    expect: (r, body) => {
      const answer = json(body)
      if (r.status === 200 && answer?.success === true) return undefined
      if (r.status === 404 && answer?.message === 'no actors found in database.') return undefined
      return `${r.status} ${body.slice(0, 200)}`
    },
  })
}

for (const { name, path, token, expect } of checks) {
  const started = Date.now()
  let problem: string | undefined
  try {
    const response = await fetch(base + path, {
      headers: token ? { Authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(TIMEOUT_MS),
    })
    problem = expect(response, await response.text())
  } catch (error) {
    // fetch's own message ("fetch failed") hides why: refused, DNS, TLS, timeout.
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : ''
    problem = `${error instanceof Error ? error.message : String(error)}${cause}`
  }
  if (problem) {
    console.log(`FAIL ${name}: GET ${path} -> ${problem}`)
    exit(1)
  }
  console.log(`ok   ${name} (${Date.now() - started} ms)`)
}
if (!token) console.log('(SMOKE_TOKEN not set: /actors not checked)')

if (env.DATABASE_URL) {
  const client = new pg.Client({ connectionString: env.DATABASE_URL, connectionTimeoutMillis: TIMEOUT_MS })
  let problem: string | undefined
  let found = ''
  try {
    await client.connect()
    const { rows } = await client.query<{ setting: string; source: string }>(
      `select setting, source from pg_settings where name = 'statement_timeout'`,
    )
    const ms = Number(rows[0]?.setting)
    found = `${ms / 1000} s, set by the ${rows[0]?.source}`
    if (!(ms > 0 && ms < QUERY_TIMEOUT_MS))
      problem = `${found}: not under the Worker's ${QUERY_TIMEOUT_MS / 1000} s (run npm run db:migrate)`
  } catch (error) {
    problem = error instanceof Error ? error.message : String(error)
  } finally {
    await client.end().catch(() => {})
  }
  if (problem) {
    console.log(`FAIL database statement_timeout: ${problem}`)
    exit(1)
  }
  console.log(`ok   database statement_timeout: ${found}`)
} else console.log('(DATABASE_URL not set: the database statement_timeout not checked)')
