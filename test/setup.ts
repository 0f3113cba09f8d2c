import { sql } from 'drizzle-orm'
import { beforeEach } from 'vitest'
import { setDatabase, withDb } from './helpers'

// Every test starts from empty tables with ids from 1, and a reachable database.
beforeEach(async () => {
  await setDatabase('up')
  await withDb((db) => db.execute(sql`truncate table castings, actors, movies restart identity cascade`))
})
