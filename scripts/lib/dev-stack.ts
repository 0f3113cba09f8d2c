import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startDevIssuer } from './dev-issuer.ts'
import { explicitConfig, isLocalDatabase } from './dev-vars.ts'
import { prepareDocsAssets } from './docs-assets.ts'
import { migrateServer } from './migrate.ts'
import { dataDir as defaultDataDir, devServerFile, root } from './paths.ts'
import { PGLITE_CONNECTIONS, startEmbeddedPostgres } from './pglite.ts'
import { type SqlEndpoint, startSqlEndpoint } from './sql-endpoint.ts'

export type DevStack = {
  /** The Postgres URL the Worker is configured with. */
  databaseUrl: string
  /** The local SQL-over-HTTP endpoint, when the database is on this machine. */
  endpoint?: SqlEndpoint
  wrangler: ChildProcess
  stop(): Promise<void>
}

/**
 * What `npm run dev` runs: with no DATABASE_URL, an embedded Postgres (PGlite)
 * kept in `dataDir`; for a database on this machine, the SQL-over-HTTP
 * endpoint in front of it; with no Auth0 settings, a local development issuer;
 * then `wrangler dev`. Neither is part of the Worker: they reach it only as
 * configuration, through `wrangler dev --var`.
 */
export async function startDevStack({
  port,
  dataDir = defaultDataDir,
  databaseUrl: given,
  quiet = false,
}: {
  port: number
  dataDir?: string
  /** Overrides DATABASE_URL (the bench points it at a scratch database). */
  databaseUrl?: string
  /** Hides wrangler's output (its request log), for the bench. */
  quiet?: boolean
}): Promise<DevStack> {
  const log = (line: string) => quiet || console.log(`[dev] ${line}`)
  const explicit = explicitConfig()
  const supplied: Record<string, string> = {}
  const cleanups: Array<() => Promise<void> | void> = []
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {})
    cleanups.length = 0
  }

  try {
    mkdirSync(dataDir, { recursive: true })
    prepareDocsAssets()

    let databaseUrl = given ?? explicit.DATABASE_URL
    let embeddedUrl: string | undefined
    if (!databaseUrl) {
      const embedded = await startEmbeddedPostgres(join(dataDir, 'pglite'))
      cleanups.push(() => embedded.close())
      databaseUrl = `postgres://postgres@127.0.0.1:${embedded.port}/postgres`
      embeddedUrl = databaseUrl
      // Lets `npm run db:seed` reach this database while dev holds PGlite's folder.
      const runtimeFile = devServerFile(dataDir)
      writeFileSync(runtimeFile, JSON.stringify({ databaseUrl }))
      cleanups.push(() => rmSync(runtimeFile, { force: true }))
      log(`embedded Postgres (PGlite) in ${join(dataDir, 'pglite')}, migrated`)
    } else if (isLocalDatabase(databaseUrl)) {
      await migrateServer(databaseUrl)
      log('using DATABASE_URL, migrated')
    } else {
      log('using DATABASE_URL as it is (run `npm run db:migrate` to migrate it)')
    }
    supplied.DATABASE_URL = databaseUrl

    let endpoint: SqlEndpoint | undefined
    if (!explicit.DATABASE_HTTP_ENDPOINT && isLocalDatabase(databaseUrl)) {
      const { hostname, port: dbPort } = new URL(databaseUrl)
      const poolSize = supplied.DATABASE_URL === embeddedUrl ? PGLITE_CONNECTIONS : undefined
      endpoint = await startSqlEndpoint({ target: { host: hostname.replace(/^\[|\]$/g, ''), port: Number(dbPort || 5432) }, poolSize })
      cleanups.push(() => endpoint?.close())
      supplied.DATABASE_HTTP_ENDPOINT = endpoint.url
    }

    if (!explicit.AUTH0_DOMAIN && !explicit.AUTH0_ISSUER) {
      const issuer = await startDevIssuer(dataDir)
      cleanups.push(() => issuer.close())
      Object.assign(supplied, issuer.config)
      log('local development issuer; get a token with `npm run token -- assistant|director|producer`')
    }

    // Values from the environment are passed on too; .dev.vars wrangler reads itself.
    const vars = { ...supplied, ...Object.fromEntries(Object.entries(explicit).filter(([key]) => process.env[key])) }
    if (given) vars.DATABASE_URL = given
    const args = ['dev', '--port', String(port), ...Object.entries(vars).flatMap(([key, value]) => ['--var', `${key}:${value}`])]
    const wrangler = spawn(join(root, 'node_modules/.bin/wrangler'), args, {
      stdio: quiet ? 'ignore' : 'inherit',
      cwd: root,
    })
    cleanups.unshift(
      () =>
        new Promise<void>((resolve) => {
          if (wrangler.exitCode !== null || wrangler.signalCode !== null) return resolve()
          wrangler.once('exit', () => resolve())
          wrangler.kill('SIGTERM')
        }),
    )
    return { databaseUrl, endpoint, wrangler, stop }
  } catch (error) {
    await stop()
    throw error
  }
}
