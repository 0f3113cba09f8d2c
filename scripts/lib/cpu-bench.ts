// `npm run bench -- --cpu [--quick]`: the Worker's CPU per request where it is
// real. The deploy bundle (`wrangler deploy --dry-run`) runs in plain workerd
// from a minimal configuration, beside floors built and run the same way: a
// bare Hono Worker answering a constant, one that also verifies an RS256 token
// with jose, and (for start-up) one that also validates a query with zod.
// Requests go to all of them in rounds, interleaved, so the machine's noise
// falls on each alike; each case is reported as CPU per request of the workerd
// process and as a ratio to the bare hello of the same round, each start-up as
// a ratio to the bare Hono + jose started in the same turn. Figures are
// printed, never asserted.

import { mkdtempSync, rmSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { ROLES, type Role } from '../../src/auth/permissions.ts'
import { buildProductionBundle } from './bundle.ts'
import { mintDevToken, startDevIssuer } from './dev-issuer.ts'
import { freePort } from './dev-server.ts'
import { bundleWorker, type PlainWorker, processCpuMs, serve, stop, writeConfig } from './plain-workerd.ts'
import { createScratchDatabase } from './scratch-database.ts'
import { startSqlEndpoint } from './sql-endpoint.ts'

type Request = { method?: string; path: string; headers?: Record<string, string>; body?: string }
type Case = {
  name: string
  /** Which Worker answers it: this API, a floor, or the API as built elsewhere (`--baseline`). */
  target: 'app' | 'hello' | 'jose' | 'zod' | 'baseline'
  request: () => Request
  expect: number
  /** A route that may not exist yet: measured only if it answers `expect`, reported as missing otherwise. */
  hook?: boolean
}

/** Token subjects taken in turn, so the rate limit (600 a minute per subject) never answers. */
const SUBJECTS = 256
const CONCURRENCY = 8
/** Cold starts of each Worker: a start-up moves by ±20 % on these machines; the per-turn ratios move less. */
const STARTS = { quick: 5, full: 15 }

/**
 * `baseline`: a bundle built elsewhere (`wrangler deploy --dry-run --outdir <dir>`, say from the commit
 * before a change), measured beside this one on every case of the API: a change's before and after in one run.
 */
export async function cpuBench({ quick, server, baseline }: { quick: boolean; server: string; baseline?: string }) {
  // Many short rounds rather than a few long ones: a burst of the shared machine's other work spoils a round,
  // and the median of many passes over it (7 rounds of 1,000 put GET /actors/1 at 5.1× and 6.1× bare in two runs).
  const rounds = quick ? 5 : 15
  const perBatch = quick ? 200 : 500
  console.log(`# npm run bench -- --cpu${quick ? ' --quick' : ''}: plain workerd, no wrangler in front`)
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}, ${new Date().toISOString()}`)
  console.log(`${rounds} rounds of ${perBatch} requests a case, ${CONCURRENCY} at a time; CPU of the workerd process (all threads)`)

  const work = mkdtempSync(join(tmpdir(), 'casting-cpu-'))
  const database = await createScratchDatabase(server, 'casting_cpu')
  const endpoint = await startSqlEndpoint({ target: { host: new URL(server).hostname, port: Number(new URL(server).port || 5432) } })
  const issuer = await startDevIssuer(work)
  const running: Array<ReturnType<typeof serve>> = []
  try {
    const db = new pg.Client({ connectionString: database.url })
    await db.connect()
    await db.query(`insert into actors (name, age, gender) select 'Actor ' || i, 20 + i % 60, 'Female' from generate_series(1, 2000) as i`)
    await db.query(`insert into movies (title, release_date) select 'Movie ' || i, date '2000-01-01' + i from generate_series(1, 100) as i`)
    await db.query('insert into castings (movie_id, actor_id, fee) select 1, i, 1000 from generate_series(1, 20) as i')
    await db.query('analyze')
    await db.end()

    // --- the three Workers ---------------------------------------------------
    buildProductionBundle(join(work, 'app'))
    const app = join(work, 'app', 'index.js')
    const hello = bundleWorker('scripts/lib/bench-workers/bare-hello.ts', join(work, 'hello'))
    const jose = bundleWorker('scripts/lib/bench-workers/bare-jose.ts', join(work, 'jose'))
    const zod = bundleWorker('scripts/lib/bench-workers/bare-zod.ts', join(work, 'zod'))
    const auth = {
      AUTH0_ISSUER: issuer.config.AUTH0_ISSUER,
      AUTH0_AUDIENCE: issuer.config.AUTH0_AUDIENCE,
      AUTH0_JWKS_URL: issuer.config.AUTH0_JWKS_URL,
    }
    const workers: Record<Case['target'], PlainWorker> = {
      app: {
        script: app,
        vars: {
          ...auth,
          AUTH0_DOMAIN: '',
          CORS_ORIGINS: '*',
          HISTORY_RETENTION_DAYS: '365',
          PUBLIC_ORIGIN: '',
          DATABASE_URL: database.url,
          DATABASE_HTTP_ENDPOINT: endpoint.url,
        },
        rateLimiter: { name: 'RATE_LIMITER', limit: 600, period: 60 },
      },
      hello: { script: hello, vars: {} },
      jose: { script: jose, vars: auth },
      zod: { script: zod, vars: auth },
      baseline: { script: baseline ?? '', vars: {} },
    }
    workers.baseline = { ...workers.app, script: baseline ?? '' }
    const start = async (target: Case['target'], label: string) => {
      const port = await freePort()
      const child = serve(writeConfig(join(work, 'run', `${label}-${port}`), workers[target], port))
      running.push(child)
      let stderr = ''
      child.stderr?.on('data', (chunk) => {
        stderr += chunk
      })
      return { port, child, stderr: () => stderr }
    }

    const mint = (role: Role) =>
      Promise.all(
        Array.from({ length: SUBJECTS }, (_, i) =>
          mintDevToken(role, { folder: work, subject: `cpu|${role}-${i}`, permissions: [...ROLES[role]] }),
        ),
      )
    const tokens = { assistant: await mint('assistant'), producer: await mint('producer') }
    let turn = 0
    const bearer = (role: keyof typeof tokens) => ({ Authorization: `Bearer ${tokens[role][turn++ % SUBJECTS]}` })
    const json = { 'Content-Type': 'application/json' }
    const unique = () => crypto.randomUUID().slice(0, 8)

    const cases: Case[] = [
      { name: 'bare Hono hello', target: 'hello', request: () => ({ path: '/' }), expect: 200 },
      {
        name: 'bare Hono + one jose RS256 verify',
        target: 'jose',
        request: () => ({ path: '/', headers: bearer('assistant') }),
        expect: 200,
      },
      { name: 'no token: GET /actors/1 (401)', target: 'app', request: () => ({ path: '/actors/1' }), expect: 401 },
      {
        name: 'DB-less: GET /actors?page=0 (400, token checked)',
        target: 'app',
        request: () => ({ path: '/actors?page=0', headers: bearer('assistant') }),
        expect: 400,
      },
      { name: 'GET /health', target: 'app', request: () => ({ path: '/health' }), expect: 200 },
      { name: 'GET /actors/1', target: 'app', request: () => ({ path: '/actors/1', headers: bearer('assistant') }), expect: 200 },
      {
        name: 'GET /movies/1?include=cast (20 cast)',
        target: 'app',
        request: () => ({ path: '/movies/1?include=cast', headers: bearer('assistant') }),
        expect: 200,
      },
      {
        name: 'POST /actors (a create)',
        target: 'app',
        request: () => ({
          method: 'POST',
          path: '/actors',
          headers: { ...bearer('producer'), ...json },
          body: `{"name":"Cpu ${unique()}","age":30}`,
        }),
        expect: 201,
      },
      {
        name: 'PATCH /actors/2',
        target: 'app',
        request: () => ({
          method: 'PATCH',
          path: '/actors/2',
          headers: { ...bearer('producer'), ...json },
          body: `{"name":"Patched ${unique()}"}`,
        }),
        expect: 200,
      },
      // The hook for the change feed (API.md D1): measured once GET /events answers 200.
      {
        name: 'GET /events (a feed page)',
        target: 'app',
        request: () => ({ path: '/events', headers: bearer('producer') }),
        expect: 200,
        hook: true,
      },
    ]

    const [helloCase, joseCase, , dbLessCase] = cases as [Case, Case, Case, Case]
    if (baseline) {
      for (const c of cases.filter((c) => c.target === 'app')) {
        cases.splice(cases.indexOf(c) + 1, 0, { ...c, name: `${c.name}, baseline`, target: 'baseline' })
      }
    }

    // --- start-up: CPU to the first answer, cold -----------------------------
    const starts = quick ? STARTS.quick : STARTS.full
    console.log(
      `\n## Start-up: CPU of a fresh workerd process until its first answer, ${starts} cold starts each, in turns; ratios to the floors started in the same turn`,
    )
    const firstRequests: Array<[Case['target'], string, Case]> = [
      ['hello', 'bare Hono hello (GET /)', helloCase],
      ['jose', 'bare Hono + jose (GET /, a token verified, JWKS fetched)', joseCase],
      [
        'zod',
        'bare Hono + jose + zod (GET /actors?page=0: a token verified, JWKS fetched, the query validated, 400): the floor of a fully lazy API',
        { ...dbLessCase, target: 'zod' },
      ],
      ['app', 'this API (GET /actors?page=0: a token verified, JWKS fetched, 400)', dbLessCase],
      ...(baseline ? [['baseline', 'the baseline, the same', dbLessCase] as [Case['target'], string, Case]] : []),
    ]
    const startSamples = new Map<Case['target'], number[]>(firstRequests.map(([target]) => [target, []]))
    for (let i = 0; i < starts; i++) {
      // Each turn in another order, so no Worker always starts after the same one.
      for (const [target, , first] of i % 2 ? [...firstRequests].reverse() : firstRequests) {
        const { port, child, stderr } = await start(target, `start-${target}`)
        const status = await firstAnswer(port, first.request(), child)
        if (status !== first.expect) throw new Error(`${target}: first answer ${status}, expected ${first.expect}\n${stderr()}`)
        startSamples.get(target)!.push(processCpuMs(child.pid!))
        await stop(child)
      }
    }
    const joseStarts = startSamples.get('jose')!
    const helloStarts = startSamples.get('hello')!
    table(
      ['Worker', 'start-up CPU ms, median (min–max)', '× bare Hono + jose (min–max)', '× bare hello'],
      firstRequests.map(([target, label]) => {
        const samples = startSamples.get(target)!
        const toJose = samples.map((ms, i) => ms / joseStarts[i]!)
        const toHello = samples.map((ms, i) => ms / helloStarts[i]!)
        return [
          label,
          spread(samples, 1),
          `${median(toJose).toFixed(2)}× bare+jose (${range(toJose, 2)})`,
          `${median(toHello).toFixed(2)}× bare`,
        ]
      }),
    )

    // --- per request, in rounds ----------------------------------------------
    const servers = {
      app: await start('app', 'app'),
      hello: await start('hello', 'hello'),
      jose: await start('jose', 'jose'),
      ...(baseline ? { baseline: await start('baseline', 'baseline') } : {}),
    } as Record<Case['target'], Awaited<ReturnType<typeof start>>>
    for (const { port, child } of Object.values(servers)) await firstAnswer(port, { path: '/' }, child)
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY })
    const measured: Case[] = []
    for (const c of cases) {
      // Warm: JIT, the JWKS, the database pool; and whether a hooked route exists yet.
      const statuses = await batch(agent, servers[c.target].port, 50, c.request)
      if (c.hook && !statuses.has(c.expect)) {
        console.log(`not measured yet: ${c.name} answers ${describe(statuses)} (the hook is in scripts/lib/cpu-bench.ts)`)
        continue
      }
      measured.push(c)
    }
    const perRequest = new Map<Case, number[]>(measured.map((c) => [c, []]))
    const unexpected = new Map<Case, Map<number, number>>(measured.map((c) => [c, new Map()]))
    for (let round = 0; round < rounds; round++) {
      // Each round in another order, so no case always follows the same one.
      const order = round % 2 ? [...measured].reverse() : measured
      for (const c of order) {
        const { child, port } = servers[c.target]
        const before = processCpuMs(child.pid!)
        const statuses = await batch(agent, port, perBatch, c.request)
        perRequest.get(c)!.push((processCpuMs(child.pid!) - before) / perBatch)
        for (const [status, n] of statuses)
          if (status !== c.expect) unexpected.get(c)!.set(status, (unexpected.get(c)!.get(status) ?? 0) + n)
      }
    }
    agent.destroy()
    const hellos = perRequest.get(helloCase)!
    console.log(
      `\n## Per request: CPU of the workerd process, median of ${rounds} rounds (min–max), and its ratio to the bare hello of the same round`,
    )
    table(
      ['request', 'CPU ms/req', '× bare hello (min–max)', 'unexpected statuses'],
      measured.map((c) => {
        const samples = perRequest.get(c)!
        const ratios = samples.map((ms, i) => ms / hellos[i]!)
        const bad = unexpected.get(c)!
        return [
          c.name,
          spread(samples, 3),
          `${median(ratios).toFixed(2)}× bare (${range(ratios, 2)})`,
          bad.size === 0 ? 'none' : describe(bad),
        ]
      }),
    )
    console.log(
      '\nThe dev-stack figures (`npm run bench`) add what wrangler dev runs and production does not: its proxy workerd, a Durable Object behind the rate limiter, console lines over the inspector, the assets router.',
    )
  } finally {
    for (const child of running) await stop(child)
    await issuer.close()
    await endpoint.close()
    await database.drop().catch(() => {})
    rmSync(work, { recursive: true, force: true })
  }
}

