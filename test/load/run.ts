// `npm run test:load`: a bounded mixed load on `npm run dev` (PGlite), 60 s at
// 64 connections, reads and writes. Most requests are spread over enough
// token subjects that the rate limit never bites; one subject goes over it.
// Afterwards the database is read directly: every acknowledged create is
// there, and no acknowledged delete came back. Every response is checked
// against /openapi.json by Prism's validator (scripts/lib/contract.ts).
import pg from 'pg'
import { createChecks } from '../../scripts/lib/checks.ts'
import { loadContract } from '../../scripts/lib/contract.ts'
import { mintDevToken } from '../../scripts/lib/dev-issuer.ts'
import { startDevServer } from '../../scripts/lib/dev-server.ts'
import type { DeclaredResource } from '../../src/resources/declare.ts'
import { resources } from '../../src/resources/index.ts'

/** The registered resources besides actors, which the mix reads and writes most: each gets creates of its example. */
const others = (resources as readonly DeclaredResource[]).filter(({ many }) => many !== 'actors')

const SECONDS = Number(process.env.LOAD_SECONDS ?? 60)
const CONNECTIONS = 64
/** Connections of the one subject that goes over the limit: a quarter of the load, far over 600 a minute. */
const HOT_CONNECTIONS = 16
/** Subjects per ordinary connection: enough that none nears 600 requests a minute. */
const SUBJECTS_PER_CONNECTION = 4
const SEED = Number(process.env.LOAD_SEED ?? Date.now() % 2 ** 31)

const { check, finish } = createChecks()

