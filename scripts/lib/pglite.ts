import { chmodSync, lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'
import { drizzle } from 'drizzle-orm/pglite'
import { migrate } from 'drizzle-orm/pglite/migrator'
import { migrationsFolder } from './paths.ts'

/**
 * How many connections the SQL endpoint keeps to PGlite: one. PGlite is one
 * session, and its socket server interleaves the messages of its clients
 * outside a transaction; a transaction (a `db.batch()`) on one connection
 * among statements on others let a Bind meet another client's Parse
 * ("bind message supplies 4 parameters, but prepared statement requires 2").
 * One connection sends one statement at a time, as the one session runs them.
 */
export const PGLITE_CONNECTIONS = 1

type EmbeddedPostgres = {
  db: PGlite
  /** How `pg` (and the SQL endpoint, through `databaseTarget`) reaches it: its Unix socket, when it serves one. */
  url?: string
  close(): Promise<void>
}

/** The name Postgres gives its socket in a folder, which `pg` looks for given the folder as `host`. */
const SOCKET_NAME = '.s.PGSQL.5432'

/**
 * PGlite, migrated. `dataDir` undefined keeps it in memory (tests); a folder
 * keeps it on disk (dev). Given `socketDir`, it also serves Postgres's protocol
 * there, on a Unix socket and no TCP port: PGlite's socket server asks no
 * password (anyone who connects is its superuser), so only who may enter the
 * folder may connect. The folder must be its owner's alone (0700); the socket
 * is made 0600 as well.
 */
export async function startEmbeddedPostgres({
  dataDir,
  socketDir,
}: {
  dataDir?: string
  socketDir?: string
} = {}): Promise<EmbeddedPostgres> {
  // pg_trgm ships with PGlite but must be loaded; the migrations create it.
  if (dataDir) mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const db = await PGlite.create(dataDir, { extensions: { pg_trgm } })
  // PGlite writes its files 0666 whatever the umask; the database is its owner's alone.
  if (dataDir) ownerOnly(dataDir)
  // PGlite keeps the database's statement_timeout (migrations/0002) but applies
  // it to no session and cancels nothing (no timers in its WebAssembly build);
  // should it ever, the migrator lifts it for itself, as on a server.
  await db.exec('set statement_timeout = 0')
  await migrate(drizzle({ client: db }), { migrationsFolder })
  await db.exec('reset statement_timeout')
  if (!socketDir) return { db, close: () => db.close() }

  if ((lstatSync(socketDir).mode & 0o077) !== 0)
    throw new Error(`${socketDir} must be its owner's alone (0700) to hold the database's socket`)
  const path = join(socketDir, SOCKET_NAME)
  await removeStaleSocket(path)
  // PGlite is one connection; the server multiplexes the Worker's pools onto it.
  const server = new PGLiteSocketServer({ db, path, maxConnections: 100 })
  await server.start()
  chmodSync(path, 0o600)
  return {
    db,
    url: `postgres://postgres@localhost/postgres?host=${encodeURIComponent(socketDir)}`,
    async close() {
      await server.stop()
      await db.close()
      rmSync(path, { force: true })
    },
  }
}

/** A socket left by a run that was killed refuses connections: remove it. One that answers belongs to a running dev. */
async function removeStaleSocket(path: string) {
  const exists = (() => {
    try {
      return lstatSync(path).isSocket()
    } catch {
      return false
    }
  })()
  if (!exists) return
  const answering = await new Promise<boolean>((resolve) => {
    const probe = connect(path)
    probe.once('connect', () => {
      probe.destroy()
      resolve(true)
    })
    probe.once('error', () => resolve(false))
  })
  if (answering) throw new Error(`${path}: another process serves a database here (is npm run dev already running on this data folder?)`)
  rmSync(path)
}

/** Folders 0700 and files 0600, all the way down. */
function ownerOnly(path: string) {
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.isDirectory()) ownerOnly(join(path, entry.name))
    else chmodSync(join(path, entry.name), 0o600)
  }
  chmodSync(path, 0o700)
}
