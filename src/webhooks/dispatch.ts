import { sql } from 'drizzle-orm'
import { type Database, databaseFor } from '../db/client.ts'
import { events, webhookDeliveries, webhooks } from '../db/schema.ts'
import type { Bindings } from '../env.ts'
import { typeSql } from '../queries/feed.ts'

// The feed (API.md D1) is the outbox; Cloudflare Queues the queue. For each
// enabled webhook, the dispatcher reads the events after the webhook's own
// cursor (below the snapshot's xmin, as the feed does, so none is ever
// passed), sends one message per matching event to the queue, and only then
// moves the cursor, in the statement that stages the delivery rows. A crash
// between the send and that statement sends those events again on the next
// run, under the same `webhook-id`: at least once, never skipped.
// @see https://brandur.org/job-drain (transactionally staged job drains)

/**
 * How every statement of the webhook machinery opens: a comment that tells
 * the local SQL endpoint (scripts/lib/sql-endpoint.ts) this is background
 * work, which the statement counts that tests read leave out.
 */
export const BACKGROUND = sql.raw('/* webhooks */')

/** A delivery's message: the webhook and the event's feed position (decimal text: bigints). */
export type DeliveryMessage = { webhook: number; txid: string; id: string }
/** A nudge: "events were written, walk the feed". Writes send it, so no request waits on a dispatch. */
export type DispatchMessage = { dispatch: true }
export type WebhookMessage = DeliveryMessage | DispatchMessage

/** Events one webhook's walk reads per statement; a full page walks again. */
const PAGE = 100
/** A queue's `sendBatch` takes at most 100 messages. */
const SEND_BATCH = 100
/** A dispatch walks for at most this long; what is left waits for the next nudge or the minute's cron. */
const MAX_DISPATCH_MS = 20_000
/** How long to wait before walking again when a running transaction holds events back. */
const HELD_BACK_WAIT_MS = 250
/** How long to keep waiting for it: a transaction lasts at most the 4 s statement limit (src/db/timeouts.ts). */
const HELD_BACK_MAX_MS = 5_000

type Walk = { webhook: number; txid: string; id: string; read: number; matched: [string, string, string][] }
type Read = { walks: Walk[] | null; held_back: boolean }

/**
 * For each enabled webhook, up to PAGE events after its cursor, of committed
 * transactions older than every running one: the position of the last read,
 * and those whose type the webhook takes; and whether any committed event is
 * held back behind a running transaction. One statement.
 */
async function readWalks(db: Database): Promise<Read> {
  const { rows } = await db.execute<Read>(sql`${BACKGROUND}
    with watermark as (select pg_snapshot_xmin(pg_current_snapshot())::text::bigint as xmin),
    walks as (
      select w.id as webhook, page.*
      from ${webhooks} w, lateral (
        select (array_agg(e.txid order by e.txid desc, e.id desc))[1]::text as txid,
          (array_agg(e.id order by e.txid desc, e.id desc))[1]::text as id, count(*)::integer as read,
          coalesce(json_agg(json_build_array(e.txid::text, e.id::text, e.type) order by e.txid, e.id)
            filter (where e.type = any(w.types) or '*' = any(w.types) or split_part(e.type, '.', 1) || '.*' = any(w.types)), '[]') as matched
        from (
          select ${events.txid} as txid, ${events.id} as id, ${typeSql} as type from ${events}
          where (${events.txid}, ${events.id}) > (w.cursor_txid, w.cursor_id) and ${events.txid} < (select xmin from watermark)
          order by ${events.txid}, ${events.id} limit ${PAGE}
        ) e
      ) page
      where w.enabled and page.read > 0
    )
    select (select json_agg(walks) from walks) as walks,
      exists (select 1 from ${events} where ${events.txid} >= (select xmin from watermark)) as held_back`)
  return rows[0] ?? { walks: null, held_back: false }
}

/**
 * Moves each webhook's cursor forward to where its walk read (never back: two
 * dispatchers may race), and stages its deliveries as `pending` rows, unless
 * a consumer got there first: one statement, so both or neither.
 */
function advance(db: Database, walks: Walk[]) {
  const cursors = walks.map(({ webhook, txid, id }) => ({ webhook, txid, id }))
  const staged = walks.flatMap(({ webhook, matched }) => matched.map(([txid, id, type]) => ({ webhook, txid, id, type })))
  return db.execute(sql`${BACKGROUND}
    with moved as (
      update ${webhooks} w set cursor_txid = c.txid, cursor_id = c.id
      from json_to_recordset(${JSON.stringify(cursors)}::json) as c(webhook integer, txid bigint, id bigint)
      where w.id = c.webhook and (w.cursor_txid, w.cursor_id) < (c.txid, c.id)
      returning w.id
    )
    insert into ${webhookDeliveries} (webhook_id, event_txid, event_id, type, next_attempt_at)
    select d.webhook, d.txid, d.id, d.type, now()
    from json_to_recordset(${JSON.stringify(staged)}::json) as d(webhook integer, txid bigint, id bigint, type text)
    where d.webhook in (select id from moved)
    on conflict do nothing`)
}

/** One walk of the feed for every webhook; answers whether there is more to walk now. */
async function dispatchOnce(db: Database, queue: Queue<WebhookMessage>): Promise<{ more: boolean; heldBack: boolean }> {
  const { walks, held_back } = await readWalks(db)
  if (!walks) return { more: false, heldBack: held_back }
  const messages = walks.flatMap(({ webhook, matched }) => matched.map(([txid, id]) => ({ body: { webhook, txid, id } })))
  // Sent before the cursor moves: a failure here leaves the cursor where it was, and the next run sends them.
  for (let i = 0; i < messages.length; i += SEND_BATCH) await queue.sendBatch(messages.slice(i, i + SEND_BATCH))
  await advance(db, walks)
  return { more: walks.some((walk) => walk.read === PAGE), heldBack: held_back }
}

/** Walks until nothing is left, or only events a running transaction holds back, for at most MAX_DISPATCH_MS. */
async function walkFeed(env: Bindings) {
  const db = databaseFor(env)
  const started = Date.now()
  for (;;) {
    const { more, heldBack } = await dispatchOnce(db, env.WEBHOOK_QUEUE)
    const elapsed = Date.now() - started
    if (more && elapsed < MAX_DISPATCH_MS) continue
    if (!heldBack || elapsed > HELD_BACK_MAX_MS) return
    await scheduler.wait(HELD_BACK_WAIT_MS)
  }
}

// One dispatch at a time per isolate: a nudge that arrives while one runs
// asks it to walk once more when it ends, instead of walking the same events
// beside it (which would send them twice).
let running: Promise<void> | undefined
let again = false

/** Sends every committed event that a webhook takes to the queue, and moves the cursors past them. */
export function dispatch(env: Bindings): Promise<void> {
  if (running) {
    again = true
    return running
  }
  running = (async () => {
    try {
      do {
        again = false
        await walkFeed(env)
      } while (again)
    } finally {
      running = undefined
    }
  })()
  return running
}
