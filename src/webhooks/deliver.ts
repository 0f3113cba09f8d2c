import { sql } from 'drizzle-orm'
import { databaseFor } from '../db/client.ts'
import { events, webhookDeliveries, webhooks } from '../db/schema.ts'
import type { Bindings } from '../env.ts'
import { cursorSql, typeSql } from '../queries/feed.ts'
import { eventJson } from '../queries/history.ts'
import { BACKGROUND, type DeliveryMessage, dispatch, type WebhookMessage } from './dispatch.ts'
import { openSecret, signature } from './secrets.ts'

// The queue's consumer (API.md D2): POSTs each event to its webhook's URL,
// signed per Standard Webhooks, and records every attempt. A 2xx within 15 s
// is delivered; anything else is retried through the queue with exponential
// backoff and jitter for at least 24 h, then goes to the dead-letter queue.
// @see https://www.standardwebhooks.com/
// @see https://developers.cloudflare.com/queues/configuration/batching-retries/

const TIMEOUT_MS = 15_000
/** Each delay at most 12 h, the most a queue message can be delayed. */
const MAX_DELAY_SECONDS = 12 * 3600
/** Retried until the first attempt is this old; the last failure after it is final. */
const RETRY_FOR_MS = 24 * 3600_000
/** Failing this long without a success disables the webhook. */
const DISABLE_AFTER_MS = 3 * 24 * 3600_000

/** WEBHOOK_RETRY_BASE_SECONDS, 5 unless it says otherwise: the first retry's delay. */
const retryBase = (env: Bindings) => {
  const seconds = Number(env.WEBHOOK_RETRY_BASE_SECONDS)
  return Number.isFinite(seconds) && seconds > 0 ? seconds : 5
}

/** The delay before attempt `attempt + 1`: base × 2^(attempt−1), plus up to a quarter more at random, at most 12 h. */
export const retryDelay = (base: number, attempt: number) =>
  Math.ceil(Math.min(MAX_DELAY_SECONDS, base * 2 ** (attempt - 1) * (1 + Math.random() / 4)))

type Target = {
  i: number
  url: string | null
  enabled: boolean | null
  secret: string | null
  previous_secret: string | null
  failing_since: string | null
  state: string | null
  event: { type: string; at: string; cursor: string } | null
}

type Outcome = { status: number | null; error: string | null }

/** One POST, as Standard Webhooks signs it: with every current secret (two during a rotation). */
async function attempt(env: Bindings, target: Target, webhook: number): Promise<Outcome> {
  const event = target.event!
  const body = JSON.stringify({ type: event.type, timestamp: event.at, data: event })
  const id = `msg_${webhook}_${event.cursor}`
  const timestamp = Math.floor(Date.now() / 1000)
  const secrets = [target.secret, target.previous_secret].filter((secret) => secret !== null)
  const signatures = await Promise.all(secrets.map(async (sealed) => signature(await openSecret(env, sealed), id, timestamp, body)))
  try {
    const response = await fetch(target.url!, {
      method: 'POST',
      body,
      // A redirect is an answer, not a place to follow: it could point anywhere the URL rule refuses.
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'casting-agency-webhooks',
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signatures.join(' '),
      },
    })
    await response.body?.cancel()
    return { status: response.status, error: response.ok ? null : `the receiver answered ${response.status}.` }
  } catch (error) {
    const timedOut = (error as Error | undefined)?.name === 'TimeoutError'
    return { status: null, error: timedOut ? 'no answer within 15 s.' : 'the connection failed.' }
  }
}

type Row = {
  webhook: number
  txid: string
  id: string
  type: string
  attempted: boolean
  state: 'pending' | 'delivered' | 'failed'
  last_status: number | null
  last_error: string | null
  delay: number | null
}
type Hook = { webhook: number; succeeded: boolean; failed: boolean; reason: string | null }

