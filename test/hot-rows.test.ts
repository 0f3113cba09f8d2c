import { env } from 'cloudflare:workers'
import { sql } from 'drizzle-orm'
import { Hono } from 'hono'
import { describe, expect, inject, it } from 'vitest'
import { withDatabase } from '../src/db/client'
import { inTurn } from '../src/db/recorded'
import { actors, castings, events, movies } from '../src/db/schema'
import type { AppEnv } from '../src/env'
import { envelope, toApiError } from '../src/errors'
import { call, callJson, countedByEndpoint, producer, withDb } from './helpers'

// Many writers on one row at once, without If-Match: each write waits for the
// one before it, and none is refused. The history trigger refuses an event
// that would come before a newer transaction's event of the same resource in
// the feed (migrations/0007), and a transaction takes its id at its first
// write: a PATCH that took its id, then waited for the row while a later one
// got it first, was refused, sent again, and after three refusals answered
// 500. Each answer must be one the contract allows, and each resource's events
// must chain in feed order. PGlite runs one transaction at a time, so there
// these writes never overlap: they bite on the PostgreSQL server only.

type FeedEvent = { type: string; resource: string; actor_id: number | null; movie_id: number | null; before: unknown; after: unknown }

/** Requests sent all at once; answers each one's method and path with its status. */
async function allAtOnce(requests: [method: string, path: string, body?: unknown][]) {
  const token = await producer()
  const responses = await Promise.all(requests.map(([method, path, body]) => call(path, { method, token, body })))
  return Promise.all(
    responses.map(async (response, i) => {
      await response.body?.cancel()
      return { request: `${requests[i]![0]} ${requests[i]![1]}`, status: response.status }
    }),
  )
}

/** The answers whose status is not among those `allowed` for their request. */
const unexpected = (answers: { request: string; status: number }[], allowed: Record<string, number[]>) =>
  answers.filter(({ request, status }) => !allowed[request]?.includes(status)).map(({ request, status }) => `${request} → ${status}`)

/** Every event, walking GET /events from the start, once all `total` have passed the feed's watermark. */
async function walkFeed(total: number) {
  const token = await producer()
  const seen: FeedEvent[] = []
  let after = ''
  const give = Date.now() + 30_000
  while (seen.length < total && Date.now() < give) {
    const { status, body } = await callJson<{ events: FeedEvent[]; next_after: string }>(
      `/events?per_page=1000&wait=1${after && `&after=${after}`}`,
      { token },
    )
    expect(status, JSON.stringify(body)).toBe(200)
    seen.push(...body.events)
    after = body.next_after
  }
  return seen
}

/** The events, in feed order, whose `before` is not their resource's previous `after` (API.md D1). */
function unchained(feed: FeedEvent[]) {
  const last = new Map<string, unknown>()
  const broken: string[] = []
  for (const event of feed) {
    const key = `${event.resource} ${event.movie_id ?? ''} ${event.actor_id ?? ''}`
    if (JSON.stringify(event.before) !== JSON.stringify(last.get(key) ?? null)) broken.push(`${key}: ${event.type}`)
    last.set(key, event.after)
  }
  return broken
}

/** The events the database holds, walked through the feed: all of them, each resource's chained. */
async function expectFeedChained() {
  const total = await withDb((db) => db.$count(events))
  const feed = await walkFeed(total)
  expect(feed).toHaveLength(total)
  expect(unchained(feed)).toEqual([])
  return feed
}

const ROUNDS = 12
const WRITERS = 16
// The feed waits for the oldest transaction of the whole server, a shared one's neighbours' included (docs/feed.md).
const TIMEOUT = { timeout: 60_000 }

describe('concurrent PATCHes of one actor, without If-Match', () => {
  it('answer 200 each, and the actor’s events chain in the feed', TIMEOUT, async () => {
    await withDb((db) => db.insert(actors).values({ name: 'Ada', age: 0 }))
    for (let round = 0; round < ROUNDS; round++) {
      // A different name each, so none is "nothing to change".
      const answers = await allAtOnce(Array.from({ length: WRITERS }, (_, i) => ['PATCH', '/actors/1', { name: `Ada ${round}.${i}` }]))
      expect(unexpected(answers, { 'PATCH /actors/1': [200] })).toEqual([])
    }
    const feed = await expectFeedChained()
    expect(feed.filter((event) => event.type === 'actor.updated')).toHaveLength(ROUNDS * WRITERS)
    const [row] = await withDb((db) => db.select().from(actors))
    expect(feed.at(-1)?.after).toEqual(row)
  })
})

