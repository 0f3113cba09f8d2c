import { type SQL, sql } from 'drizzle-orm'
import { getTableConfig, type PgColumn, type PgTable } from 'drizzle-orm/pg-core'
import type { Database } from '../db/client.ts'
import { castingFields } from '../db/fields.ts'
import { inTurn } from '../db/recorded.ts'
import { castings, EVENT_KEYS, events } from '../db/schema.ts'
import type { Bindings } from '../env.ts'
import { constraintOf, sqlStateOf } from '../errors.ts'
import { castingSides } from './castings.ts'
import { columnList, literal, type Resource, rowJson } from './resources.ts'

/** HISTORY_RETENTION_DAYS, 365 unless it says otherwise (API.md C4). */
export const retentionDays = (env: Bindings) => {
  const days = Number(env.HISTORY_RETENTION_DAYS)
  return Number.isInteger(days) && days > 0 ? days : 365
}

/** Events older than this many days are past retention: not listed, not restorable, and purged by the hourly upkeep. */
export const retention = (days: number) => sql`now() - make_interval(days => ${days})`

/** An id of the event's `keys`, as its index reads it (src/db/schema.ts). */
export const eventKey = (key: string) => sql`((${events.keys} ->> ${sql.raw(`'${key}'`)})::integer)`
const ownKey = (resource: Resource) => eventKey(resource.key)
/** The other side of a casting: a movie's castings come back only where their actor exists, and the reverse. */
// Locked against a delete (FOR KEY SHARE), so a movie deleted while an actor is restored either waits for the
// restore or, deleted first, is not there to be cast in: never a foreign key error.
const otherSide = (resource: Resource) => {
  const own = castingSides.find((side) => side.key.name === resource.key)
  const other = castingSides.find((side) => side !== own)
  if (!own || !other) return sql`false`
  // Nor where the other side has no room left (API.md D5): a restore brings it one casting at most.
  const otherId = eventKey(other.key.name)
  return sql`exists (select 1 from ${other.table} where ${other.id} = ${otherId} for key share)
    and (select count(*) from ${castings} where ${other.key} = ${otherId}) < ${other.most}`
}

/** An event as the API shows it; `at` in UTC with milliseconds, as JavaScript writes it. `more`: pairs the feed adds after them. */
export const eventJson = (more?: SQL) => sql`json_build_object(
  'at', to_char(${events.at} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'by', ${events.by}, 'request_id', ${events.request_id},
  'action', ${events.action}, 'resource', ${events.resource}, ${sql.join(
    EVENT_KEYS.map((key) => sql`${literal(key)}, ${eventKey(key)}`),
    sql`, `,
  )},
  'before', ${events.before}, 'after', ${events.after}${more ? sql`, ${more}` : sql``})`

/**
 * A page of the resource's events and its castings', newest first, and how
 * many there are: one statement, two index range scans of one index.
 */
export function listHistory(db: Database, resource: Resource, id: number, page: number, perPage: number, retentionDays: number) {
  const mine = sql`${ownKey(resource)} = ${id} and ${events.at} > ${retention(retentionDays)}`
  return db.execute<{ total: number; history: unknown[] | null }>(sql`
    select (select count(*)::integer from ${events} where ${mine}) as total,
      (select json_agg(event order by id desc) from (
        select ${events.id} as id, ${eventJson()} as event from ${events} where ${mine}
        order by ${events.id} desc limit ${perPage} offset ${(page - 1) * perPage}
      ) as page) as history`)
}

/**
 * A deleted row's values as its restore writes them (`old`, the row as its
 * delete event recorded it): a foreign key declared `on delete set null`
 * whose row has been deleted since comes back null, as it would have become
 * had this row not been deleted; one that still exists is locked against a
 * delete (FOR KEY SHARE), so the insert never fails its foreign key.
 */
export function restoredValues(table: PgTable, fields: Record<string, PgColumn>) {
  const setNull = new Map(
    getTableConfig(table)
      .foreignKeys.filter((key) => key.onDelete === 'set null')
      .map((key) => key.reference())
      .filter((reference) => reference.columns.length === 1)
      .map((reference) => [reference.columns[0]!.name, reference]),
  )
  const values = Object.values(fields).map((column) => {
    const old = sql`${sql.identifier('old')}.${sql.identifier(column.name)}`
    const reference = setNull.get(column.name)
    if (!reference) return old
    const [parentId] = reference.foreignColumns
    return sql`(select ${parentId} from ${reference.foreignTable} where ${parentId} = ${old} for key share)`
  })
  return sql.join(values, sql`, `)
}

export type RestoreOutcome = { row: Record<string, unknown> | null; castings_restored: number; exists: boolean; deleted: boolean }

/**
 * Brings a deleted resource back, with its id and its last values, and the
 * castings that its delete removed (the casting events of the same
 * transaction) whose other side still exists: one statement. Nothing happens
 * if it exists, or if no delete of it is within retention; the flags say which.
 * `writer` is `writtenBy(c, 'restore')`, so its inserts are recorded as restores.
 */
export async function restoreDeleted(db: Database, writer: SQL, resource: Resource, id: number, retentionDays: number) {
  const { table } = resource
  const statement = db.execute<RestoreOutcome>(sql`
    with last_delete as (
      select ${events.txid} as txid, ${events.before} as before from ${events}
      where ${ownKey(resource)} = ${id} and ${events.resource} = ${resource.one} and ${events.action} = 'delete'
        and ${events.at} > ${retention(retentionDays)}
      order by ${events.id} desc limit 1
    ),
    restored as (
      insert into ${table} (${columnList(resource.fields)}) overriding system value
      select ${restoredValues(table, resource.fields)} from last_delete, jsonb_populate_record(null::${table}, last_delete.before) as old
      where not exists (select 1 from ${table} where id = ${id}) and ${writer} and ${inTurn([resource.one, id])}
      returning ${rowJson(resource.fields, resource.many)} as row
    ),
    castings_restored as (
      insert into ${castings} (${columnList(castingFields)})
      select ${columnList(castingFields, 'old')} from ${events}, jsonb_populate_record(null::${castings}, ${events.before}) as old
      where ${events.txid} = (select txid from last_delete) and ${events.resource} = 'casting' and ${events.action} = 'delete'
        and ${ownKey(resource)} = ${id} and ${otherSide(resource)} and exists (select 1 from restored)
      on conflict do nothing
      returning 1
    )
    select (select row from restored) as row, (select count(*)::integer from castings_restored) as castings_restored,
      exists (select 1 from ${table} where id = ${id}) as exists, exists (select 1 from last_delete) as deleted`)
  try {
    const { rows } = await statement
    return rows[0]!
  } catch (error) {
    // Another restore of the same id committed first.
    if (sqlStateOf(error) === '23505' && constraintOf(error) === `${resource.many}_pkey`)
      return { row: null, castings_restored: 0, exists: true, deleted: true }
    throw error
  }
}
