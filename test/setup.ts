import { getTableName, sql } from 'drizzle-orm'
import { beforeAll, beforeEach } from 'vitest'
import { events, eventsPurged, idempotencyKeys, webhooks } from '../src/db/schema'
import { resources } from '../src/resources/index'
import { documentOfTheApi, setDatabase, withDb } from './helpers'

// The document every 2xx body is checked against (test/helpers.ts `fetchWorker`), read
// before any test runs, so that no test's spies or counters see that request.
beforeAll(async () => {
  await documentOfTheApi()
})

// Every registered table (src/resources/index.ts): a CTE deleting its rows, and the setval that starts its ids from 1 again.
const deleteEvery = sql.join(
  resources.map(({ table }) => sql`${sql.identifier(`deleted_${getTableName(table)}`)} as (delete from ${table})`),
  sql`, `,
)
const restartEvery = sql.join(
  resources.map(({ table }) => sql`setval(pg_get_serial_sequence(${getTableName(table)}, 'id'), 1, false)`),
  sql`, `,
)

// Every test starts from empty tables with ids from 1, and a reachable database.
// DELETE and setval in one statement, not TRUNCATE: on tables this small,
// TRUNCATE's new files cost 4 ms a test on PGlite and 12 ms on the server,
// this about 1 ms. Deleting the actors and movies deletes their castings (on delete cascade).
beforeEach(async () => {
  await setDatabase('up')
  // One batch, one round trip: the history triggers record the deletes, so the events go after them.
  await withDb((db) =>
    db.batch([
      db.execute(sql`with ${deleteEvery} select ${restartEvery}`),
      db.execute(
        sql`with deleted_keys as (delete from ${idempotencyKeys}), deleted_mark as (delete from ${eventsPurged}), deleted_hooks as (delete from ${webhooks}) delete from ${events}`,
      ),
    ]),
  )
})