describe('concurrent PATCHes, DELETEs and restores of one actor', () => {
  it('answer as the contract says, deletes and restores taking turns, and chain in the feed', TIMEOUT, async () => {
    await withDb((db) => db.insert(actors).values({ name: 'Ada', age: 0 }))
    for (let round = 0; round < ROUNDS; round++) {
      const answers = await allAtOnce([
        ...Array.from({ length: WRITERS - 4 }, (_, i): [string, string, unknown] => ['PATCH', '/actors/1', { name: `Ada ${round}.${i}` }]),
        ['DELETE', '/actors/1'],
        ['DELETE', '/actors/1'],
        ['POST', '/actors/1/restore'],
        ['POST', '/actors/1/restore'],
      ])
      expect(
        unexpected(answers, { 'PATCH /actors/1': [200, 404], 'DELETE /actors/1': [200, 404], 'POST /actors/1/restore': [200, 409] }),
      ).toEqual([])
      // From an actor that exists, each delete that wins is of the actor the last restore brought back.
      const won = (request: string) => answers.filter((answer) => answer.request === request && answer.status === 200).length
      expect([0, 1]).toContain(won('DELETE /actors/1') - won('POST /actors/1/restore'))
      // Whatever happened, the next round starts from an actor that exists.
      await call('/actors/1/restore', { method: 'POST', token: await producer() })
    }
    await expectFeedChained()
  })
})

describe('concurrent writes to one casting and its movie', () => {
  it('answer as the contract says, and the casting’s and movie’s events chain in the feed', TIMEOUT, async () => {
    await withDb(async (db) => {
      await db.insert(movies).values({ title: 'Heat', release_date: '1995-12-15' })
      await db.insert(actors).values({ name: 'Ada', age: 30 })
      await db.insert(castings).values({ movie_id: 1, actor_id: 1, fee: 0 })
    })
    for (let round = 0; round < ROUNDS; round++) {
      const fee = (i: number) => 1 + round * WRITERS + i
      const answers = await allAtOnce([
        ...Array.from({ length: WRITERS - 6 }, (_, i): [string, string, unknown] => ['PUT', '/movies/1/actors/1', { fee: fee(i) }]),
        ['DELETE', '/movies/1/actors/1'],
        ['DELETE', '/movies/1/actors/1'],
        ['PUT', '/movies/1/actors', { cast: [{ actor_id: 1, fee: fee(WRITERS - 2) }] }],
        ['PUT', '/movies/1/actors', { cast: [] }],
        ['PATCH', '/movies/1', { title: `Heat ${fee(0)}` }],
        ['PATCH', '/actors/1', { name: `Ada ${round}` }],
      ])
      expect(
        unexpected(answers, {
          'PUT /movies/1/actors/1': [200, 201],
          'DELETE /movies/1/actors/1': [200, 404],
          'PUT /movies/1/actors': [200],
          'PATCH /movies/1': [200],
          'PATCH /actors/1': [200],
        }),
      ).toEqual([])
    }
    await expectFeedChained()
  })
})

// Why the writes above wait their turn without being refused: a write takes its
// advisory lock (src/db/recorded.ts `inTurn`) before it touches a row, and
// waiting for that lock needs no transaction id, so the id it takes afterwards
// is newer than the id of the write it waited for.
describe.runIf(inject('onServer'))('a PATCH waiting for its turn (PostgreSQL server)', () => {
  it('holds no transaction id while it waits, and writes once the turn is its own', async () => {
    await withDb((db) => db.insert(actors).values({ name: 'Ada', age: 30 }))
    const holder = withDb((db) => db.batch([db.execute(sql`select ${inTurn(['actor', 1])}`), db.execute(sql`select pg_sleep(0.6)`)]))
    await new Promise((resolve) => setTimeout(resolve, 150))
    const patch = call('/actors/1', { method: 'PATCH', token: await producer(), body: { age: 31 } })
    await new Promise((resolve) => setTimeout(resolve, 250))
    const { rows: waiting } = await withDb((db) =>
      db.execute<{ xid: string | null }>(
        sql`select backend_xid::text as xid from pg_stat_activity where datname = current_database() and wait_event = 'advisory'`,
      ),
    )
    expect(waiting).toEqual([{ xid: null }])
    expect((await patch).status).toBe(200)
    await holder
  })
})

// The safety net's last answer: a transaction the trigger still refuses after
// the client's retries (src/db/client.ts) wrote nothing, and the same request
// later can succeed. A route of this test's own raises the refusal every time.
describe('a write refused for the feed’s order on every attempt', () => {
  const app = new Hono<AppEnv>()
    .use(withDatabase)
    .get('/refused', async (c) => {
      await c.var.db.execute(sql`do $$ begin raise exception 'refused' using errcode = 'serialization_failure'; end $$`)
      return c.json({ success: true })
    })
    .onError((error, c) => {
      const answer = toApiError(error)
      return envelope(c, answer.status, answer.message, answer.headers)
    })

  it('is sent three times, then answers 503 database unavailable. with Retry-After', async () => {
    let response: Response | undefined
    const { requests } = await countedByEndpoint(async () => {
      response = await app.request('/refused', {}, env)
    })
    expect(requests).toBe(3)
    expect(response?.status).toBe(503)
    expect(await response?.json()).toEqual({ success: false, error: 503, message: 'database unavailable.' })
    expect(response?.headers.get('Retry-After')).toBe('5')
  })
})
