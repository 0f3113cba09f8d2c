// `npm run bench [-- --quick]`: what a request costs through the whole dev
// stack (wrangler dev's workerd, the local SQL-over-HTTP endpoint, the
// PostgreSQL server), with the load generator on the same two cores. Figures
// are printed, never asserted: compare the ratios measured side by side in
// this run, not the milliseconds, on a shared and noisy machine. Database
// work is counted where it happens: round trips and statements by the SQL
// endpoint, sessions and transactions by the server (pg_stat_database).
// `npm run bench -- --cpu [--quick]` measures the Worker alone instead, in
// plain workerd as production runs it, against a bare Hono Worker (lib/cpu-bench.ts).
// `npm run bench -- --webhooks [--quick]` measures webhook delivery (lib/webhook-bench.ts).
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import type { Role } from '../src/auth/permissions.ts'
import { encodeCursor } from '../src/feed-cursor.ts'
import { buildProductionBundle } from './lib/bundle.ts'
import { mintDevToken } from './lib/dev-issuer.ts'
import { freePort, waitForHealth } from './lib/dev-server.ts'
import { type DevStack, startDevStack } from './lib/dev-stack.ts'
import type { LoadOptions, LoadResult } from './lib/load-generator.ts'
import { root } from './lib/paths.ts'
import { retentionBench } from './lib/retention-bench.ts'
import { insertSampleActors } from './lib/sample-data.ts'
import { createScratchDatabase } from './lib/scratch-database.ts'

const quick = process.argv.includes('--quick')
const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

// `--cpu`: the Worker alone in plain workerd, against a bare Hono Worker (scripts/lib/cpu-bench.ts).
if (process.argv.includes('--cpu')) {
  const { cpuBench } = await import('./lib/cpu-bench.ts')
  const at = process.argv.indexOf('--baseline')
  await cpuBench({ quick, server: SERVER, baseline: at > 0 ? process.argv[at + 1] : undefined })
  process.exit(0)
}
// `--webhooks`: first attempt after a commit and deliveries per second, through the local queue (lib/webhook-bench.ts).
if (process.argv.includes('--webhooks')) {
  const { webhookBench } = await import('./lib/webhook-bench.ts')
  await webhookBench({ quick, server: SERVER })
  process.exit(0)
}
const LOAD_SECONDS = quick ? 2 : 15
const CONNECTIONS = 16
const COUNTED = quick ? 20 : 200
const DISTANCE_MS = 25
const SUBJECTS = 64
const DISTANCE_SAMPLES = quick ? 15 : 40
const GROWTH_SIZES = [1_000, quick ? 100_000 : 1_000_000] as const
const GROWTH_ROUNDS = quick ? 5 : 15
const FEED_SIZES = [1_000, quick ? 200_000 : 1_000_000] as const

// --- a scratch database on the server, and the stack in front of it --------

