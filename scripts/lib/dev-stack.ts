import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startDevIssuer } from './dev-issuer.ts'
import { databaseTarget, explicitConfig, isLocalDatabase } from './dev-vars.ts'
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
 * configuration, through a file in `dataDir` only its owner can read (never
 * the command line, which `ps` shows every user of the machine).
 */
export async function startDevStack({
  port,
  dataDir = defaultDataDir,
  databaseUrl: given,
  quiet = false,
  inspect = false,
}: {
  port: number
  dataDir?: string
  /** Overrides DATABASE_URL (the bench points it at a scratch database). */
  databaseUrl?: string
  /** Hides wrangler's output (its request log), for the bench. */
  quiet?: boolean
  /** Opens the Worker's debugger (`npm run dev -- --inspect`); off by default, as it runs any code in the Worker for any local user. */
  inspect?: boolean
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
    // Everything this stack writes (PGlite's files, the issuer's keys, wrangler's
    // and workerd's state) is its owner's alone: the database URL, keys and logs
    // are local secrets. Children inherit the mask.
    process.umask(0o077)
    mkdirSync(dataDir, { recursive: true })
    chmodSync(dataDir, 0o700)
    prepareDocsAssets()

    let databaseUrl = given ?? explicit.DATABASE_URL
    const embedded = !databaseUrl
    if (!databaseUrl) {
      // Served on a Unix socket in dataDir (0700), never on a TCP port: PGlite asks no password.
      const pglite = await startEmbeddedPostgres({ dataDir: join(dataDir, 'pglite'), socketDir: dataDir })
      cleanups.push(() => pglite.close())
      databaseUrl = pglite.url as string
      // Lets `npm run db:seed` reach this database while dev holds PGlite's folder.
      const runtimeFile = devServerFile(dataDir)
      writeFileSync(runtimeFile, JSON.stringify({ databaseUrl }), { mode: 0o600 })
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
      // PGlite is one backend whose socket server interleaves several connections' messages: one connection for it.
      endpoint = await startSqlEndpoint({
        target: databaseTarget(databaseUrl),
        poolSize: embedded ? PGLITE_CONNECTIONS : undefined,
      })
      cleanups.push(() => endpoint?.close())
      supplied.DATABASE_HTTP_ENDPOINT = endpoint.url
    }

    if (!explicit.AUTH0_DOMAIN && !explicit.AUTH0_ISSUER) {
      const issuer = await startDevIssuer(dataDir)
      cleanups.push(() => issuer.close())
      Object.assign(supplied, issuer.config)
      log('local development issuer; get a token with `npm run token -- assistant|director|producer`')
    }

    // Webhooks (API.md D6): a local receiver may be on this machine; secrets are sealed with a key kept in the data
    // folder, so the webhooks a restart finds can still be signed. Deleting .data/ deletes both.
    supplied.WEBHOOK_ALLOW_LOOPBACK_HTTP = 'true'
    supplied.WEBHOOK_ENCRYPTION_KEY = localEncryptionKey(dataDir)

    // One file for wrangler, in place of .dev.vars (which `--env-file` makes it skip): all of
    // .dev.vars and the environment's keys, then what this stack supplies for the rest.
    const vars = { ...supplied, ...explicit }
    if (given) vars.DATABASE_URL = given
    const varsFile = join(dataDir, 'wrangler.env')
    writeFileSync(varsFile, dotEnv(vars), { mode: 0o600 })
    cleanups.push(() => rmSync(varsFile, { force: true }))
    // wrangler dev, through its API (scripts/lib/wrangler-dev.ts): its command line cannot turn the debugger off.
    const args = [
      join(root, 'scripts/lib/wrangler-dev.ts'),
      '--port',
      String(port),
      '--env-file',
      varsFile,
      ...(inspect ? ['--inspect'] : []),
    ]
    const wrangler = spawn(process.execPath, args, {
      stdio: quiet ? 'ignore' : 'inherit',
      cwd: root,
      env: {
        ...process.env,
        // wrangler reads the file only while this is on, and adds the whole environment to the bindings when the next is.
        CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV: 'true',
        CLOUDFLARE_INCLUDE_PROCESS_ENV: 'false',
        // Its local trace store (.wrangler/state/v3/observability) keeps every outgoing URL, the endpoint's secret among them.
        X_LOCAL_OBSERVABILITY: 'false',
      },
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

/** The data folder's WEBHOOK_ENCRYPTION_KEY (base64 of 32 random bytes), made on first use, readable by its owner only. */
function localEncryptionKey(dataDir: string) {
  const file = join(dataDir, 'webhook-encryption.key')
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 })
  return readFileSync(file, 'utf8').trim()
}

/**
 * `vars` as a .env file for `wrangler dev --env-file`, which parses it with
 * dotenv and then expands `$NAME` with dotenv-expand: each value is quoted
 * with a quote it does not contain, and its `$` escaped, so it arrives as it is.
 */
function dotEnv(vars: Record<string, string>) {
  return Object.entries(vars)
    .map(([key, value]) => {
      if (/[\r\n]/.test(value)) throw new Error(`${key}: a value on more than one line cannot be passed to wrangler`)
      const quote = ["'", '"', '`'].find((q) => !value.includes(q))
      if (!quote) throw new Error(`${key}: a value with every kind of quote cannot be passed to wrangler`)
      return `${key}=${quote}${value.replaceAll('$', '\\$')}${quote}\n`
    })
    .join('')
}