/** A small seeded generator (mulberry32), so a run can be repeated from its printed seed. */
function random(seed: number) {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

type Tally = Map<number, number>
const count = (tally: Tally, status: number) => tally.set(status, (tally.get(status) ?? 0) + 1)
const show = (tally: Tally) =>
  [...tally]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${n} × ${status}`)
    .join(', ')

console.log(`# npm run test:load: ${SECONDS} s, ${CONNECTIONS} connections, seed ${SEED} (LOAD_SEED=${SEED} repeats it)`)
const dev = await startDevServer()
try {
  const contract = await loadContract(`${dev.base}/openapi.json`)
  const ordinary = CONNECTIONS - HOT_CONNECTIONS
  const tokens = await Promise.all(
    Array.from({ length: ordinary * SUBJECTS_PER_CONNECTION }, (_, i) =>
      mintDevToken('producer', { folder: dev.dataDir, subject: `load|subject-${i}` }),
    ),
  )
  const hotToken = await mintDevToken('producer', { folder: dev.dataDir, subject: 'load|over-the-limit' })

  const created = new Set<number>()
  const deleted = new Set<number>()
  /** The acknowledged creates of every other resource, by its path. */
  const createdOthers = new Map(others.map(({ many }) => [many, new Set<number>()]))
  const createdMovies = createdOthers.get('movies') ?? new Set<number>()
  const keyed = new Set<string>()
  const keyedSplit: string[] = []
  const ordinaryStatuses: Tally = new Map()
  const hotStatuses: Tally = new Map()
  const serverErrors: string[] = []
  const deadline = Date.now() + SECONDS * 1000
  const started = Date.now()

  const call = async (token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await contract.fetch(`${dev.base}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const json = (await response.json().catch(() => ({}))) as Record<string, unknown>
    if (response.status >= 500 && serverErrors.length < 5)
      serverErrors.push(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`)
    return { status: response.status, json }
  }

  async function ordinaryConnection(index: number) {
    const next = random(SEED + index)
    const mine: number[] = []
    const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]
    while (Date.now() < deadline) {
      const token = tokens[index * SUBJECTS_PER_CONNECTION + Math.floor(next() * SUBJECTS_PER_CONNECTION)]!
      const roll = next()
      const someActor = pick([...mine, 1 + Math.floor(next() * 50)])!
      let outcome: { status: number; json: Record<string, unknown> }
      if (roll < 0.3) outcome = await call(token, 'GET', `/actors?page=${1 + Math.floor(next() * 5)}&per_page=20`)
      else if (roll < 0.5) outcome = await call(token, 'GET', `/actors/${someActor}`)
      else if (roll < 0.6) {
        outcome = await call(token, 'POST', '/actors', { name: `Load ${index}-${mine.length}`, age: Math.floor(next() * 151) })
        if (outcome.status === 201) {
          const id = outcome.json.created as number
          created.add(id)
          mine.push(id)
        }
      } else if (roll < 0.7) {
        // A keyed create and its retry, sent at once as a client that timed out would: one actor, one id.
        const body = { name: `Keyed ${index}-${keyed.size}`, age: Math.floor(next() * 151) }
        const key = { 'Idempotency-Key': `load-${index}-${keyed.size}` }
        const answers = await Promise.all([call(token, 'POST', '/actors', body, key), call(token, 'POST', '/actors', body, key)])
        const ids = new Set(answers.filter((a) => a.status === 201).map((a) => a.json.created as number))
        keyed.add(body.name)
        if (ids.size > 1) keyedSplit.push(body.name)
        for (const id of ids) {
          created.add(id)
          mine.push(id)
        }
        for (const answer of answers.slice(1)) count(ordinaryStatuses, answer.status)
        outcome = answers[0]!
      } else if (roll < 0.8) {
        outcome = await call(token, 'PATCH', `/actors/${someActor}`, { age: Math.floor(next() * 151) })
      } else if (roll < 0.9 && mine.length > 0) {
        const id = mine.splice(Math.floor(next() * mine.length), 1)[0]!
        outcome = await call(token, 'DELETE', `/actors/${id}`)
        if (outcome.status === 200) deleted.add(id)
      } else if (roll < 0.95) {
        // Another resource's create (a movie, when movies are the only other), its example's, distinct from any other's.
        const { many, examples } = pick(others)!
        outcome = await call(token, 'POST', `/${many}`, examples.create(1_000_000 * (index + 1) + Math.floor(next() * 1_000_000)))
        if (outcome.status === 201) createdOthers.get(many)!.add(outcome.json.created as number)
      } else {
        const movie = pick([...createdMovies, 1])!
        outcome = await call(token, 'PUT', `/movies/${movie}/actors/${someActor}`, { fee: Math.round(next() * 1e6) / 100 })
      }
      count(ordinaryStatuses, outcome.status)
    }
  }

  /** A runaway client: a bad page number (400, no database) as fast as it is answered; each counts against its limit. */
  async function hotConnection() {
    while (Date.now() < deadline) count(hotStatuses, (await call(hotToken, 'GET', '/actors?page=0')).status)
  }

  // Something to read from the start.
  for (let i = 0; i < 50; i++) {
    const { status, json } = await call(tokens[0]!, 'POST', '/actors', { name: `Seed ${i}`, age: 30 })
    if (status === 201) created.add(json.created as number)
  }
  await Promise.all([
    ...Array.from({ length: ordinary }, (_, i) => ordinaryConnection(i)),
    ...Array.from({ length: HOT_CONNECTIONS }, () => hotConnection()),
  ])
  const elapsed = (Date.now() - started) / 1000

  const total = (tally: Tally) => [...tally.values()].reduce((sum, n) => sum + n, 0)
  const all = new Map(ordinaryStatuses)
  for (const [status, n] of hotStatuses) all.set(status, (all.get(status) ?? 0) + n)
  const fiveHundreds = [...all].filter(([status]) => status >= 500).reduce((sum, [, n]) => sum + n, 0)
  console.log(`\nrequests: ${total(all)} in ${elapsed.toFixed(1)} s (${(total(all) / elapsed).toFixed(0)} req/s)`)
  console.log(`ordinary subjects (${tokens.length}): ${show(ordinaryStatuses)}`)
  console.log(`the subject over the limit: ${show(hotStatuses)}`)
  const othersCreated = [...createdOthers].map(([many, ids]) => `${ids.size} ${many} created`)
  console.log(`acknowledged: ${created.size} actors created, ${deleted.size} deleted, ${othersCreated.join(', ')}`)

  const db = new pg.Client({ connectionString: dev.databaseUrl })
  await db.connect()
  const present = new Set((await db.query<{ id: number }>('select id from actors')).rows.map((r) => r.id))
  const lostOthers: string[] = []
  for (const [many, ids] of createdOthers) {
    const present = new Set((await db.query<{ id: number }>(`select id from ${many}`)).rows.map((r) => r.id))
    lostOthers.push(...[...ids].filter((id) => !present.has(id)).map((id) => `${many} ${id}`))
  }
  // Keyed names are unique per key: two rows of one name are a create made twice.
  const duplicated = (
    await db.query<{ name: string }>(`select name from actors where name like 'Keyed %' group by name having count(*) > 1`)
  ).rows.map((r) => r.name)
  // Every acknowledged create has its event, deleted or not (the history outlives the row).
  const unrecorded: string[] = []
  for (const { one, many, key } of resources as readonly DeclaredResource[]) {
    const ids = many === 'actors' ? created : createdOthers.get(many)!
    const { rows } = await db.query<{ id: number }>(
      // Qualified: a bare `id` inside the subquery is the event's own id.
      `select created.id from unnest($1::int[]) as created(id) where not exists (select 1 from events where resource = $2::text and action = 'create' and (keys ->> $3::text)::integer = created.id)`,
      [[...ids], one, key],
    )
    unrecorded.push(...rows.map((r) => `${one} ${r.id}`))
  }
  await db.end()
  const lost = [...created].filter((id) => !deleted.has(id) && !present.has(id))
  const resurrected = [...deleted].filter((id) => present.has(id))

  const flagged = contract.exchanges.filter((exchange) => exchange.violations.length > 0)
  check(
    `every response matched /openapi.json (${contract.exchanges.length} checked, ${flagged.length} flagged)`,
    contract.exchanges.length >= total(all) && flagged.length === 0,
    flagged
      .slice(0, 3)
      .map((e) => `${e.method} ${e.path} ${e.status}: ${e.violations.join('; ')}`)
      .join('\n    '),
  )
  check(`the load was bounded: ${elapsed.toFixed(1)} s for ${SECONDS} s asked`, elapsed < SECONDS + 30)
  check(`zero 5xx (${fiveHundreds})`, fiveHundreds === 0, serverErrors.join('\n    '))
  check(
    `zero lost acknowledged writes (${lost.length} actors, ${lostOthers.length} of the other resources)`,
    lost.length === 0 && lostOthers.length === 0,
    `${[...lost, ...lostOthers].slice(0, 10)}`,
  )
  check(`no deleted row came back (${resurrected.length})`, resurrected.length === 0, `${resurrected.slice(0, 10)}`)
  check(
    `keyed creates with their retries made no duplicate (${keyed.size} keys, ${duplicated.length} duplicated, ${keyedSplit.length} answered two ids)`,
    keyed.size > 0 && duplicated.length === 0 && keyedSplit.length === 0,
    `${[...duplicated, ...keyedSplit].slice(0, 5)}`,
  )
  check(`every acknowledged create has its event (${unrecorded.length} without)`, unrecorded.length === 0, `${unrecorded.slice(0, 10)}`)
  check(`no 429 for the ${tokens.length} subjects under the limit (${ordinaryStatuses.get(429) ?? 0})`, !ordinaryStatuses.has(429))
  check(`the subject over the limit was limited (${hotStatuses.get(429) ?? 0} × 429)`, (hotStatuses.get(429) ?? 0) > 0)
} catch (error) {
  check('the load test ran to the end', false, String(error))
} finally {
  await dev.stop()
}

finish()
