import { createServer } from 'node:net'
import { startEmbeddedPostgres } from '../../scripts/lib/pglite.ts'
import { createScratchDatabase } from '../../scripts/lib/scratch-database.ts'

export type TestDatabase = { url: string; close(): Promise<void> }

/**
 * A migrated, empty database for one test run: a fresh database on
 * TEST_DATABASE_URL's server, or PGlite in memory.
 */
export async function startTestDatabase(): Promise<TestDatabase> {
  const database = await startTestDatabaseInBackground()
  await database.ready
  return database
}

/**
 * The same, answering with its URL before PGlite has started: PGlite takes
 * seconds to start and migrate, so it listens on a port chosen now, and
 * `ready` settles once it answers there. A server's database is ready at once.
 */
export async function startTestDatabaseInBackground(): Promise<TestDatabase & { ready: Promise<void> }> {
  const serverUrl = process.env.TEST_DATABASE_URL
  if (serverUrl) {
    const scratch = await createScratchDatabase(serverUrl, 'casting_test')
    return { url: scratch.url, close: scratch.drop, ready: Promise.resolve() }
  }
  const port = await freePort()
  const embedded = startEmbeddedPostgres(undefined, port)
  // Whoever awaits `ready` sees a failure to start; this only keeps it from being reported twice.
  embedded.catch(() => {})
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    ready: embedded.then(() => {}),
    close: () => embedded.then((db) => db.close()),
  }
}

/** A port nothing listens on now, from the system. */
function freePort() {
  return new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}
