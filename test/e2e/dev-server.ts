// `npm run test:e2e`: `npm run dev` as a person uses it. The README's quick
// start does what the README says (./quick-start.ts); it answers /health
// within 60 s on a fresh data folder; what is written survives a restart;
// stopping it (SIGTERM, as Ctrl-C's SIGINT) leaves nothing listening; and
// `DATABASE_URL=… npm run db:migrate` migrates a server's database, whose
// password then reaches no process's command line of `npm run dev`; it is
// sealed: tried as another local user, nothing it listens on answers without a
// secret, the database is on a Unix socket only, and the debugger is off unless
// `npm run dev -- --inspect` (./sealed.ts).
// Every response is also checked against /openapi.json (scripts/lib/contract.ts).
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { createChecks } from '../../scripts/lib/checks.ts'
import { type Contract, loadContract } from '../../scripts/lib/contract.ts'
import { mintDevToken } from '../../scripts/lib/dev-issuer.ts'
import { startDevServer } from '../../scripts/lib/dev-server.ts'
import { migrationsFolder, root } from '../../scripts/lib/paths.ts'
import { createScratchDatabase } from '../../scripts/lib/scratch-database.ts'
import { commandLines, endpointSecret, runQuickStart } from './quick-start.ts'
import { checkInspectorOpen, checkSealed } from './sealed.ts'

const { check, finish } = createChecks()

const fresh = mkdtempSync(join(tmpdir(), 'casting-quick-start-'))
try {
  await runQuickStart(fresh, check)
} finally {
  rmSync(fresh, { recursive: true, force: true })
}

// A DATABASE_URL with a password (the PostgreSQL server trusts this machine and ignores it).
const scratch = await createScratchDatabase(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', 'casting_e2e', {
  migrate: false,
})
try {
  const password = `pw-${randomBytes(12).toString('hex')}`
  const databaseUrl = Object.assign(new URL(scratch.url), { password }).toString()
  // The README's step 5, `DATABASE_URL=… npm run db:migrate`, on an empty database.
  const migrated = spawnSync('npm', ['run', 'db:migrate'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    encoding: 'utf8',
  })
  const { entries } = JSON.parse(readFileSync(join(migrationsFolder, 'meta/_journal.json'), 'utf8')) as { entries: unknown[] }
  const client = new pg.Client({ connectionString: scratch.url })
  await client.connect()
  const applied = await client.query('select count(*)::int as n from drizzle.__drizzle_migrations').then(
    (r) => r.rows[0].n as number,
    () => 0,
  )
  await client.end()
  check(
    `DATABASE_URL=… npm run db:migrate applies every migration (${applied} of ${entries.length})`,
    migrated.status === 0 && migrated.stdout.includes('migrations applied') && applied === entries.length,
    migrated.stdout + migrated.stderr,
  )
  const withPassword = await startDevServer({ env: { DATABASE_URL: databaseUrl } })
  const secret = endpointSecret(withPassword.dataDir)
  const carrying = commandLines().filter((line) => line.includes(password) || line.includes(secret))
  await withPassword.stop()
  check(
    'with a DATABASE_URL, neither its password nor the endpoint secret is on any command line',
    carrying.length === 0,
    carrying.join('\n    '),
  )
} catch (error) {
  check('the DATABASE_URL check ran to the end', false, String(error))
} finally {
  await scratch.drop().catch(() => {})
}

const dataDir = mkdtempSync(join(tmpdir(), 'casting-e2e-'))
let contract: Contract | undefined
try {
  const first = await startDevServer({ dataDir })
  check(`a fresh npm run dev answers /health within 60 s (${(first.startedInMs / 1000).toFixed(1)} s)`, first.startedInMs < 60_000)
  contract = await loadContract(`${first.base}/openapi.json`)
  const { fetch } = contract
  const health = await (await fetch(`${first.base}/health`)).json()
  check(
    '/health answers the contract body',
    JSON.stringify(health) === '{"success":true,"status":"ok","database":"ok"}',
    JSON.stringify(health),
  )

  const token = await mintDevToken('producer', { folder: dataDir })
  const created = await fetch(`${first.base}/actors`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'Persistent Pat', age: 41 }),
  })
  const { actor } = (await created.json()) as { actor: { id: number } }
  check('a development token creates an actor', created.status === 201, String(created.status))

  // Each request used to hold a database connection, and the embedded server refuses past 100.
  const burst = await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      fetch(`${first.base}/actors`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: `Burst ${i}`, age: i % 151 }),
      }).then(async (response) => ({ status: response.status, body: (await response.json()) as { created?: number } })),
    ),
  )
  const created201 = burst.filter((r) => r.status === 201).length
  const distinct = new Set(burst.map((r) => r.body.created)).size
  check(
    `200 parallel creates all answer 201 with distinct ids (${created201} × 201, ${distinct} ids)`,
    created201 === 200 && distinct === 200,
    JSON.stringify(burst.filter((r) => r.status !== 201).slice(0, 3)),
  )
  // API.md D5: tried as another local user, while it runs.
  checkSealed(check, { pgid: first.pid, workerPort: Number(new URL(first.base).port) })
  await first.stop()
  const afterStop = await globalThis.fetch(`${first.base}/health`).then(
    () => 'answered',
    () => 'refused',
  )
  check('stopping npm run dev leaves nothing answering on its port', afterStop === 'refused')

  const second = await startDevServer({ dataDir })
  const fetched = await fetch(`${second.base}/actors/${actor.id}`, { headers: { Authorization: `Bearer ${token}` } })
  const body = (await fetched.json()) as { actor?: { name: string } }
  check(
    'the actor is still there after a restart, and the old token still works',
    body.actor?.name === 'Persistent Pat',
    JSON.stringify(body),
  )
  await second.stop()

  // The debugger the check above finds closed, opened on request.
  const inspecting = await startDevServer({ args: ['--inspect'] })
  checkInspectorOpen(check, { pgid: inspecting.pid })
  await inspecting.stop()
} catch (error) {
  check('the dev server check ran to the end', false, String(error))
} finally {
  rmSync(dataDir, { recursive: true, force: true })
}
if (contract) {
  const flagged = contract.exchanges.filter((e) => e.violations.length > 0)
  check(
    `every response matched /openapi.json (${contract.exchanges.length} checked)`,
    contract.exchanges.length > 0 && flagged.length === 0,
    flagged.map((e) => `${e.method} ${e.path} ${e.status}: ${e.violations.join('; ')}`).join('\n    '),
  )
}

finish()
