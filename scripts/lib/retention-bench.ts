// API.md D5, "Storage keeps up": what the hourly upkeep removes per hour against
// what the API can write, both measured here on the same server. Writes go
// through the statements the API sends for its costliest mix (a cast
// replacement that swaps 500 actors: 1,000 events), from several writers at
// once, with no Worker in between, so they are an upper bound on what the API
// writes. The upkeep is src/scheduled.ts itself, run in Node against the same
// server through the SQL endpoint, as the Worker's Cron Trigger runs it.
import { sql } from 'drizzle-orm'
import pg from 'pg'
import { databaseFor } from '../../src/db/client.ts'
import type { Bindings } from '../../src/env.ts'
import { replaceCast } from '../../src/queries/castings.ts'
import { BATCH_ROWS, UPKEEP_BUDGET_MS, upkeep } from '../../src/scheduled.ts'
import { databaseTarget } from './dev-vars.ts'
import { createScratchDatabase } from './scratch-database.ts'
import { startSqlEndpoint } from './sql-endpoint.ts'

/** The per-subject rate limit (wrangler.toml's `[[ratelimits]]`), and the events its costliest request writes. */
const REQUESTS_PER_MINUTE = 600
const EVENTS_PER_REQUEST = 1_000

export async function retentionBench({ server, quick }: { server: string; quick: boolean }) {
  const database = await createScratchDatabase(server, 'casting_retention')
  const endpoint = await startSqlEndpoint({ target: databaseTarget(database.url) })
  const client = new pg.Client({ connectionString: database.url })
  await client.connect()
  try {
    await client.query('set statement_timeout = 0')
    const env = { DATABASE_URL: database.url, DATABASE_HTTP_ENDPOINT: endpoint.url, HISTORY_RETENTION_DAYS: '365' } as Bindings
    const db = databaseFor(env)

    // Writes: movies whose 500-actor casts swap between two halves of 1,000 actors, one writer per movie.
    const writers = 8
    await client.query(`insert into actors (name, age) select 'Actor ' || n, 40 from generate_series(1, 1000) n`)
    await client.query(`insert into movies (title, release_date) select 'Movie ' || n, '2000-01-01' from generate_series(1, ${writers}) n`)
    const half = (first: number) => Array.from({ length: 500 }, (_, i) => ({ actor_id: first + i, fee: null }))
    const writer = sql`(select set_config('app.by', 'bench', true)) is not null`
    const seconds = quick ? 3 : 20
    const until = Date.now() + seconds * 1000
    const started = Date.now()
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let swap = 0; Date.now() < until; swap++) await db.batch(replaceCast(db, writer, w + 1, half(swap % 2 ? 501 : 1)))
      }),
    )
    const written = Number((await client.query('select count(*) from events')).rows[0].count)
    const writeRate = written / ((Date.now() - started) / 1000)

    // Removal: as many expired events and keys as one hour of those writes, or a share of it with --quick.
    const expired = quick ? 100_000 : 2_000_000
    await client.query('delete from events')
    await client.query(`insert into events (at, action, resource, keys, before, after)
      select now() - interval '400 days', 'update', 'actor', jsonb_build_object('actor_id', n % 1000 + 1),
        '{"id": 1, "name": "Actor 1", "age": 40, "gender": "Other"}', '{"id": 1, "name": "Actor 1", "age": 41, "gender": "Other"}'
      from generate_series(1, ${expired}) n`)
    await client.query(`insert into idempotency_keys (subject, key, fingerprint, status, body, location, created_at)
      select 'auth0|bench', 'key-' || n, md5(n::text), 201, '{"success": true, "created": 1}', '/actors/1', now() - interval '25 hours'
      from generate_series(1, ${expired / 10}) n`)
    await client.query('vacuum analyze events, idempotency_keys')
    const removeStarted = Date.now()
    const removed = await upkeep(env)
    const removeSeconds = (Date.now() - removeStarted) / 1000
    const removeRate = (removed.eventsDeleted + removed.idempotencyKeysDeleted) / removeSeconds

    const perHour = (rate: number) => Math.round(rate * 3600).toLocaleString('en')
    const budget = UPKEEP_BUDGET_MS / 1000
    const subjectPerHour = REQUESTS_PER_MINUTE * 60 * EVENTS_PER_REQUEST
    console.log(`\n## Retention (API.md D5): rows written against rows the hourly upkeep removes, on one server`)
    console.log(`| rate | rows/s | rows an hour |\n|---|---:|---:|`)
    console.log(
      `| events written: ${writers} writers swapping 500-actor casts (the statements of PUT /movies/:id/actors, no Worker) | ${Math.round(writeRate).toLocaleString('en')} | ${perHour(writeRate)} |`,
    )
    console.log(
      `| one subject at the rate limit, every request such a swap (${REQUESTS_PER_MINUTE}/min × ${EVENTS_PER_REQUEST}) | ${(subjectPerHour / 3600).toLocaleString('en')} | ${subjectPerHour.toLocaleString('en')} |`,
    )
    console.log(
      `| removed by the upkeep (${removed.eventsDeleted.toLocaleString('en')} events and ${removed.idempotencyKeysDeleted.toLocaleString('en')} keys in ${removeSeconds.toFixed(1)} s, ${BATCH_ROWS.toLocaleString('en')} a statement) | ${Math.round(removeRate).toLocaleString('en')} | ${Math.round(removeRate * budget).toLocaleString('en')} in its ${budget / 60}-minute run |`,
    )
    console.log(
      `the upkeep removes in its ${budget / 60}-minute run ${((removeRate * budget) / (writeRate * 3600)).toFixed(2)}× what the server wrote in an hour of those writes at full speed`,
    )
  } finally {
    await client.end()
    await endpoint.close()
    await database.drop()
  }
}
