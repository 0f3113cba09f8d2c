import { drizzle } from 'drizzle-orm/node-postgres'
import { migrate } from 'drizzle-orm/node-postgres/migrator'
import pg from 'pg'
import { migrationsFolder } from './paths.ts'

/**
 * Applies `folder`'s drizzle-kit migrations on `client`, without the
 * database's statement time limit (migrations/0002): an index build on a big
 * table may take minutes. The limit is lifted for this session only, and put
 * back after, for a session that outlives the migration (PGlite's one backend).
 */
export async function migrateWith(client: pg.Client, folder = migrationsFolder) {
  await client.query('set statement_timeout = 0')
  try {
    await migrate(drizzle({ client }), { migrationsFolder: folder })
  } finally {
    await client.query('reset statement_timeout')
  }
}

/** Applies the drizzle-kit migrations to a Postgres server. Idempotent. */
export async function migrateServer(databaseUrl: string) {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    await migrateWith(client)
  } finally {
    await client.end()
  }
}
