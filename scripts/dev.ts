// `npm run dev`: the API on http://localhost:8787 with everything it needs.
// With no DATABASE_URL, an embedded Postgres (PGlite) kept in .data/; with no
// Auth0 settings, a local development issuer. Neither is part of the Worker:
// they reach it only as configuration, through `wrangler dev --var`.
import { spawn } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startBridge } from './lib/bridge.ts'
import { startDevIssuer } from './lib/dev-issuer.ts'
import { explicitConfig, isLocalDatabase } from './lib/dev-vars.ts'
import { prepareDocsAssets } from './lib/docs-assets.ts'
import { migrateServer } from './lib/migrate.ts'
import { dataDir, root } from './lib/paths.ts'
import { startEmbeddedPostgres } from './lib/pglite.ts'

const port = Number(process.env.PORT ?? 8787)
const explicit = explicitConfig()
const supplied: Record<string, string> = {}
const cleanups: Array<() => Promise<void> | void> = []

mkdirSync(dataDir, { recursive: true })
prepareDocsAssets()

let databaseUrl = explicit.DATABASE_URL
if (!databaseUrl) {
  const embedded = await startEmbeddedPostgres(join(dataDir, 'pglite'))
  cleanups.push(() => embedded.close())
  databaseUrl = `postgres://postgres@127.0.0.1:${embedded.port}/postgres`
  supplied.DATABASE_URL = databaseUrl
  // Lets `npm run db:seed` reach this database while dev holds PGlite's folder.
  const runtimeFile = join(dataDir, 'dev-server.json')
  writeFileSync(runtimeFile, JSON.stringify({ databaseUrl }))
  cleanups.push(() => rmSync(runtimeFile, { force: true }))
  console.log(`[dev] embedded Postgres (PGlite) in ${join(dataDir, 'pglite')}, migrated`)
} else if (isLocalDatabase(databaseUrl)) {
  await migrateServer(databaseUrl)
  console.log(`[dev] using DATABASE_URL, migrated`)
} else {
  console.log('[dev] using DATABASE_URL as it is (run `npm run db:migrate` to migrate it)')
}

if (!explicit.DATABASE_WS_PROXY && isLocalDatabase(databaseUrl)) {
  const { hostname, port: dbPort } = new URL(databaseUrl)
  const bridge = await startBridge({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(dbPort || 5432) })
  cleanups.push(() => bridge.close())
  supplied.DATABASE_WS_PROXY = `127.0.0.1:${bridge.port}`
}

if (!explicit.AUTH0_DOMAIN && !explicit.AUTH0_ISSUER) {
  const issuer = await startDevIssuer()
  cleanups.push(() => issuer.close())
  Object.assign(supplied, issuer.config)
  console.log('[dev] local development issuer; get a token with `npm run token -- assistant|director|producer`')
}

// Values from the environment are passed on too; .dev.vars wrangler reads itself.
const vars = { ...supplied, ...Object.fromEntries(Object.entries(explicit).filter(([key]) => process.env[key])) }
const args = ['dev', '--port', String(port), ...Object.entries(vars).flatMap(([key, value]) => ['--var', `${key}:${value}`])]
const wrangler = spawn(join(root, 'node_modules/.bin/wrangler'), args, { stdio: 'inherit', cwd: root })

let stopping = false
async function stop(code: number) {
  if (stopping) return
  stopping = true
  wrangler.kill('SIGTERM')
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {})
  process.exit(code)
}
process.on('SIGINT', () => void stop(0))
process.on('SIGTERM', () => void stop(0))
wrangler.on('exit', (code) => void stop(code ?? 0))
