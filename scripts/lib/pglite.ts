import { chmodSync, mkdirSync, readdirSync } from 'node:fs'
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

type EmbeddedPostgres = { db: PGlite; port: number; close(): Promise<void> }

/**
 * PGlite, migrated, listening as a Postgres server on 127.0.0.1.
 * `dataDir` undefined keeps it in memory (tests); a folder keeps it on disk (dev).
 * `port` 0 takes a free one; the tests choose it up front, to start PGlite while workerd starts.
 */
export async function startEmbeddedPostgres(dataDir?: string, port = 0): Promise<EmbeddedPostgres> {
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
  // PGlite is one connection; the server multiplexes the Worker's pools onto it.
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections: 100 })
  await server.start()
  const address = server.getServerConn()
  return {
    db,
    port: Number(address.split(':').at(-1)),
    async close() {
      await server.stop()
      await db.close()
    },
  }
}

/** Folders 0700 and files 0600, all the way down. */
function ownerOnly(path: string) {
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.isDirectory()) ownerOnly(join(path, entry.name))
    else chmodSync(join(path, entry.name), 0o600)
  }
  chmodSync(path, 0o700)
}
