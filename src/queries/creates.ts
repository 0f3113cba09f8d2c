import { type SQL, sql } from 'drizzle-orm'
import type { Database } from '../db/client.ts'
import { idempotencyKeys } from '../db/schema.ts'
import { columnList, literal, type Resource, rowJson } from './resources.ts'

/** How long a stored Idempotency-Key answers for its request (API.md C3). */
export const KEY_TTL = sql.raw(`interval '24 hours'`)

/** How long a create waits for another request holding the same key to commit, before it answers 409. */
const KEY_WAIT = '2s'

/** An Idempotency-Key as stored: whose it is, the key, and what request it was first sent with. */
export type StoredKey = { subject: string; key: string; fingerprint: string }

/** What a create answers, first time or replayed: the response as the database built and stored it. */
export type CreateOutcome = { replayed: boolean; fingerprint: string | null; status: number; body: unknown; location: string | null }

/**
 * The statements of a create (one; two for one `db.batch()` under a key): `items` inserted in input
 * order, and the response built by the database from the rows it wrote, so
 * that with a `key` the same statement stores that response with them (one
 * transaction: a key is claimed exactly when its rows commit). If the key is
 * already stored and live, nothing is inserted and the stored response comes
 * back instead. `one` answers `{created: id, actor: …}` with a Location;
 * otherwise `{created: [ids], actors: […]}` (bulk).
 *
 * A request racing another with the same key fails on the key's primary key
 * once the other commits (the claim is a unique insert, never
 * select-then-insert), and its rows roll back; one that waits too long for it fails with 55P03.
 * @see https://brandur.org/idempotency-keys
 */
export function createStatements(
  db: Database,
  writer: SQL,
  resource: Resource,
  items: Record<string, unknown>[],
  one: boolean,
  key?: StoredKey,
) {
  const { id: _, ...written } = resource.fields
  const values = sql.join(
    Object.entries(written).map(([name, column]) => sql`(item->>${literal(name)})::${sql.raw(column.getSQLType())}`),
    sql`, `,
  )
  const body = one
    ? sql`json_build_object('success', true, 'created', created.id, ${literal(resource.one)}, ${rowJson(resource.fields, 'created')})`
    : sql`json_build_object('success', true, 'created', json_agg(created.id order by created.id), ${literal(resource.many)}, json_agg(${rowJson(resource.fields, 'created')} order by created.id))`
  const location = one ? sql`${`/${resource.many}/`} || created.id` : sql`null::text`
  const main = db.execute<CreateOutcome>(sql`
    with existing as (
      select fingerprint, status, body, location from ${idempotencyKeys}
      where subject = ${key?.subject ?? null}::text and key = ${key?.key ?? null}::text and created_at > now() - ${KEY_TTL}
    ),
    created as (
      insert into ${resource.table} (${columnList(written)})
      select ${values} from jsonb_array_elements(${JSON.stringify(items)}::jsonb) with ordinality as input(item, ord)
      where not exists (select 1 from existing) and ${writer}
      order by ord
      returning ${columnList(resource.fields)}
    ),
    response as (select ${body} as body, ${location} as location from created${one ? sql`` : sql` having count(*) > 0`}),
    stored as (
      insert into ${idempotencyKeys} (subject, key, fingerprint, status, body, location)
      select ${key?.subject ?? null}::text, ${key?.key ?? null}::text, ${key?.fingerprint ?? null}::text, 201, body, location
      from response where ${key?.key ?? null}::text is not null
    )
    select false as replayed, null::text as fingerprint, 201 as status, body, location from response
    union all
    select true, fingerprint, status, body, location from existing`)
  if (!key) return [main] as const
  // First, in the same transaction: an expired key of the same name would hold the primary key, so it goes; and
  // a claim of the key by a request still running makes this one wait at most KEY_WAIT (then 55P03: in progress).
  const prepare = db.execute(sql`
    with expired as (delete from ${idempotencyKeys} where subject = ${key.subject} and key = ${key.key} and created_at <= now() - ${KEY_TTL})
    select set_config('lock_timeout', ${KEY_WAIT}, true)`)
  return [prepare, main] as const
}

/** The response stored for a key, if it is live: the second round trip of a create that lost a race for its key. */
export async function storedResponse(db: Database, key: StoredKey): Promise<CreateOutcome | undefined> {
  const { rows } = await db.execute<CreateOutcome>(sql`
    select true as replayed, fingerprint, status, body, location from ${idempotencyKeys}
    where subject = ${key.subject} and key = ${key.key} and created_at > now() - ${KEY_TTL}`)
  return rows[0]
}
