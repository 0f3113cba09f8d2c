import { startEmbeddedPostgres } from '../../scripts/lib/pglite.ts'
import { createScratchDatabase } from '../../scripts/lib/scratch-database.ts'

export type TestDatabase = { url: string; close(): Promise<void> }

/**
 * A migrated, empty database for one test run: a fresh database on
 * TEST_DATABASE_URL's server, or PGlite in memory.
 */
export async function startTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL
  if (serverUrl) {
    const scratch = await createScratchDatabase(serverUrl, 'casting_test')
    return { url: scratch.url, close: scratch.drop }
  }
  const embedded = await startEmbeddedPostgres()
  return { url: `postgres://postgres@127.0.0.1:${embedded.port}/postgres`, close: () => embedded.close() }
}
