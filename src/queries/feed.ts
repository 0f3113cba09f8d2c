import { sql } from 'drizzle-orm'
import type { Database } from '../db/client.ts'
import { events, eventsPurged } from '../db/schema.ts'
import { CURSOR_VERSION, type Position } from '../feed-cursor.ts'
import { eventJson } from './history.ts'

// The change feed (API.md D1) walks the events in (txid, id) order: the
// writing transaction's id, then the event's. A transaction id is handed out
// before its transaction commits, so a page shows only the events of
// transactions older than every one still running (the snapshot's xmin): none
// that could still commit behind the walk is ever passed, so none is skipped.
// No replication slot, no connection held: it works over Neon's HTTP path.
// @see https://github.com/eugene-khyst/postgresql-event-sourcing#4-7 (the xid8 watermark)

/** `encodeCursor` in SQL, for the event's own columns: base64 of so short a text has no line breaks. */
const cursorSql = sql`rtrim(translate(encode(convert_to(${`${CURSOR_VERSION}.`} || ${events.txid} || '.' || ${events.id}, 'UTF8'), 'base64'), '+/', '-_'), '=')`

/** `actor.created`: the resource, then the action in the past tense (every action's past is itself and `d`). */
const typeSql = sql`${events.resource} || '.' || ${events.action} || 'd'`

export type FeedPage = {
  /** The page's events, each with its `type` and `cursor`, in feed order; null when none. */
  events: unknown[] | null
  /** Whether `after` is ahead of every transaction that has ended: no cursor of this API's is. */
  ahead: boolean
  /** Whether events after `after` were purged (API.md C5): the walk from it cannot be complete. */
  purged: boolean
}

/**
 * The page of up to `perPage` events after `after` in (txid, id) order, of
 * committed transactions older than every running one; whether `after` lies
 * ahead of that bound, and whether events after it were purged: one
 * statement, one index range scan (`events_txid_id_idx`, or
 * `events_resource_txid_id_idx` with `resource`), however many events are kept.
 */
export async function readFeed(db: Database, after: Position, perPage: number, resource?: string): Promise<FeedPage> {
  const position = sql`(${after.txid}::bigint, ${after.id}::bigint)`
  const { rows } = await db.execute<FeedPage>(sql`
    with watermark as (select pg_snapshot_xmin(pg_current_snapshot())::text::bigint as xmin),
    page as (
      select ${events.txid} as txid, ${events.id} as id, ${eventJson(sql`'type', ${typeSql}, 'cursor', ${cursorSql}`)} as event
      from ${events}
      where (${events.txid}, ${events.id}) > ${position} and ${events.txid} < (select xmin from watermark)
        ${resource === undefined ? sql`` : sql`and ${events.resource} = ${resource}`}
      order by ${events.txid}, ${events.id}
      limit ${perPage}
    )
    select (select json_agg(event order by txid, id) from page) as events,
      ${after.txid}::bigint >= (select xmin from watermark) as ahead,
      exists (select 1 from ${eventsPurged} where (${eventsPurged.txid}, ${eventsPurged.id}) > ${position}) as purged`)
  return rows[0]!
}

// The webhook machinery (src/webhooks/) names events as the feed does.
export { cursorSql, typeSql }
