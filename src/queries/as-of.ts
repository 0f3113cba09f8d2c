import { getTableName, type SQL, sql } from 'drizzle-orm'
import type { Database } from '../db/client.ts'
import { castings, events } from '../db/schema.ts'
import { eventKey } from './history.ts'
import { literal, qualified, type Resource, rowJson } from './resources.ts'

// As-of reads (API.md D4): a resource as it stood at a moment, rebuilt from
// the same events the feed walks (Datomic's `as-of`, XTDB's `tx-time`).

/** What an as-of read embeds with `include`: its name, and the resource on the other side of the castings. */
export type AsOfEmbed = { name: string; other: Resource }

/**
 * A resource's row (jsonb) at `asOf`: the `after` of its last event at or
 * before it, in feed order (txid, id); if the events up to then were purged,
 * the `before` of its first event after it; if none was kept at all, the row
 * as it is now (unchanged since). Null: it did not exist then. Each branch is
 * one probe of `events_resource_keys_txid_id_idx`.
 */
const stateAt = (resource: string, keys: SQL, asOf: SQL, current: SQL) => sql`(
  select state from (
    (select 1 as rank, ${events.after} as state from ${events}
      where ${events.resource} = ${literal(resource)} and ${events.keys} = ${keys} and ${events.at} <= ${asOf}
      order by ${events.txid} desc, ${events.id} desc limit 1)
    union all
    (select 2, ${events.before} from ${events}
      where ${events.resource} = ${literal(resource)} and ${events.keys} = ${keys} and ${events.at} > ${asOf}
      order by ${events.txid}, ${events.id} limit 1)
    union all
    (select 3, ${current})
  ) as versions order by rank limit 1)`

const table = (resource: Resource) => sql.identifier(getTableName(resource.table))
const keysOf = (resource: Resource, id: SQL) => sql`jsonb_build_object(${literal(resource.key)}, ${id})`
/** The row of `resource` with id `id`, now, as its events record one (`to_jsonb` of the row). */
const currentRow = (resource: Resource, id: SQL) =>
  sql`(select to_jsonb(now_row) from ${table(resource)} as now_row where now_row.id = ${id})`

/**
 * With `embed`, the castings of the resource (`owner`, id `id`) that existed
 * at `asOf`, each as the other side stood then with the fee then, in the other
 * side's id order: every casting with a kept event or a row now is a
 * candidate, rebuilt as `stateAt` rebuilds the resource.
 */
function embeddedAt(owner: Resource, embed: AsOfEmbed, id: number, asOf: SQL) {
  const { other } = embed
  const castingKeys = sql`jsonb_build_object('movie_id', candidate.movie_id, 'actor_id', candidate.actor_id)`
  const currentCasting = sql`(select to_jsonb(now_casting) from ${castings} as now_casting
    where now_casting.movie_id = candidate.movie_id and now_casting.actor_id = candidate.actor_id)`
  const otherId = sql`(casting.state ->> ${other.key})::integer`
  const entry = sql`json_build_object(${sql.join(
    Object.entries(other.fields).map(([key, column]) => sql`${literal(key)}, ${qualified(column, 'other_then')}`),
    sql`, `,
  )}, 'fee', casting_then.fee)`
  return sql`coalesce((
    select json_agg(${entry} order by other_then.id)
    from (
      select (${events.keys} ->> 'movie_id')::integer as movie_id, (${events.keys} ->> 'actor_id')::integer as actor_id from ${events}
        where ${eventKey(owner.key)} = ${id} and ${events.resource} = 'casting'
      union
      select ${castings.movie_id}, ${castings.actor_id} from ${castings} where ${sql.identifier(owner.key)} = ${id}
    ) as candidate
    cross join lateral (select ${stateAt('casting', castingKeys, asOf, currentCasting)} as state) as casting
    cross join lateral jsonb_populate_record(null::${castings}, casting.state) as casting_then
    cross join lateral jsonb_populate_record(null::${table(other)},
      ${stateAt(other.one, keysOf(other, otherId), asOf, currentRow(other, otherId))}) as other_then
    where casting.state is not null and other_then.id is not null
  ), '[]'::json)`
}

/**
 * The resource with id `id` as it stood at `asOf` (an RFC 3339 date-time),
 * with `embed` its castings then: one statement. No row: it did not exist then.
 */
export async function readAsOf(db: Database, resource: Resource, id: number, asOf: string, embed?: AsOfEmbed) {
  const at = sql`${asOf}::timestamptz`
  const state = stateAt(resource.one, keysOf(resource, sql`${id}::integer`), at, currentRow(resource, sql`${id}::integer`))
  const { rows } = await db.execute<{ row: Record<string, unknown>; embedded: unknown[] | null }>(sql`
    select ${rowJson(resource.fields, 'past')} as row, ${embed ? embeddedAt(resource, embed, id, at) : sql`null`} as embedded
    from jsonb_populate_record(null::${table(resource)}, ${state}) as past
    where past.id is not null`)
  const found = rows[0]
  if (!found) return undefined
  return embed ? { ...found.row, [embed.name]: found.embedded ?? [] } : found.row
}
