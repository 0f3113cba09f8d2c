import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { events, eventsPurged } from '../src/db/schema'
import { decodeCursor, encodeCursor } from '../src/feed-cursor'
import worker from '../src/index'
import { castingRow, eventKeys } from './expected'
import { call, callJson, countedByEndpoint, producer, tokenFor, withDb } from './helpers'
import { registered } from './registry'

// API.md D1: GET /events, the change feed. The promise under concurrent
// writers is proven on the PostgreSQL server by test/feed-promise.test.ts.

type FeedEvent = Record<string, unknown> & { type: string; cursor: string; resource: string; action: string }
type Page = { success: true; events: FeedEvent[]; next_after: string }

const feed = async (query = '', token?: string) => callJson<Page>(`/events${query}`, { token: token ?? (await producer()) })

/** Every event from `after` on, `perPage` at a time, and the cursor the walk ends with. */
async function walk(perPage: number, after?: string, extra = '') {
  const token = await producer()
  const seen: FeedEvent[] = []
  let cursor = after
  for (;;) {
    const { status, body } = await feed(`?per_page=${perPage}${cursor ? `&after=${cursor}` : ''}${extra}`, token)
    expect(status, JSON.stringify(body)).toBe(200)
    seen.push(...body.events)
    if (body.events.length === 0) return { seen, cursor: body.next_after }
    expect(body.next_after).toBe(body.events.at(-1)!.cursor)
    cursor = body.next_after
  }
}

/** Two actors, a movie, both cast, one fee changed, one actor deleted (its casting with it) and restored. */
async function arrange() {
  const token = await producer()
  await call('/actors', {
    method: 'POST',
    token,
    body: [
      { name: 'Ada', age: 36 },
      { name: 'Grace', age: 45 },
    ],
  })
  await call('/movies', { method: 'POST', token, body: { title: 'Fargo', release_date: '1996-03-08' } })
  await call('/movies/1/actors', { method: 'PUT', token, body: { cast: [{ actor_id: 1, fee: 10 }, { actor_id: 2 }] } })
  await call('/movies/1/actors/2', { method: 'PUT', token, body: { fee: 20 } })
  await call('/actors/2', { method: 'DELETE', token })
  await call('/actors/2/restore', { method: 'POST', token })
}

const TYPES = [
  'actor.created',
  'actor.created',
  'movie.created',
  'casting.created',
  'casting.created',
  'casting.updated',
  'actor.deleted',
  'casting.deleted',
  'actor.restored',
  'casting.restored',
]