const benchDb = await createScratchDatabase(SERVER, 'casting_bench', { migrate: false })
const pgbenchDb = await createScratchDatabase(SERVER, 'casting_pgbench', { migrate: false })
const largeDb = await createScratchDatabase(SERVER, 'casting_bench_large', { migrate: false })
const dataDir = mkdtempSync(join(tmpdir(), 'casting-bench-'))
const port = await freePort()
const base = `http://127.0.0.1:${port}`
let stack: DevStack | undefined
let largeStack: DevStack | undefined
try {
  console.log(`# npm run bench${quick ? ' --quick' : ''}`)
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}, ${new Date().toISOString()}`)
  stack = await startDevStack({ port, dataDir, databaseUrl: benchDb.url, quiet: true })
  await waitForHealth(base, stack.wrangler)
  const endpoint = stack.endpoint!
  // Many token subjects per role, taken in turn: the rate limit (600 a minute per subject) must not bite.
  const mint = (role: Role) =>
    Promise.all(Array.from({ length: SUBJECTS }, (_, i) => mintDevToken(role, { folder: dataDir, subject: `bench|${role}-${i}` })))
  const tokens = { assistant: await mint('assistant'), producer: await mint('producer') }
  let turn = 0
  const tokenOf = (role?: Role) => (role ? tokens[role as keyof typeof tokens][turn++ % SUBJECTS] : undefined)
  // A pool of one, not a client: a session the shared server ends while it idles is replaced, not fatal.
  // It arranges data (100,000 rows for the growth figures): not bound by the database's 4 s.
  const db = new pg.Pool({ connectionString: benchDb.url, max: 1, options: '-c statement_timeout=0' })
  db.on('error', () => {})
  await db.query(`insert into actors (name, age, gender) select 'Actor ' || i, 20 + i % 60, 'Female' from generate_series(1, 2000) as i`)
  await db.query(`insert into movies (title, release_date) select 'Movie ' || i, date '2000-01-01' + i from generate_series(1, 100) as i`)
  await db.query('insert into castings (movie_id, actor_id, fee) select 1, i, 1000 from generate_series(1, 20) as i')
  await db.query('analyze')

  type Case = {
    name: string
    method?: LoadOptions['method']
    path: string
    role?: Role
    body?: string
    ifMatch?: string
    headers?: Record<string, string>
    expect: number
  }
  const auth = (token?: string): Record<string, string> => (token ? { Authorization: `Bearer ${token}` } : {})
  const send = async ({ method = 'GET', path, role, body, ifMatch, headers: extra = {} }: Case) => {
    const headers: Record<string, string> = { ...auth(tokenOf(role)), ...(body ? { 'Content-Type': 'application/json' } : {}) }
    for (const [name, value] of Object.entries(extra)) headers[name] = value.replaceAll('[<id>]', unique())
    if (ifMatch) headers['If-Match'] = ifMatch
    const response = await fetch(`${base}${path}`, { method, headers, body })
    await response.arrayBuffer()
    return response.status
  }
  const unique = () => crypto.randomUUID().slice(0, 8)
  // Bodies that change something every time, so each PATCH is a success.
  const fresh = (c: Case): Case => ({ ...c, body: c.body?.replaceAll('[<id>]', unique()) })

  // Creates under Idempotency-Key (API.md C3): a new key each time, and one key sent again and again (each
  // token subject creates once, then every request of it is a replay).
  const keyedCreate: Case = {
    name: 'POST /actors, Idempotency-Key',
    method: 'POST',
    path: '/actors',
    role: 'producer',
    body: '{"name":"Keyed [<id>]","age":30}',
    headers: { 'Idempotency-Key': 'bench-[<id>]' },
    expect: 201,
  }
  const replayedCreate: Case = { ...keyedCreate, body: '{"name":"Replayed","age":30}', headers: { 'Idempotency-Key': 'bench-replayed' } }

  // --- throughput ------------------------------------------------------------
  console.log(`\n## Throughput: autocannon, ${CONNECTIONS} connections, ${LOAD_SECONDS} s each, on the same cores as the stack`)
  // The baseline pays for everything but the database: a valid token, its verification and the
  // rate limiter, then a 400 for the query string. A 401 without a token skips all of that.
  const loadCases: Case[] = [
    { name: 'DB-less: GET /actors?page=0 (400, token checked)', path: '/actors?page=0', role: 'assistant', expect: 400 },
    { name: 'DB-less: no token (401)', path: '/actors/1', expect: 401 },
    { name: 'GET /actors/1', path: '/actors/1', role: 'assistant', expect: 200 },
    { name: 'GET /actors (page 1)', path: '/actors?page=1', role: 'assistant', expect: 200 },
    { name: 'POST /actors', method: 'POST', path: '/actors', role: 'producer', body: '{"name":"Load [<id>]","age":30}', expect: 201 },
    { name: 'PATCH /actors/2', method: 'PATCH', path: '/actors/2', role: 'producer', body: '{"name":"Patched [<id>]"}', expect: 200 },
    { ...keyedCreate, name: 'POST /actors, Idempotency-Key (stored with the row)' },
    { ...replayedCreate, name: 'POST /actors, the same key again (replayed)' },
  ]
  const workerd = workerdPids(stack.wrangler.pid!)
  const loads = []
  for (const c of loadCases) {
    const cpuBefore = processCpuMs(workerd)
    const endpointBefore = process.cpuUsage() // this process serves the SQL endpoint
    const result = await autocannon(c, c.role ? tokens[c.role as keyof typeof tokens] : [])
    const cpuMs = processCpuMs(workerd) - cpuBefore
    const { user, system } = process.cpuUsage(endpointBefore)
    loads.push({
      ...c,
      ...result,
      cpuPerRequest: workerd.length > 0 ? cpuMs / result.total : Number.NaN,
      endpointCpuPerRequest: (user + system) / 1000 / result.total,
    })
  }
  const baseline = loads[0]!.rps
  table(
    [
      'request',
      'req/s',
      'ratio to the first row',
      'p50 ms',
      'p99 ms',
      'expected status',
      'other statuses',
      "dev stack: workerd CPU ms/req (wrangler dev's proxy + Worker; not production's, see --cpu)",
      'SQL endpoint CPU ms/req',
    ],
    loads.map((l) => [
      l.name,
      l.rps.toFixed(0),
      (l.rps / baseline).toFixed(2),
      String(l.p50),
      String(l.p99),
      `${l.ok} × ${l.expect}`,
      String(l.total - l.ok),
      l.cpuPerRequest.toFixed(2),
      l.endpointCpuPerRequest.toFixed(2),
    ]),
  )

  // --- ceilings ----------------------------------------------------------------
  console.log('\n## Ceilings: pgbench -S (select-only) on the same server, 16 clients, 2 threads')
  execFileSync('pgbench', ['-i', '-q', '-s', '1', pgbenchDb.url], { stdio: 'ignore' })
  const pgbench = (extra: string[]) => {
    const out = execFileSync('pgbench', ['-S', '-n', '-c', '16', '-j', '2', '-T', String(LOAD_SECONDS), ...extra, pgbenchDb.url], {
      encoding: 'utf8',
    })
    return Number(/tps = ([\d.]+)/.exec(out)?.[1] ?? Number.NaN)
  }
  table(
    ['pgbench', 'transactions/s'],
    [
      ['persistent connections', pgbench([]).toFixed(0)],
      ['a new connection per transaction (-C)', pgbench(['-C']).toFixed(0)],
    ],
  )

  // --- round trips, statements and sessions per request ----------------------
  console.log(`\n## Database work per request: ${COUNTED} requests in a row per case`)
  console.log('round trips and statements counted by the SQL endpoint; sessions and transactions by the server (pg_stat_database)')
  await db.query(`insert into actors (name, age) select 'Doomed ' || i, 40 from generate_series(1, $1::int) as i`, [COUNTED])
  const doomed = (await db.query<{ id: number }>(`select id from actors where name like 'Doomed %' order by id`)).rows.map((r) => r.id)
  const staleTag = '"0000000000000000000000000000dead"'
  const countedCases: Array<Case & { next?: () => Case }> = [
    { name: 'GET /actors/1', path: '/actors/1', role: 'assistant', expect: 200 },
    { name: 'GET /actors/999999 (404)', path: '/actors/999999', role: 'assistant', expect: 404 },
    { name: 'GET /actors (page 1)', path: '/actors?page=1', role: 'assistant', expect: 200 },
    { name: 'GET /actors?page=9999 (404)', path: '/actors?page=9999', role: 'assistant', expect: 404 },
    {
      name: 'POST /actors',
      method: 'POST',
      path: '/actors',
      role: 'producer',
      body: '{"name":"Counted [<id>]","age":30}',
      expect: 201,
    },
    {
      name: 'POST /actors invalid (422)',
      method: 'POST',
      path: '/actors',
      role: 'producer',
      body: '{"name":"x","age":-1}',
      expect: 422,
    },
    { name: 'PATCH /actors/3', method: 'PATCH', path: '/actors/3', role: 'producer', body: '{"name":"Renamed [<id>]"}', expect: 200 },
    {
      name: 'PATCH /actors/3, stale If-Match (412)',
      method: 'PATCH',
      path: '/actors/3',
      role: 'producer',
      body: '{"name":"Never [<id>]"}',
      ifMatch: staleTag,
      expect: 412,
    },
    { name: 'DELETE /actors/:id', method: 'DELETE', path: '/actors/:id', role: 'producer', expect: 200 },
    { name: 'DELETE /actors/999999 (404)', method: 'DELETE', path: '/actors/999999', role: 'producer', expect: 404 },
    {
      name: 'PUT /movies/2/actors/5',
      method: 'PUT',
      path: '/movies/2/actors/5',
      role: 'producer',
      body: '{"fee":[<fee>]}',
      expect: 200,
    },
    { name: 'GET /movies/1/actors', path: '/movies/1/actors', role: 'assistant', expect: 200 },
    { name: 'GET /health', path: '/health', expect: 200 },
    keyedCreate,
    { ...replayedCreate, name: 'POST /actors, replayed (Idempotent-Replayed)' },
    { name: 'GET /actors/3/history', path: '/actors/3/history', role: 'producer', expect: 200 },
    { name: 'POST /actors/:id/restore (deleted above)', method: 'POST', path: '/actors/:restore', role: 'producer', expect: 200 },
  ]
  await send({ ...countedCases[10]!, body: '{"fee":1}', expect: 201 }) // the casting exists before it is counted
  let fee = 1
  const deletedIds: number[] = []
  const instance = (c: Case): Case => {
    if (c.path === '/actors/:id') {
      const id = doomed.shift()!
      deletedIds.push(id)
      return { ...c, path: `/actors/${id}` }
    }
    if (c.path === '/actors/:restore') return { ...c, path: `/actors/${deletedIds.shift()}/restore` }
    if (c.body?.includes('[<fee>]')) return { ...c, body: c.body.replace('[<fee>]', String(++fee)) }
    return fresh(c)
  }
  const counts = []
  /** Ends the pooled sessions; an ending backend writes its statistics just after it hangs up. */
  const settle = async () => {
    await endpoint.drain()
    await new Promise((resolve) => setTimeout(resolve, 700))
  }
  await settle()
  for (const c of countedCases) {
    // The previous case's settle() serves this one's "before".
    const before = await serverCounters()
    endpoint.stats(true)
    const statuses = new Map<number, number>()
    for (let i = 0; i < COUNTED; i++) {
      const status = await send(instance(c))
      statuses.set(status, (statuses.get(status) ?? 0) + 1)
    }
    const { requests, statements } = endpoint.stats(true)
    await settle() // the pooled sessions end, and their statistics reach pg_stat_database
    const after = await serverCounters()
    counts.push({
      name: c.name,
      statuses: [...statuses].map(([s, n]) => `${n} × ${s}`).join(', '),
      roundTrips: requests / COUNTED,
      statements: statements / COUNTED,
      // The counters are read from another database, so reading them adds nothing here.
      transactions: after.transactions - before.transactions,
      sessions: after.sessions - before.sessions,
    })
  }
  table(
    [
      'request',
      'statuses',
      'round trips/req',
      'statements/req',
      `server: transactions, for ${COUNTED}`,
      `server: sessions opened, for ${COUNTED}`,
    ],
    counts.map((c) => [c.name, c.statuses, c.roundTrips.toFixed(2), c.statements.toFixed(2), String(c.transactions), String(c.sessions)]),
  )

  // --- distance -----------------------------------------------------------------
  console.log(`\n## Distance: every endpoint answer held ${DISTANCE_MS} ms (edge to database); median of ${DISTANCE_SAMPLES} in a row`)
  const distanceCases = [countedCases[0]!, countedCases[2]!, countedCases[4]!, countedCases[6]!, countedCases[7]!, countedCases[1]!]
  const timed = async (c: Case) => {
    const samples: number[] = []
    for (let i = 0; i < DISTANCE_SAMPLES; i++) {
      const started = performance.now()
      await send(instance(c))
      samples.push(performance.now() - started)
    }
    return median(samples)
  }
  const distance = []
  for (const c of distanceCases) {
    endpoint.setDelay(0)
    const near = await timed(c)
    endpoint.setDelay(DISTANCE_MS)
    const far = await timed(c)
    endpoint.setDelay(0)
    distance.push([c.name, near.toFixed(1), far.toFixed(1), ((far - near) / DISTANCE_MS).toFixed(2)])
  }
  table(['request', 'p50 ms, no delay', `p50 ms, ${DISTANCE_MS} ms delay`, 'round trips paid'], distance)

  // --- Part C: a screen, a page and a roster in one request ---------------------
  console.log(
    `\n## Part C: embedding, bulk creates, cast replacement (round trips counted by the SQL endpoint; p50 with no delay and with ${DISTANCE_MS} ms)`,
  )
  await db.query(
    'insert into castings (movie_id, actor_id, fee) select m, a, 100 from generate_series(2, 100) as m, generate_series(1, 10) as a on conflict do nothing',
  )
  const read = (path: string): Case => ({ name: path, path, role: 'assistant', expect: 200 })
  const newActor = () => ({ name: `Bulk ${unique()}`, age: 30 })
  const castOf50 = () => JSON.stringify({ cast: Array.from({ length: 50 }, (_, i) => ({ actor_id: 101 + i, fee: ++fee })) })
  const create = (body: unknown): Case => ({
    name: '',
    method: 'POST',
    path: '/actors',
    role: 'producer',
    body: JSON.stringify(body),
    expect: 201,
  })
  const screens: { name: string; steps: () => Case[]; rows?: number }[] = [
    { name: 'GET /movies/1?include=cast (20 cast)', steps: () => [read('/movies/1?include=cast')] },
    { name: 'GET /movies/1, then GET /movies/1/actors', steps: () => [read('/movies/1'), read('/movies/1/actors')] },
    { name: 'GET /movies?per_page=10&include=cast (10 cast each)', steps: () => [read('/movies?per_page=10&include=cast')] },
    {
      name: 'PUT /movies/3/actors, 50 entries',
      steps: () => [{ name: '', method: 'PUT', path: '/movies/3/actors', role: 'producer', body: castOf50(), expect: 200 }],
    },
    { name: 'POST /actors, an array of 100', steps: () => [create(Array.from({ length: 100 }, newActor))], rows: 100 },
    { name: 'POST /actors, 100 single creates in a row', steps: () => Array.from({ length: 100 }, () => create(newActor())), rows: 100 },
  ]
  const screenRows = []
  for (const screen of screens) {
    // A screen of 100 requests is its own average: one run of it with --quick, three otherwise.
    const samples = Math.max(quick ? 1 : 3, Math.round(DISTANCE_SAMPLES / screen.steps().length))
    const unexpected = new Map<number, number>()
    const run = async () => {
      const started = performance.now()
      for (const step of screen.steps()) {
        const status = await send(step)
        if (status !== step.expect) unexpected.set(status, (unexpected.get(status) ?? 0) + 1)
      }
      return performance.now() - started
    }
    const timedRuns = async () =>
      median(
        await Array.from({ length: samples }).reduce<Promise<number[]>>(async (all) => [...(await all), await run()], Promise.resolve([])),
      )
    endpoint.setDelay(0)
    endpoint.stats(true)
    const near = await timedRuns()
    const { requests } = endpoint.stats(true)
    endpoint.setDelay(DISTANCE_MS)
    const far = await timedRuns()
    endpoint.setDelay(0)
    screenRows.push({ ...screen, roundTrips: requests / samples, near, far, unexpected })
  }
  const rowsPerSecond = (ms: number, rows?: number) => (rows ? ((rows * 1000) / ms).toFixed(0) : '')
  table(
    [
      'request (one screen or write)',
      'unexpected statuses',
      'round trips',
      'p50 ms, no delay',
      `p50 ms, ${DISTANCE_MS} ms delay`,
      'rows created/s, no delay',
      `rows created/s, ${DISTANCE_MS} ms delay`,
    ],
    screenRows.map((r) => [
      r.name,
      r.unexpected.size === 0 ? 'all as expected' : [...r.unexpected].map(([status, n]) => `${n} × ${status}`).join(', '),
      r.roundTrips.toFixed(2),
      r.near.toFixed(1),
      r.far.toFixed(1),
      rowsPerSecond(r.near, r.rows),
      rowsPerSecond(r.far, r.rows),
    ]),
  )
  const [bulk, singles] = screenRows.slice(-2)
  console.log(
    `bulk against single creates, rows/s: ${(singles!.near / bulk!.near).toFixed(1)}× with no delay, ${(singles!.far / bulk!.far).toFixed(1)}× with ${DISTANCE_MS} ms`,
  )

  // --- growth -------------------------------------------------------------------
  // The same requests on a small and on a large table (scripts/lib/sample-data.ts), each behind
  // a stack of its own, taken in turn so that the machine's noise falls on both alike: a cursor
  // page and a single read should cost the same on both; a plain page counts every match.
  const [small, large] = GROWTH_SIZES
  console.log(`\n## Growth: the same requests on ${small} and on ${large} actors, in turn, median of ${GROWTH_ROUNDS} each (ms)`)
  await db.query('truncate table castings, actors, movies restart identity cascade')
  const largePort = await freePort()
  largeStack = await startDevStack({ port: largePort, dataDir, databaseUrl: largeDb.url, quiet: true })
  // A million rows take longer than the database's 4 s statement limit allows.
  const largeClient = new pg.Client({ connectionString: largeDb.url, options: '-c statement_timeout=0' })
  await largeClient.connect()
  for (const [client, rows] of [
    [db, small],
    [largeClient, large],
  ] as const) {
    const started = performance.now()
    await insertSampleActors(client, 1, rows)
    await client.query('vacuum analyze actors')
    console.log(`${rows} actors made in ${((performance.now() - started) / 1000).toFixed(0)} s`)
  }
  await Promise.all([db.end(), largeClient.end()])
  const largeBase = `http://127.0.0.1:${largePort}`
  await waitForHealth(largeBase, largeStack.wrangler)
  const tables = [
    { base, rows: small },
    { base: largeBase, rows: large },
  ]
  const growthCases: Array<[string, (rows: number) => string]> = [
    ['GET /actors', () => '/actors'],
    ['GET /actors?q=priya', () => '/actors?q=priya'],
    ['GET /actors?gender=female&min_age=30&max_age=40', () => '/actors?gender=female&min_age=30&max_age=40'],
    ['GET /actors?sort=name&page=50', () => '/actors?sort=name&page=50'],
    ['GET /actors?after=<half the rows>', (rows) => `/actors?after=${rows / 2}`],
    [
      'GET /actors?after=<half>&gender=female&min_age=30&max_age=40',
      (rows) => `/actors?after=${rows / 2}&gender=female&min_age=30&max_age=40`,
    ],
    ['GET /actors?after=<half>&gender=agender', (rows) => `/actors?after=${rows / 2}&gender=agender`],
    ['GET /actors/777', () => '/actors/777'],
  ]
  const timedGet = async (at: string, path: string) => {
    const started = performance.now()
    const response = await fetch(`${at}${path}`, { headers: auth(tokenOf('assistant')) })
    await response.arrayBuffer()
    return { ms: performance.now() - started, status: response.status }
  }
  const samples = growthCases.map(() => tables.map(() => ({ ms: [] as number[], statuses: new Set<number>() })))
  for (const [, path] of growthCases) for (const { base: at, rows } of tables) await timedGet(at, path(rows)) // warm
  for (let round = 0; round < GROWTH_ROUNDS; round++) {
    for (const [i, [, path]] of growthCases.entries()) {
      // Which table goes first alternates, so neither always follows the other.
      for (const t of round % 2 ? [1, 0] : [0, 1]) {
        const { ms, status } = await timedGet(tables[t]!.base, path(tables[t]!.rows))
        samples[i]![t]!.ms.push(ms)
        samples[i]![t]!.statuses.add(status)
      }
    }
  }
  table(
    ['request', `${small} actors, ms`, `${large} actors, ms`, 'ratio', 'statuses'],
    growthCases.map(([name], i) => {
      const [few, many] = samples[i]!.map((sample) => ({ ms: median(sample.ms), statuses: [...sample.statuses].join(', ') }))
      return [
        name,
        few!.ms.toFixed(1),
        many!.ms.toFixed(1),
        `${(many!.ms / few!.ms).toFixed(2)}×`,
        few!.statuses === many!.statuses ? few!.statuses : `${few!.statuses} / ${many!.statuses}`,
      ]
    }),
  )

  // --- feed ---------------------------------------------------------------------
  // GET /events (API.md D1) on as many events as actors above: the events are topped up by a direct
  // insert in the arranging session, not through the API. A page from the middle of the walk should
  // cost the same on both (one range scan of events_txid_id_idx); then how soon a waiting request
  // wakes after a commit, and how often it asks the database while it waits.
  const [fewFeed, manyFeed] = FEED_SIZES
  console.log(
    `\n## Feed: GET /events?per_page=100 from the middle of the walk, on ${fewFeed} and on ${manyFeed} events, median of ${GROWTH_ROUNDS}`,
  )
  const middles: string[] = []
  for (const [url, target] of [
    [benchDb.url, fewFeed],
    [largeDb.url, manyFeed],
  ] as const) {
    const arranging = new pg.Pool({ connectionString: url, max: 1, options: '-c statement_timeout=0' })
    arranging.on('error', () => {})
    // Exactly `target` events, all written here; ten to a transaction id (older ones), as a busy feed has them.
    await arranging.query('truncate events')
    await arranging.query(
      `insert into events (txid, action, resource, keys, before, after)
       select greatest(1, txid_current() - ($1::int - i) / 10), 'update', 'actor', jsonb_build_object('actor_id', i % 1000 + 1),
         '{"id": 1, "name": "A", "age": 30, "gender": "Other"}', '{"id": 1, "name": "A", "age": 31, "gender": "Other"}'
       from generate_series(1, $1::int) as i`,
      [target],
    )
    await arranging.query('vacuum analyze events')
    const { rows } = await arranging.query<{ txid: string; id: string; count: string }>(
      'select txid::text, id::text, (select count(*) from events)::text as count from events order by txid, id offset (select count(*) / 2 from events) limit 1',
    )
    console.log(`${rows[0]!.count} events`)
    middles.push(encodeCursor(rows[0]!))
    await arranging.end()
  }
  const feedSamples = tables.map(() => [] as number[])
  const feedStatuses = new Set<number>()
  const timedFeed = async (t: number) => {
    const started = performance.now()
    const response = await fetch(`${tables[t]!.base}/events?per_page=100&after=${middles[t]}`, { headers: auth(tokenOf('producer')) })
    await response.arrayBuffer()
    feedStatuses.add(response.status)
    return performance.now() - started
  }
  for (const t of [0, 1]) await timedFeed(t) // warm
  for (let round = 0; round < GROWTH_ROUNDS; round++) for (const t of round % 2 ? [1, 0] : [0, 1]) feedSamples[t]!.push(await timedFeed(t))
  const [fewEvents, manyEvents] = feedSamples.map(median)
  table(
    ['request', `${fewFeed} events, ms`, `${manyFeed} events, ms`, 'ratio', 'statuses'],
    [
      [
        'GET /events?per_page=100&after=<middle>',
        fewEvents!.toFixed(1),
        manyEvents!.toFixed(1),
        `${(manyEvents! / fewEvents!).toFixed(2)}×`,
        [...feedStatuses].join(', '),
      ],
    ],
  )

  // Long polling: a reader waits at the end of the feed; an actor is created 1.5 s later.
  const WAKE_SAMPLES = quick ? 3 : 8
  const wakeUps: number[] = []
  const wakeUpsBound: number[] = []
  const perSecond: number[] = []
  for (let sample = 0; sample < WAKE_SAMPLES; sample++) {
    const token = tokenOf('producer')
    const end = (await (await fetch(`${base}/events?per_page=1000&after=${middles[0]}`, { headers: auth(token) })).json()) as {
      next_after: string
    }
    let last = end.next_after
    for (;;) {
      const page = (await (await fetch(`${base}/events?per_page=1000&after=${last}`, { headers: auth(token) })).json()) as {
        events: unknown[]
        next_after: string
      }
      last = page.next_after
      if (page.events.length === 0) break
    }
    endpoint.stats(true)
    const waitStarted = performance.now()
    let answered = 0
    const waiting = fetch(`${base}/events?wait=10&after=${last}`, { headers: auth(token) }).then(async (response) => {
      await response.arrayBuffer()
      answered = performance.now()
    })
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    const { statements: whileWaiting } = endpoint.stats(true)
    perSecond.push(whileWaiting / ((performance.now() - waitStarted) / 1000))
    const writing = performance.now()
    const created = await fetch(`${base}/actors`, {
      method: 'POST',
      headers: { ...auth(token), 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Wake', age: 1 }),
    })
    await created.arrayBuffer()
    const committed = performance.now()
    await waiting
    // The commit is somewhere between the POST's start and its answer: the wake-up is between these two.
    wakeUps.push(answered - committed)
    wakeUpsBound.push(answered - writing)
  }
  table(
    ['long poll (wait=10)', 'median', 'max'],
    [
      ['wake-up after the write answered, ms', median(wakeUps).toFixed(0), Math.max(...wakeUps).toFixed(0)],
      ['wake-up after the write was sent, ms (an upper bound)', median(wakeUpsBound).toFixed(0), Math.max(...wakeUpsBound).toFixed(0)],
      ['statements per second while waiting', median(perSecond).toFixed(2), Math.max(...perSecond).toFixed(2)],
    ],
  )

  // --- bundle -------------------------------------------------------------------
  await retentionBench({ server: SERVER, quick })

  console.log('\n## Bundle: wrangler deploy --dry-run --env production (npm run size says where the bytes go)')
  const outdir = mkdtempSync(join(tmpdir(), 'casting-bundle-'))
  try {
    const { code, gzipBytes } = buildProductionBundle(outdir)
    table(
      ['bundle', 'KiB'],
      [
        ['minified', (code.length / 1024).toFixed(0)],
        ['gzip', (gzipBytes / 1024).toFixed(0)],
      ],
    )
  } catch (error) {
    console.log(`wrangler deploy --dry-run failed: ${(error as Error).message.split('\n')[0]}`)
  } finally {
    rmSync(outdir, { recursive: true, force: true })
  }
} finally {
  await stack?.stop()
  await largeStack?.stop()
  rmSync(dataDir, { recursive: true, force: true })
  await benchDb.drop().catch(() => {})
  await pgbenchDb.drop().catch(() => {})
  await largeDb.drop().catch(() => {})
}

