import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import pg from 'pg'
import * as schema from '../../src/db/schema.ts'
import { explicitConfig } from './dev-vars.ts'
import { migrateServer } from './migrate.ts'
import { dataDir, devServerFile } from './paths.ts'
import { startEmbeddedPostgres } from './pglite.ts'

type AnyDatabase = PgDatabase<PgQueryResultHKT, typeof schema>

/**
 * The database `npm run dev` serves, for Node-side scripts (seed, migrate):
 * DATABASE_URL if set; else the embedded one, through the running dev server
 * when there is one (PGlite's folder admits one process), or opened directly.
 */
export async function withDevDatabase<T>(work: (db: AnyDatabase) => Promise<T>): Promise<T> {
  const runtimeFile = devServerFile()
  const url =
    explicitConfig().DATABASE_URL ??
    (existsSync(runtimeFile) ? (JSON.parse(readFileSync(runtimeFile, 'utf8')) as { databaseUrl: string }).databaseUrl : undefined)
  if (url) {
    await migrateServer(url)
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      return await work(drizzlePg({ client, schema }) as unknown as AnyDatabase)
    } finally {
      await client.end()
    }
  }
  const embedded = await startEmbeddedPostgres({ dataDir: join(dataDir, 'pglite') })
  try {
    return await work(drizzlePglite({ client: embedded.db, schema }) as unknown as AnyDatabase)
  } finally {
    await embedded.close()
  }
}
