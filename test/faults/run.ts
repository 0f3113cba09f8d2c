// `npm run test:faults`: the dev stack in front of the PostgreSQL server, and
// the server misbehaving under it. A backend killed mid-request leaves no
// partial write and answers 503; a statement stuck on a lock answers 503
// within the statement timeout; the service then recovers by itself.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { createChecks } from '../../scripts/lib/checks.ts'
import { mintDevToken } from '../../scripts/lib/dev-issuer.ts'
import { freePort, waitForHealth } from '../../scripts/lib/dev-server.ts'
import { type DevStack, startDevStack } from '../../scripts/lib/dev-stack.ts'
import { createScratchDatabase } from '../../scripts/lib/scratch-database.ts'
import { QUERY_TIMEOUT_MS } from '../../src/db/timeouts.ts'

const SERVER = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

const { check, finish } = createChecks()
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const scratch = await createScratchDatabase(SERVER, 'casting_faults', { migrate: false })
const name = new URL(scratch.url).pathname.slice(1)
const dataDir = mkdtempSync(join(tmpdir(), 'casting-faults-'))
let stack: DevStack | undefined
try {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  stack = await startDevStack({ port, dataDir, databaseUrl: scratch.url, quiet: true })
  await waitForHealth(base, stack.wrangler)
  const token = await mintDevToken('producer', { folder: dataDir })
  const call = async (method: string, path: string, body?: unknown) => {
    const started = Date.now()
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
      ms: Date.now() - started,
      retryAfter: response.headers.get('Retry-After'),
    }
  }
  const db = new pg.Client({ connectionString: scratch.url })
  await db.connect()
  await db.query(`insert into actors (name, age) values ('Ada', 36)`)
  const actorCount = async () => Number((await db.query('select count(*) from actors')).rows[0].count)
  const waitingBackend = async () => {
    for (let i = 0; i < 50; i++) {
      const { rows } = await db.query(
        `select pid from pg_stat_activity where datname = $1 and application_name = 'sql-endpoint' and wait_event_type = 'Lock'`,
        [name],
      )
      if (rows[0]) return rows[0].pid as number
      await sleep(100)
    }
    return undefined
  }

  // 1. A statement stuck on a lock: the server cancels it at the database's statement_timeout (migrations/0002).
  const holder = new pg.Client({ connectionString: scratch.url })
  await holder.connect()
  await holder.query('begin')
  await holder.query('select * from actors where id = 1 for update')
  const stuck = await call('PATCH', '/actors/1', { age: 37 })
  await holder.query('rollback')
  check(
    `a PATCH stuck on a row lock answers 503 once the database's statement_timeout cancels it, before the Worker's ${QUERY_TIMEOUT_MS / 1000} s (${stuck.status} in ${stuck.ms} ms)`,
    stuck.status === 503 && stuck.body.message === 'database unavailable.' && stuck.ms < QUERY_TIMEOUT_MS && stuck.retryAfter !== null,
    JSON.stringify(stuck),
  )
  const unstuck = await call('PATCH', '/actors/1', { age: 37 })
  check(`once the lock is gone, the same PATCH succeeds (${unstuck.status})`, unstuck.status === 200, JSON.stringify(unstuck.body))

  // 2. A backend killed mid-request: a create waiting on a table lock, terminated.
  const before = await actorCount()
  await holder.query('begin')
  await holder.query('lock table actors in share mode')
  const pending = call('POST', '/actors', { name: 'Half-made', age: 40 })
  const victim = await waitingBackend()
  const terminated = victim !== undefined && (await db.query('select pg_terminate_backend($1) as ok', [victim])).rows[0].ok
  const killed = await pending
  await holder.query('rollback')
  check(
    `a create whose backend is terminated mid-request answers 503 (${killed.status}, backend ${victim ?? 'not found'})`,
    terminated === true && killed.status === 503 && killed.body.message === 'database unavailable.',
    JSON.stringify(killed),
  )
  const half = await db.query(`select count(*) from actors where name = 'Half-made'`)
  check(
    `it left no partial write (${await actorCount()} actors, ${before} before)`,
    (await actorCount()) === before && Number(half.rows[0].count) === 0,
  )

  // 3. Every pooled connection killed while idle, as a server restart would.
  await db.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and application_name = 'sql-endpoint'`, [name])
  await sleep(200)
  const statuses: number[] = []
  for (let i = 0; i < 5; i++) statuses.push((await call('POST', '/actors', { name: `After ${i}`, age: 30 })).status)
  check(
    `after the server dropped every connection, the service recovers by itself (${statuses.join(', ')})`,
    statuses.slice(-3).every((s) => s === 201),
  )
  check(
    'a 503 on the way is the only other answer',
    statuses.every((s) => s === 201 || s === 503),
  )

  await holder.end()
  await db.end()
} catch (error) {
  check('the fault checks ran to the end', false, String(error))
} finally {
  await stack?.stop()
  rmSync(dataDir, { recursive: true, force: true })
  await scratch.drop().catch(() => {})
}

finish()