/** Sends `request` until the Worker answers (it starts listening once loaded); the first answer's status. */
async function firstAnswer(port: number, req: Request, child: ReturnType<typeof serve>): Promise<number> {
  const agent = new Agent({ keepAlive: false })
  try {
    for (let tries = 0; tries < 1_000; tries++) {
      if (child.exitCode !== null) throw new Error(`workerd exited with ${child.exitCode}`)
      const status = await send(agent, port, req).catch(() => undefined)
      if (status !== undefined) return status
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    throw new Error('workerd did not answer within 10 s')
  } finally {
    agent.destroy()
  }
}

/** `n` requests, `CONCURRENCY` at a time; how many of each status. */
async function batch(agent: Agent, port: number, n: number, make: () => Request) {
  const statuses = new Map<number, number>()
  let next = 0
  const lane = async () => {
    while (next++ < n) {
      const status = await send(agent, port, make())
      statuses.set(status, (statuses.get(status) ?? 0) + 1)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, lane))
  return statuses
}

function send(agent: Agent, port: number, { method = 'GET', path, headers = {}, body }: Request): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent }, (response) => {
      response.resume()
      response.once('end', () => resolve(response.statusCode ?? 0))
      response.once('error', reject)
    })
    req.once('error', reject)
    req.end(body)
  })
}

const describe = (statuses: Map<number, number>) => [...statuses].map(([status, n]) => `${n} × ${status}`).join(', ')

function median(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

const range = (values: number[], digits: number) => `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`
const spread = (values: number[], digits: number) => `${median(values).toFixed(digits)} (${range(values, digits)})`

function table(header: string[], rows: string[][]) {
  console.log(`| ${header.join(' | ')} |`)
  console.log(`|${header.map(() => '---').join('|')}|`)
  for (const row of rows) console.log(`| ${row.join(' | ')} |`)
}