describe('GET /events', () => {
  it('walks every event once, oldest first, each with its type and cursor, page by page', async () => {
    await arrange()
    const all = await walk(100)
    expect(all.seen.map((event) => event.type)).toEqual(TYPES)
    for (const perPage of [1, 3]) {
      const paged = await walk(perPage)
      expect(paged.seen).toEqual(all.seen)
      expect(paged.cursor).toBe(all.cursor)
    }
    const ids = await withDb((db) => db.select({ id: events.id, txid: events.txid }).from(events).orderBy(events.txid, events.id))
    expect(all.seen.map((event) => decodeCursor(event.cursor))).toEqual(ids.map(({ txid, id }) => ({ txid: String(txid), id: String(id) })))
    // An event as the history shows it, and more.
    expect(all.seen[5]).toEqual({
      at: expect.stringMatching(/Z$/),
      by: expect.stringMatching(/^auth0\|producer-/),
      request_id: expect.any(String),
      action: 'update',
      resource: 'casting',
      ...eventKeys({ actor_id: 2, movie_id: 1 }),
      before: castingRow({ movie_id: 1, actor_id: 2, fee: null }),
      after: castingRow({ movie_id: 1, actor_id: 2, fee: 20 }),
      type: 'casting.updated',
      cursor: expect.any(String),
    })
  })

  it('answers the events after a cursor, and from the last one an empty page that keeps it', async () => {
    await arrange()
    const { seen } = await walk(100)
    const { body } = await feed(`?after=${seen[6]!.cursor}`)
    expect(body.events.map((event) => event.type)).toEqual(TYPES.slice(7))
    const end = await feed(`?after=${seen.at(-1)!.cursor}`)
    expect(end.body).toEqual({ success: true, events: [], next_after: seen.at(-1)!.cursor })
  })

  it('gives an empty feed a cursor that means "from the start"', async () => {
    const { body } = await feed()
    expect(body.events).toEqual([])
    await arrange()
    expect((await walk(4, body.next_after)).seen.map((event) => event.type)).toEqual(TYPES)
  })

  it('keeps a transaction together: a delete and the castings it removed', async () => {
    await arrange()
    const { seen } = await walk(100)
    const [deleted, casting] = [seen[6]!, seen[7]!]
    expect(decodeCursor(deleted.cursor)?.txid).toBe(decodeCursor(casting.cursor)?.txid)
    expect(deleted.request_id).toBe(casting.request_id)
  })

  it('narrows the walk to one resource, with cursors the whole walk takes', async () => {
    await arrange()
    const castings = await walk(2, undefined, '&resource=casting')
    expect(castings.seen.map((event) => event.type)).toEqual(TYPES.filter((type) => type.startsWith('casting.')))
    const { body } = await feed(`?after=${castings.seen[1]!.cursor}`)
    expect(body.events.map((event) => event.type)).toEqual(TYPES.slice(5))
    const movies = await feed('?resource=movie')
    expect(movies.body.events.map((event) => event.type)).toEqual(['movie.created'])
  })

  it.each([
    ['per_page=0', 'per_page must be an integer between 1 and 1000.'],
    ['per_page=1001', 'per_page must be an integer between 1 and 1000.'],
    ['per_page=abc', 'per_page must be an integer between 1 and 1000.'],
    // Every registered resource, in the registry's order, and castings: actor, movie, …, casting.
    ['resource=director', `resource must be one of: ${[...registered.map(({ one }) => one), 'casting'].join(', ')}.`],
    ['wait=0', 'wait must be an integer between 1 and 25.'],
    ['wait=26', 'wait must be an integer between 1 and 25.'],
    ['wait=1.5', 'wait must be an integer between 1 and 25.'],
    ['after=', 'after must be a cursor from next_after.'],
    ['after=12', 'after must be a cursor from next_after.'],
    ['after=not-a-cursor', 'after must be a cursor from next_after.'],
    [`after=${btoa('e1.1.2')}=`, 'after must be a cursor from next_after.'],
    [`after=${btoa('e2.1.2')}`, 'after must be a cursor from next_after.'],
    [`after=${encodeCursor({ txid: '01', id: '2' })}`, 'after must be a cursor from next_after.'],
    [`after=${encodeCursor({ txid: '9223372036854775808', id: '2' })}`, 'after must be a cursor from next_after.'],
    // A position ahead of every transaction: no page of this API's ever ended there.
    [`after=${encodeCursor({ txid: '9223372036854775807', id: '1' })}`, 'after must be a cursor from next_after.'],
  ])('answers 400 to %s', async (query, message) => {
    const { status, body } = await feed(`?${query}`)
    expect(body).toEqual({ success: false, error: 400, message })
    expect(status).toBe(400)
  })

  it('takes per_page up to 1000, 100 by default', async () => {
    await withDb((db) => db.execute(sql`insert into actors (name, age) select 'A' || n, 30 from generate_series(1, 1001) n`))
    expect((await feed()).body.events).toHaveLength(100)
    expect((await feed('?per_page=1000')).body.events).toHaveLength(1000)
  })

  it('answers 410 to a cursor older than an event the upkeep purged, and not without one', async () => {
    await arrange()
    const { seen } = await walk(100)
    await withDb((db) =>
      db.execute(sql`update ${events} set at = now() - interval '366 days' where id <= (select min(id) + 2 from ${events})`),
    )
    const context = createExecutionContext()
    await worker.scheduled(createScheduledController({ cron: '17 * * * *' }), env as never, context)
    await waitOnExecutionContext(context)
    const [mark] = await withDb((db) => db.select().from(eventsPurged))
    expect({ txid: String(mark!.txid), id: String(mark!.id) }).toEqual(decodeCursor(seen[2]!.cursor))

    for (const cursor of [seen[0]!.cursor, seen[1]!.cursor]) {
      const { status, body } = await feed(`?after=${cursor}`)
      expect(body).toEqual({ success: false, error: 410, message: 'cursor is past retention; start again without after.' })
      expect(status).toBe(410)
    }
    // From the last purged position on, nothing is missing.
    expect((await feed(`?after=${seen[2]!.cursor}`)).body.events).toEqual(seen.slice(3))
    expect((await feed()).body.events).toEqual(seen.slice(3))
  })

  it('answers a page in one round trip', async () => {
    await arrange()
    const token = await producer()
    const { statements } = await countedByEndpoint(() => feed('?per_page=3', token))
    expect(statements).toBe(1)
  })

  it('needs read:history', async () => {
    const { status, body, response } = await feed('', await tokenFor('director'))
    expect(body).toEqual({ success: false, error: 403, message: 'Permission not found.' })
    expect(status).toBe(403)
    expect(response.headers.get('WWW-Authenticate')).toBe('Bearer error="insufficient_scope", scope="read:history"')
    expect((await call('/events')).status).toBe(401)
  })
})

describe('GET /events?wait=', () => {
  it('answers within a second of the next commit, asking the database at most twice a second', async () => {
    const token = await producer()
    const { body: start } = await feed('', token)
    let committed = 0
    let answered = 0
    let page: Page | undefined
    let began = 0
    const { statements } = await countedByEndpoint(async () => {
      began = Date.now()
      const waiting = feed(`?wait=10&after=${start.next_after}`, token).then(({ body }) => {
        answered = Date.now()
        page = body
      })
      // Between two of its polls, not on one.
      await new Promise((resolve) => setTimeout(resolve, 2_250))
      await call('/actors', { method: 'POST', token, body: { name: 'Ada', age: 36 } })
      committed = Date.now()
      await waiting
    })
    expect(page?.events.map((event) => event.type)).toEqual(['actor.created'])
    const latency = answered - committed
    // From the waiting request's start: the write's own time counts too (under load it is more than a poll's interval).
    const elapsed = answered - began
    console.info(JSON.stringify({ wakeUpMs: latency, statements, statementsPerSecond: (statements - 1) / (elapsed / 1000) }))
    expect(latency).toBeLessThan(1_000)
    // The write is one statement; the waiting request at most one per 500 ms, plus its first.
    expect(statements - 1).toBeLessThanOrEqual(Math.floor(elapsed / 500) + 1)
  })

  it('answers the empty page when the time is up, keeping the cursor', async () => {
    const token = await producer()
    const { body: start } = await feed('', token)
    const began = Date.now()
    const { body } = await feed(`?wait=1&after=${start.next_after}`, token)
    expect(Date.now() - began).toBeGreaterThanOrEqual(900)
    expect(Date.now() - began).toBeLessThan(2_000)
    expect(body).toEqual({ success: true, events: [], next_after: start.next_after })
  })

  it('answers at once when there are events', async () => {
    await arrange()
    const began = Date.now()
    expect((await feed('?wait=25')).body.events).toHaveLength(TYPES.length)
    expect(Date.now() - began).toBeLessThan(1_000)
  })
})
