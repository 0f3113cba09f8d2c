import { Hono } from 'hono'
import type * as z from 'zod'
import { requirePermission } from '../auth/require-permission.ts'
import { CONTENT_DISPOSITION, csvAccepted, csvAnswer, csvDocumented } from '../csv-export.ts'
import type { Database } from '../db/client.ts'
import type { AppEnv } from '../env.ts'
import { ApiError } from '../errors.ts'
import { decodeCursor, encodeCursor, type Position, START } from '../feed-cursor.ts'
import { operation } from '../openapi.ts'
import { readFeed } from '../queries/feed.ts'
import { BAD_CURSOR, feedEventSchema, feedQuery, feedResponse } from '../schemas/events.ts'
import { EXPORT_CHUNK_ROWS } from '../schemas/limits.ts'
import { validate } from '../validation.ts'

/** A waiting request asks the database at most this often (API.md D1: twice a second). */
export const POLL_INTERVAL_MS = 500

const PAST_RETENTION = 'cursor is past retention; start again without after.'

/** A timer, not a busy loop: the Worker spends no CPU while it waits. */
const sleep = (ms: number) => scheduler.wait(ms)

/** An event's columns in an export, as its JSON names them; `before` and `after` go as JSON text. */
const EVENT_COLUMNS = Object.keys(feedEventSchema.shape)

/**
 * The feed from `from` on, as the chunks of an export: one page of
 * `EXPORT_CHUNK_ROWS` a statement, until a page comes back short. Its 400 and 410
 * come with the first chunk, before the answer starts, so they stay JSON.
 */
async function* feedInChunks(db: Database, from: Position, resource: string | undefined) {
  for (let position = from; ; ) {
    const page = await readFeed(db, position, EXPORT_CHUNK_ROWS, resource)
    if (page.ahead) throw new ApiError(400, BAD_CURSOR)
    if (page.purged && position.txid !== START.txid) throw new ApiError(410, PAST_RETENTION)
    const events = (page.events ?? []) as { cursor: string }[]
    yield events as Record<string, unknown>[]
    const last = events.at(-1)
    if (!last || events.length < EXPORT_CHUNK_ROWS) return
    position = decodeCursor(last.cursor) ?? position
  }
}

export const feed = new Hono<AppEnv>().get(
  '/',
  operation({
    operationId: 'listEvents',
    tag: 'History',
    summary: 'The change feed',
    description: [
      'Every event of every resource, in one order that never changes, resumable from any cursor: a walk that resumes with each',
      "page's `next_after` receives every committed event exactly once, the events of one transaction together, and each",
      "resource's events in the order they were written. A page may stop short of the newest events while an older",
      'transaction is still running. With `wait`, an empty page waits for the next event.',
    ].join(' '),
    success: {
      status: 200,
      description: 'A page of events.',
      schema: feedResponse,
      alternatives: csvDocumented(EVENT_COLUMNS),
      headers: { 'Content-Disposition': CONTENT_DISPOSITION },
    },
    errors: { 410: `Events after \`after\` were purged (\`${PAST_RETENTION}\`).` },
  }),
  requirePermission('read:history'),
  // API.md D3: every event from `after` on, as `events.csv`; `after` is where the export starts.
  csvAccepted(['per_page', 'wait']),
  validate('query', feedQuery),
  async (c) => {
    const { after, per_page, resource, wait } = c.req.valid('query')
    const from = after ?? START
    if (c.var.csv) return csvAnswer(c, 'events', EVENT_COLUMNS, feedInChunks(c.var.db, from, resource))
    const deadline = Date.now() + (wait ?? 0) * 1000
    for (;;) {
      const page = await readFeed(c.var.db, from, per_page, resource)
      // A position no transaction has reached yet was never a cursor of ours; the start never loses its place.
      if (page.ahead) throw new ApiError(400, BAD_CURSOR)
      if (page.purged && from.txid !== START.txid) throw new ApiError(410, PAST_RETENTION)
      const events = (page.events ?? []) as z.input<typeof feedResponse>['events']
      const remaining = deadline - Date.now()
      if (events.length > 0 || remaining <= 0) {
        const last = events.at(-1)
        const next_after = last ? last.cursor : encodeCursor(from)
        return c.json({ success: true, events, next_after } satisfies z.input<typeof feedResponse>)
      }
      await sleep(Math.min(POLL_INTERVAL_MS, remaining))
    }
  },
)