// --- helpers ------------------------------------------------------------------

async function serverCounters() {
  const client = new pg.Client({ connectionString: SERVER })
  await client.connect()
  try {
    const { rows } = await client.query<{ sessions: string; transactions: string }>(
      'select sessions, xact_commit + xact_rollback as transactions from pg_stat_database where datname = $1',
      [new URL(benchDb.url).pathname.slice(1)],
    )
    return { sessions: Number(rows[0]?.sessions), transactions: Number(rows[0]?.transactions) }
  } finally {
    await client.end()
  }
}

/** autocannon in its own process (scripts/lib/load-generator.ts), tokens taken in turn. */
async function autocannon(
  c: { method?: LoadOptions['method']; path: string; role?: Role; body?: string; headers?: Record<string, string>; expect: number },
  tokens: string[],
) {
  const options: LoadOptions = {
    url: `${base}${c.path}`,
    method: c.method ?? 'GET',
    body: c.body,
    headers: c.headers,
    tokens,
    connections: CONNECTIONS,
    seconds: LOAD_SECONDS,
  }
  const child = spawn(process.execPath, [join(root, 'scripts/lib/load-generator.ts'), JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  child.stdout.on('data', (chunk) => {
    out += chunk
  })
  await new Promise((resolve) => child.once('exit', resolve))
  const result = JSON.parse(out) as LoadResult
  const total = Object.values(result.statuses).reduce((sum, n) => sum + n, 0)
  return { rps: result.rps, p50: result.p50, p99: result.p99, total, ok: result.statuses[String(c.expect)] ?? 0 }
}

/** The workerd processes under wrangler dev: its proxy and the Worker itself. */
function workerdPids(wranglerPid: number): number[] {
  const children = (pid: number): number[] => {
    try {
      return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
    } catch {
      return []
    }
  }
  const found: number[] = []
  const queue = [wranglerPid]
  while (queue.length > 0) {
    const pid = queue.shift()!
    if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'workerd') found.push(pid)
    queue.push(...children(pid))
  }
  return found
}

/** User and system CPU time of some processes, in ms. */
function processCpuMs(pids: number[]): number {
  let ticks = 0
  for (const pid of pids) {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    ticks += Number(fields[11]) + Number(fields[12]) // utime and stime, in clock ticks of 1/100 s
  }
  return (ticks * 1000) / 100
}

function median(values: number[]) {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
}

function table(header: string[], rows: string[][]) {
  console.log(`| ${header.join(' | ')} |`)
  console.log(`|${header.map(() => '---').join('|')}|`)
  for (const row of rows) console.log(`| ${row.join(' | ')} |`)
}
