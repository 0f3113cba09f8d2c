import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
 * seconds to start and migrate, so it is served on a Unix socket in a folder
 * made now (0700, as the dev stack's), and `ready` settles once it answers
 * there. A server's database is ready at once.
 */
export async function startTestDatabaseInBackground(): Promise<TestDatabase & { ready: Promise<void> }> {
  const serverUrl = process.env.TEST_DATABASE_URL
  if (serverUrl) {
    const scratch = await createScratchDatabase(serverUrl, 'casting_test')
    return { url: scratch.url, close: scratch.drop, ready: Promise.resolve() }
  }
  const socketDir = mkdtempSync(join(tmpdir(), 'casting-pglite-'))
  const embedded = startEmbeddedPostgres({ socketDir })
  // Whoever awaits `ready` sees a failure to start; this only keeps it from being reported twice.
  embedded.catch(() => {})
  return {
    url: `postgres://postgres@localhost/postgres?host=${encodeURIComponent(socketDir)}`,
    ready: embedded.then(() => {}),
    close: async () => {
      await embedded.then((db) => db.close()).catch(() => {})
      rmSync(socketDir, { recursive: true, force: true })
    },
  }
}
