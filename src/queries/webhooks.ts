import { eq, type SQL, sql } from 'drizzle-orm'
import type { Database } from '../db/client.ts'
import { webhookDeliveries, webhooks } from '../db/schema.ts'
import { encodeCursor, type Position } from '../feed-cursor.ts'

// Each query one statement. Webhooks are configuration of delivery, not part
// of the record: no history trigger watches them.

const utc = (column: SQL | typeof webhooks.created_at) => sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`

/** A webhook as the API shows it: never its secrets nor its cursor. */
const webhookJson = sql`json_build_object('id', ${webhooks.id}, 'url', ${webhooks.url}, 'types', ${webhooks.types},
  'description', ${webhooks.description}, 'enabled', ${webhooks.enabled}, 'created_at', ${utc(webhooks.created_at)},
  'disabled_reason', ${webhooks.disabled_reason})`

export type WebhookFields = { url?: string; types?: string[]; description?: string | null; enabled?: boolean }

/** Creates a webhook; its cursor starts where the feed stands now (src/db/schema.ts), so earlier events are not sent. */
export async function createWebhook(db: Database, fields: WebhookFields & { url: string; types: string[] }, sealedSecret: string) {
  const [row] = await db
    .insert(webhooks)
    .values({ url: fields.url, types: fields.types, description: fields.description ?? null, secret: sealedSecret })
    .returning({ webhook: webhookJson })
  return row!.webhook as { id: number }
}

/** A page of webhooks in id order, and how many there are. */
export async function listWebhooks(db: Database, page: number, perPage: number) {
  const { rows } = await db.execute<{ total: number; webhooks: unknown[] | null }>(sql`
    select (select count(*)::integer from ${webhooks}) as total,
      (select json_agg(webhook order by id) from (
        select ${webhooks.id} as id, ${webhookJson} as webhook from ${webhooks} order by ${webhooks.id} limit ${perPage} offset ${(page - 1) * perPage}
      ) as page) as webhooks`)
  return rows[0]!
}

export async function getWebhook(db: Database, id: number) {
  const [row] = await db.select({ webhook: webhookJson }).from(webhooks).where(eq(webhooks.id, id))
  return row?.webhook
}

/** Changes what is given; enabling clears the reason and the failure streak of an automatic disable. */
export async function updateWebhook(db: Database, id: number, { enabled, ...fields }: WebhookFields) {
  const enabling = enabled === undefined ? {} : { enabled, disabled_reason: null, ...(enabled ? { failing_since: null } : {}) }
  const [row] = await db
    .update(webhooks)
    .set({ ...fields, ...enabling })
    .where(eq(webhooks.id, id))
    .returning({ webhook: webhookJson })
  return row?.webhook
}

export async function deleteWebhook(db: Database, id: number) {
  const [row] = await db.delete(webhooks).where(eq(webhooks.id, id)).returning({ id: webhooks.id })
  return row?.id
}

/** A new secret; the one it replaces keeps signing beside it for 24 hours. */
export async function rotateSecret(db: Database, id: number, sealedSecret: string) {
  const [row] = await db
    .update(webhooks)
    .set({
      previous_secret: sql`${webhooks.secret}`,
      previous_secret_expires_at: sql`now() + interval '24 hours'`,
      secret: sealedSecret,
    })
    .where(eq(webhooks.id, id))
    .returning({ webhook: webhookJson })
  return row?.webhook
}

type DeliveryRow = {
  txid: string
  id: string
  type: string
  attempts: number
  state: string
  last_status: number | null
  last_error: string | null
  next_attempt_at: string | null
}

const deliveryColumns = sql`${webhookDeliveries.event_txid}::text as txid, ${webhookDeliveries.event_id}::text as id, ${webhookDeliveries.type} as type,
  ${webhookDeliveries.attempts} as attempts, ${webhookDeliveries.state} as state, ${webhookDeliveries.last_status} as last_status,
  ${webhookDeliveries.last_error} as last_error,
  case when ${webhookDeliveries.state} = 'pending' then ${utc(sql`${webhookDeliveries.next_attempt_at}`)} end as next_attempt_at`

/** A delivery as the API shows it: its event named by the event's feed cursor. */
export const deliveryShown = ({ txid, id, ...rest }: DeliveryRow) => ({ event_cursor: encodeCursor({ txid, id }), ...rest })

/** A page of a webhook's deliveries, newest event first (its key walked backwards), how many, and whether the webhook exists. */
export async function listDeliveries(db: Database, webhookId: number, page: number, perPage: number) {
  const mine = sql`${webhookDeliveries.webhook_id} = ${webhookId}`
  const { rows } = await db.execute<{ exists: boolean; total: number; deliveries: DeliveryRow[] | null }>(sql`
    select exists (select 1 from ${webhooks} where ${webhooks.id} = ${webhookId}) as exists,
      (select count(*)::integer from ${webhookDeliveries} where ${mine}) as total,
      (select json_agg(d) from (
        select ${deliveryColumns} from ${webhookDeliveries} where ${mine}
        order by ${webhookDeliveries.event_txid} desc, ${webhookDeliveries.event_id} desc limit ${perPage} offset ${(page - 1) * perPage}
      ) as d) as deliveries`)
  return rows[0]!
}

/**
 * Sets a failed delivery back to pending, due now, if its webhook is enabled;
 * and says what was found: the webhook, whether it is enabled, the delivery's state.
 */
export async function reopenDelivery(db: Database, webhookId: number, event: Position) {
  const key = sql`${webhookDeliveries.webhook_id} = ${webhookId} and ${webhookDeliveries.event_txid} = ${event.txid}::bigint and ${webhookDeliveries.event_id} = ${event.id}::bigint`
  const { rows } = await db.execute<{ enabled: boolean | null; state: string | null; reopened: DeliveryRow | null }>(sql`
    with hook as (select ${webhooks.enabled} as enabled from ${webhooks} where ${webhooks.id} = ${webhookId}),
    reopened as (
      update ${webhookDeliveries} set state = 'pending', next_attempt_at = now(), updated_at = now()
      where ${key} and ${webhookDeliveries.state} = 'failed' and (select enabled from hook)
      returning ${deliveryColumns}
    )
    select (select enabled from hook) as enabled, (select ${webhookDeliveries.state} from ${webhookDeliveries} where ${key}) as state,
      (select row_to_json(reopened) from reopened) as reopened`)
  return rows[0]!
}

/** Marks a reopened delivery failed again, when the queue refused its message. */
export const refailDelivery = (db: Database, webhookId: number, event: Position) =>
  db.execute(sql`update ${webhookDeliveries} set state = 'failed', last_error = 'the retry could not be queued.', updated_at = now()
    where ${webhookDeliveries.webhook_id} = ${webhookId} and ${webhookDeliveries.event_txid} = ${event.txid}::bigint
      and ${webhookDeliveries.event_id} = ${event.id}::bigint and ${webhookDeliveries.state} = 'pending'`)
