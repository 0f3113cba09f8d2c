import pg from 'pg'
import { migrateServer } from './migrate.ts'

export type ScratchDatabase = { url: string; drop(): Promise<void> }

/** Runs one statement on `serverUrl` in a connection of its own. */
async function runOn(serverUrl: string, statement: string) {
  const client = new pg.Client({ connectionString: serverUrl })
  await client.connect()
  try {
    return await client.query(statement)
  } finally {
    await client.end()
  }
}

/**
 * A new, uniquely named database on the server of `serverUrl`, migrated unless
 * asked not to, for one run of a test or a benchmark; `drop()` removes it.
 */
export async function createScratchDatabase(serverUrl: string, prefix: string, { migrate = true } = {}): Promise<ScratchDatabase> {
  const name = `${prefix}_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`
  await runOn(serverUrl, `create database ${name}`)
  const url = Object.assign(new URL(serverUrl), { pathname: `/${name}` }).toString()
  if (migrate) await migrateServer(url)
  return { url, drop: () => runOn(serverUrl, `drop database if exists ${name} with (force)`).then(() => {}) }
}
