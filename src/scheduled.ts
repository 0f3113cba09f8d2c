import { sql } from 'drizzle-orm'
import { databaseFor } from './db/client.ts'
import { events, eventsPurged, idempotencyKeys, webhookDeliveries } from './db/schema.ts'
import type { Bindings } from './env.ts'
import { KEY_TTL } from './queries/creates.ts'
import { retention, retentionDays } from './queries/history.ts'

/** The hourly upkeep's Cron Trigger (wrangler.toml); the other one, each minute, is the webhook dispatcher's. */
export const UPKEEP_CRON = '17 * * * *'

/**
 * Rows one statement deletes at most (each statement stays far inside the 4 s
 * statement limit and holds its locks briefly), and how long one run keeps
 * deleting: a Cron Trigger may run for 15 minutes, and waiting on the
 * database costs it no CPU. API.md D5: the upkeep must remove rows as fast as
 * the API can write them; `npm run bench` measures both rates
 * (docs/performance.md, "Retention").
 */
export const BATCH_ROWS = 10_000
export const UPKEEP_BUDGET_MS = 12 * 60_000

/** Runs `run` (one batch: it deletes at most `BATCH_ROWS` rows) until it removes fewer, or the run's time is up. */
async function purge(run: () => Promise<number>, deadline: number) {
  let removed = 0
  for (;;) {
    const count = await run()
    removed += count
    if (count < BATCH_ROWS || Date.now() >= deadline) return removed
  }
}

/**
 * The hourly upkeep (API.md C5, `[triggers]` in wrangler.toml): expired
 * idempotency keys, and events and webhook deliveries past retention go, in bounded batches; a live
 * row (a key within 24 hours, an event within retention, any actor, movie or
 * casting) is never touched. One JSON log line says what went.
 */
export async function upkeep(env: Bindings) {
  const db = databaseFor(env)
  const days = retentionDays(env)
  // Keys first: a run that ends at its deadline leaves events, whose retention is counted in days, for the next.
  const deadline = Date.now() + UPKEEP_BUDGET_MS
  const count = async (statement: ReturnType<typeof sql>) => (await db.execute<{ count: number }>(statement)).rows[0]?.count ?? 0
  const idempotencyKeysDeleted = await purge(
    () =>
      count(sql`with gone as (
      delete from ${idempotencyKeys} where ctid in (select ctid from ${idempotencyKeys} where created_at <= now() - ${KEY_TTL} limit ${BATCH_ROWS})
      returning 1) select count(*)::integer as count from gone`),
    deadline,
  )
  const eventsDeleted = await purge(
    () =>
      // The last position purged, in feed order, is the feed's watermark (API.md D1's 410), moved in the same statement.
      count(sql`with gone as (
      delete from ${events} where id in (select id from ${events} where ${events.at} <= ${retention(days)} order by id limit ${BATCH_ROWS})
      returning txid, id),
    last as (select txid, id from gone order by txid desc, id desc limit 1),
    marked as (
      insert into ${eventsPurged} (txid, id) select txid, id from last
      on conflict (singleton) do update set txid = excluded.txid, id = excluded.id
      where (excluded.txid, excluded.id) > (${eventsPurged.txid}, ${eventsPurged.id})
    )
    select count(*)::integer as count from gone`),
    deadline,
  )
  // A webhook's delivery rows last as long as the events they delivered.
  const deliveriesDeleted = await purge(
    () =>
      count(sql`with gone as (
      delete from ${webhookDeliveries} where ctid in (
        select ctid from ${webhookDeliveries} where ${webhookDeliveries.updated_at} <= ${retention(days)} limit ${BATCH_ROWS})
      returning 1) select count(*)::integer as count from gone`),
    deadline,
  )
  const line = { level: 'info', job: 'upkeep', idempotencyKeysDeleted, eventsDeleted, deliveriesDeleted, retentionDays: days }
  console.log(JSON.stringify(line))
  return line
}
