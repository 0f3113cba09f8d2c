import pg from 'pg'
import { migrateServer } from '../../scripts/lib/migrate.ts'
import { startEmbeddedPostgres } from '../../scripts/lib/pglite.ts'

export type TestDatabase = { url: string; close(): Promise<void> }

/**
 * A migrated, empty database for one test run: a fresh database on
 * TEST_DATABASE_URL's server, or PGlite in memory.
 */
export async function startTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL
  if (!serverUrl) {
    const embedded = await startEmbeddedPostgres()
    return { url: `postgres://postgres@127.0.0.1:${embedded.port}/postgres`, close: () => embedded.close() }
  }
  const name = `casting_test_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`
  const admin = async (query: string) => {
    const client = new pg.Client({ connectionString: serverUrl })
    await client.connect()
    try {
      await client.query(query)
    } finally {
      await client.end()
    }
  }
  await admin(`create database ${name}`)
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  await migrateServer(url.toString())
  return { url: url.toString(), close: () => admin(`drop database if exists ${name} with (force)`) }
}
