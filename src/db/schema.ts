import { sql } from 'drizzle-orm'
import {
  bigint,
  boolean,
  check,
  date,
  index,
  integer,
  json,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  varchar,
} from 'drizzle-orm/pg-core'
import { DEFAULT_GENDER, FEE_PRECISION, FEE_SCALE, MAX_AGE, MAX_GENDER, MAX_NAME, MAX_TITLE, MIN_AGE } from '../schemas/limits.ts'

// The rules of API.md section 1 are enforced here as well as in the zod
// schemas: the database is the last line, whoever writes to it. Properties are
// named as the API's JSON fields, so rows are responses without a mapping.
// The limits come from src/schemas/limits.ts, as the zod schemas' do; they are
// written into the SQL as literals, so the migrations stay plain DDL.

/** A number as SQL text, not a bound parameter: DDL takes no parameters. */
const literal = (value: number) => sql.raw(String(value))

export const actors = pgTable(
  'actors',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    name: varchar({ length: MAX_NAME }).notNull(),
    age: integer().notNull(),
    gender: varchar({ length: MAX_GENDER }).notNull().default(DEFAULT_GENDER),
  },
  (t) => [
    check('actors_name_trimmed', sql`${t.name} = btrim(${t.name}) and char_length(${t.name}) between 1 and ${literal(MAX_NAME)}`),
    check('actors_age_range', sql`${t.age} between ${literal(MIN_AGE)} and ${literal(MAX_AGE)}`),
    check('actors_gender_trimmed', sql`${t.gender} = btrim(${t.gender}) and char_length(${t.gender}) between 1 and ${literal(MAX_GENDER)}`),
    // Listing (API.md Part B): `q` is a case-insensitive substring (trigrams),
    // `gender` a case-insensitive match, `min_age`/`max_age` a range, and each
    // sort is by (field, id) so a page is an index range scan. A cursor page
    // with `gender` may walk (lower(gender), id) from its cursor, per_page + 1
    // rows however rare the gender, instead of the primary key (API.md C7).
    index('actors_name_trgm_idx').using('gin', t.name.op('gin_trgm_ops')),
    index('actors_gender_lower_id_idx').on(sql`lower(${t.gender})`, t.id),
    index('actors_age_id_idx').on(t.age, t.id),
    index('actors_name_id_idx').on(t.name, t.id),
  ],
)

export const movies = pgTable(
  'movies',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    title: varchar({ length: MAX_TITLE }).notNull(),
    release_date: date({ mode: 'string' }).notNull(),
  },
  (t) => [
    check('movies_title_trimmed', sql`${t.title} = btrim(${t.title}) and char_length(${t.title}) between 1 and ${literal(MAX_TITLE)}`),
    index('movies_title_trgm_idx').using('gin', t.title.op('gin_trgm_ops')),
    index('movies_title_id_idx').on(t.title, t.id),
    index('movies_release_date_id_idx').on(t.release_date, t.id),
  ],
)

export const castings = pgTable(
  'castings',
  {
    movie_id: integer()
      .notNull()
      .references(() => movies.id, { onDelete: 'cascade' }),
    actor_id: integer()
      .notNull()
      .references(() => actors.id, { onDelete: 'cascade' }),
    fee: numeric({ precision: FEE_PRECISION, scale: FEE_SCALE, mode: 'number' }),
  },
  (t) => [
    primaryKey({ columns: [t.movie_id, t.actor_id] }),
    // The primary key serves lookups by movie; this one serves an actor's
    // filmography and the cascade when an actor is deleted.
    index('castings_actor_id_idx').on(t.actor_id),
    check('castings_fee_not_negative', sql`${t.fee} >= 0`),
  ],
)

// The system of record (API.md Part C). `events` is written only by the
// database's own triggers (migrations/0002_system_of_record.sql), one row per
// changed actor, movie or casting, in the transaction of the write: no write
// path can forget it. Who and which request come from transaction-local
// settings that each write sends in the same round trip (src/db/recorded.ts).
/**
 * The keys an event is found by: each resource's id, named as the API names
 * it. A resource's trigger writes its own (and a casting both of its sides);
 * each key has an index, so a history is one index range scan.
 */
export const EVENT_KEYS = ['actor_id', 'movie_id'] as const
/** What an event says was done, as the `events_action` constraint allows it. */
export const EVENT_ACTIONS = ['create', 'update', 'delete', 'restore'] as const