/** Attempts a batch of deliveries: one statement reads them, one records them; then each is acked or retried. */
async function deliver(messages: readonly Message<DeliveryMessage>[], env: Bindings) {
  const db = databaseFor(env)
  const keys = messages.map(({ body }, i) => ({ i, webhook: body.webhook, txid: body.txid, id: body.id }))
  const { rows: targets } = await db.execute<Target>(sql`${BACKGROUND}
    select m.i, w.url, w.enabled, w.secret, case when w.previous_secret_expires_at > now() then w.previous_secret end as previous_secret,
      w.failing_since, d.state, e.event
    from json_to_recordset(${JSON.stringify(keys)}::json) as m(i integer, webhook integer, txid bigint, id bigint)
    left join ${webhooks} w on w.id = m.webhook
    left join ${webhookDeliveries} d on d.webhook_id = m.webhook and d.event_txid = m.txid and d.event_id = m.id
    left join lateral (
      select ${eventJson(sql`'type', ${typeSql}, 'cursor', ${cursorSql}`)} as event from ${events}
      where ${events.txid} = m.txid and ${events.id} = m.id
    ) e on true`)
  const base = retryBase(env)
  const rows: Row[] = []
  const hooks = new Map<number, Hook>()
  const settle: Array<() => unknown> = []
  await Promise.all(
    targets.map(async (target) => {
      const message = messages[target.i]!
      const { webhook, txid, id } = message.body
      // Deleted, or delivered already (a second send of the same event): nothing to do.
      if (target.url === null || target.state === 'delivered') return settle.push(() => message.ack())
      const row = (outcome: Partial<Row>) =>
        rows.push({
          webhook,
          txid,
          id,
          type: target.event?.type ?? '',
          attempted: false,
          state: 'failed',
          last_status: null,
          last_error: null,
          delay: null,
          ...outcome,
        })
      if (!target.enabled || !target.event) {
        row({ last_error: target.event ? 'the webhook is disabled.' : 'the event is past retention.' })
        return settle.push(() => message.ack())
      }
      const { status, error } = await attempt(env, target, webhook)
      const hook = hooks.get(webhook) ?? { webhook, succeeded: false, failed: false, reason: null }
      hooks.set(webhook, hook)
      if (error === null) {
        hook.succeeded = true
        row({ attempted: true, state: 'delivered', last_status: status })
        return settle.push(() => message.ack())
      }
      hook.failed = true
      const failingFor = target.failing_since ? Date.now() - Date.parse(target.failing_since) : 0
      if (status === 410) hook.reason = `The receiver answered 410 Gone at ${new Date().toISOString()}.`
      else if (failingFor >= DISABLE_AFTER_MS) hook.reason = 'Deliveries failed for 3 days in a row.'
      const final = hook.reason !== null || Date.now() - message.timestamp.getTime() >= RETRY_FOR_MS
      if (final) {
        row({ attempted: true, last_status: status, last_error: error })
        // The last attempt failed: the dead-letter queue keeps the message for inspection (the retry endpoint sends it again).
        return settle.push(async () => {
          if (hook.reason === null) await env.WEBHOOK_DEAD_LETTERS?.send(message.body)
          message.ack()
        })
      }
      const delay = retryDelay(base, message.attempts)
      row({ attempted: true, state: 'pending', last_status: status, last_error: error, delay })
      return settle.push(() => message.retry({ delaySeconds: delay }))
    }),
  )
  await db.execute(sql`${BACKGROUND}
    with recorded as (
      insert into ${webhookDeliveries} as d (webhook_id, event_txid, event_id, type, attempts, state, last_status, last_error, next_attempt_at, updated_at)
      select r.webhook, r.txid, r.id, r.type, r.attempted::integer, r.state, r.last_status, r.last_error,
        now() + make_interval(secs => r.delay), now()
      from json_to_recordset(${JSON.stringify(rows)}::json)
        as r(webhook integer, txid bigint, id bigint, type text, attempted boolean, state text, last_status integer, last_error text, delay integer)
      where exists (select 1 from ${webhooks} where id = r.webhook)
      on conflict (webhook_id, event_txid, event_id) do update set attempts = d.attempts + excluded.attempts, state = excluded.state,
        last_status = excluded.last_status, last_error = excluded.last_error, next_attempt_at = excluded.next_attempt_at, updated_at = now()
      -- A send that failed after another succeeded does not undo the delivery.
      where d.state <> 'delivered'
    )
    update ${webhooks} w set
      failing_since = case when h.succeeded then null when h.failed then coalesce(w.failing_since, now()) else w.failing_since end,
      enabled = w.enabled and h.reason is null,
      disabled_reason = coalesce(h.reason, w.disabled_reason)
    from json_to_recordset(${JSON.stringify([...hooks.values()])}::json) as h(webhook integer, succeeded boolean, failed boolean, reason text)
    where w.id = h.webhook`)
  for (const done of settle) await done()
}

/** The queue handler: nudges walk the feed (once for the whole batch), deliveries are attempted. */
export async function consume(batch: MessageBatch<WebhookMessage>, env: Bindings) {
  const nudges = batch.messages.filter((message) => 'dispatch' in message.body)
  const deliveries = batch.messages.filter((message) => !('dispatch' in message.body)) as Message<DeliveryMessage>[]
  const walked = nudges.length > 0 ? dispatch(env) : undefined
  const results = await Promise.allSettled([walked, deliveries.length > 0 ? deliver(deliveries, env) : undefined])
  // A walk that failed leaves its cursors where they were: a nudge retried (or the minute's cron) walks again.
  for (const nudge of nudges) results[0].status === 'fulfilled' ? nudge.ack() : nudge.retry({ delaySeconds: 5 })
  if (results[1].status === 'rejected') {
    // The database did not record the attempts: each is sent again later, under the same webhook-id.
    console.error(JSON.stringify({ level: 'error', job: 'webhooks', message: String(results[1].reason).slice(0, 300) }))
    for (const message of deliveries) message.retry({ delaySeconds: retryDelay(retryBase(env), message.attempts) })
  }
  if (results[0].status === 'rejected')
    console.error(JSON.stringify({ level: 'error', job: 'dispatch', message: String(results[0].reason).slice(0, 300) }))
}