export const events = pgTable(
  'events',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp({ withTimezone: true, precision: 3, mode: 'string' }).notNull().defaultNow(),
    by: text(),
    request_id: text(),
    // The writing transaction: what groups the events of one write (a delete and the castings it cascaded to).
    txid: bigint({ mode: 'number' }).notNull().default(sql`txid_current()`),
    action: text().notNull(),
    /** The resource's name, as the API names one (`actor`, `casting`). */
    resource: text().notNull(),
    /** The ids it is found by, as the API names them: its own (`{"actor_id": 1}`), and a casting's both sides. */
    keys: jsonb().notNull(),
    before: jsonb(),
    after: jsonb(),
  },
  (t) => [
    check('events_action', sql`${t.action} in (${sql.raw(EVENT_ACTIONS.map((a) => `'${a}'`).join(', '))})`),
    // A resource's history (its own events and its castings') is one index range scan, newest first.
    ...EVENT_KEYS.map((key) => index(`events_${key}_idx`).on(sql`((${t.keys} ->> '${sql.raw(key)}')::integer)`, t.id)),
    // The feed (API.md D1) walks (txid, id), all of it or one resource's.
    index('events_txid_id_idx').on(t.txid, t.id),
    index('events_resource_txid_id_idx').on(t.resource, t.txid, t.id),
    // One resource's events in feed order: what the trigger checks a new event against (it must come after them in
    // the feed, or its transaction is retried), and where an as-of read finds the version of a moment (API.md D4).
    index('events_resource_keys_txid_id_idx').on(t.resource, t.keys, t.txid, t.id),
    // What the hourly upkeep deletes first.
    index('events_at_idx').on(t.at),
  ],
)

/**
 * The feed's purge watermark (API.md D1): the last position, in feed order
 * (txid, id), of the events the hourly upkeep has deleted, written by the
 * upkeep in the statement that deletes them. A cursor before it has lost
 * events after it (410); one at or after it has lost nothing. One row at most.
 */
export const eventsPurged = pgTable(
  'events_purged',
  {
    singleton: boolean().primaryKey().default(true),
    txid: bigint({ mode: 'number' }).notNull(),
    id: bigint({ mode: 'number' }).notNull(),
  },
  (t) => [check('events_purged_one_row', sql`${t.singleton}`)],
)

// Idempotency-Key (API.md C3): stored with the created rows, in their
// transaction, so a key is claimed exactly when its create commits.
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    subject: text().notNull(),
    key: text().notNull(),
    /** SHA-256 of the method, path and exact body bytes. */
    fingerprint: text().notNull(),
    status: integer().notNull(),
    /** The response body as sent; `json` keeps its keys in order. */
    body: json().notNull(),
    location: text(),
    created_at: timestamp({ withTimezone: true, precision: 3, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.subject, t.key] }), index('idempotency_keys_created_at_idx').on(t.created_at)],
)

// Webhooks (API.md D2): the feed pushed to URLs. Not recorded as events: they
// are configuration of delivery, not part of the record.
export const DELIVERY_STATES = ['pending', 'delivered', 'failed'] as const

export const webhooks = pgTable(
  'webhooks',
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    url: text().notNull(),
    types: text().array().notNull(),
    description: text(),
    enabled: boolean().notNull().default(true),
    disabled_reason: text(),
    created_at: timestamp({ withTimezone: true, precision: 3, mode: 'string' }).notNull().defaultNow(),
    /** The signing secret, AES-GCM encrypted with WEBHOOK_ENCRYPTION_KEY (src/webhooks/secrets.ts): a dump alone cannot sign. */
    secret: text().notNull(),
    /** The secret before the last rotation, encrypted as `secret`; deliveries carry its signature too until it expires. */
    previous_secret: text(),
    previous_secret_expires_at: timestamp({ withTimezone: true, precision: 3, mode: 'string' }),
    // Where the dispatcher's walk of the feed (API.md D1) stands for this webhook, as a feed position (txid, id).
    // It starts below every transaction still running when the webhook was created: what commits later is sent.
    cursor_txid: bigint({ mode: 'number' }).notNull().default(sql`(pg_snapshot_xmin(pg_current_snapshot())::text::bigint - 1)`),
    cursor_id: bigint({ mode: 'number' }).notNull().default(sql`9223372036854775807`),
    /** When its deliveries started failing without a success since; 3 days of that disables it. */
    failing_since: timestamp({ withTimezone: true, precision: 3, mode: 'string' }),
  },
  (t) => [check('webhooks_types_count', sql`cardinality(${t.types}) between 1 and 20`)],
)

/** One row per (webhook, event) the dispatcher sent to the queue: each attempt's outcome (API.md D2, GET …/deliveries). */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    webhook_id: integer()
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    event_txid: bigint({ mode: 'number' }).notNull(),
    event_id: bigint({ mode: 'number' }).notNull(),
    type: text().notNull(),
    attempts: integer().notNull().default(0),
    state: text().notNull().default('pending'),
    last_status: integer(),
    last_error: text(),
    next_attempt_at: timestamp({ withTimezone: true, precision: 3, mode: 'string' }),
    updated_at: timestamp({ withTimezone: true, precision: 3, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [
    // Newest event first is this key walked backwards.
    primaryKey({ columns: [t.webhook_id, t.event_txid, t.event_id] }),
    check('webhook_deliveries_state', sql`${t.state} in (${sql.raw(DELIVERY_STATES.map((s) => `'${s}'`).join(', '))})`),
    index('webhook_deliveries_updated_at_idx').on(t.updated_at),
  ],
)
