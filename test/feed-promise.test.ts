import { sql } from 'drizzle-orm'
import { describe, expect, inject, it } from 'vitest'
import { actors, castings, events, movies } from '../src/db/schema'
import { call, callJson, tokenFor, withDb } from './helpers'

// API.md D1's promise, under load: many writers of every kind at once while
// readers walk the feed in small pages. Afterwards every event is in every
// reader's walk exactly once, in one order all readers share, and each
// resource's events chain (each `before` is the previous `after`). The twin
// walks by id alone, as a naive feed would, under the same load, and skips
// events: what the snapshot watermark is for. Only on a PostgreSQL server:
// PGlite runs one transaction at a time, so nothing would ever be concurrent.

type FeedEvent = {
  type: string
  cursor: string
  resource: string
  actor_id: number | null
  movie_id: number | null
  before: unknown
  after: unknown
}

const ACTORS = 30
const MOVIES = 4
const WRITERS = 12
const ROUNDS = 20

const pick = <T>(list: readonly T[]) => list[Math.floor(Math.random() * list.length)]!
const between = (low: number, high: number) => low + Math.floor(Math.random() * (high - low + 1))

async function arrange() {
  await withDb(async (db) => {
    await db.insert(actors).values(Array.from({ length: ACTORS }, (_, i) => ({ name: `Actor ${i + 1}`, age: 20 + i })))
    await db.insert(movies).values(Array.from({ length: MOVIES }, (_, i) => ({ title: `Movie ${i + 1}`, release_date: '2000-01-01' })))
  })
}

/** One writer: ROUNDS requests of every kind the API writes with, on a shared, small set of rows. */
async function writer(statuses: number[]) {
  const token = await tokenFor('producer')
  const actor = () => between(1, ACTORS)
  const movie = () => between(1, MOVIES)
  const kinds = [
    () => call('/actors', { method: 'POST', token, body: { name: 'New', age: 30 } }),
    () =>
      call('/movies', {
        method: 'POST',
        token,
        body: Array.from({ length: 20 }, (_, i) => ({ title: `Bulk ${i}`, release_date: '2001-01-01' })),
      }),
    () => call(`/actors/${actor()}`, { method: 'PATCH', token, body: { age: between(0, 150) } }),
    () => call(`/movies/${movie()}`, { method: 'PATCH', token, body: { title: `Title ${between(1, 1e6)}` } }),
    () => call(`/actors/${actor()}`, { method: 'DELETE', token }),
    () => call(`/movies/${movie()}`, { method: 'DELETE', token }),
    () => call(`/actors/${actor()}/restore`, { method: 'POST', token }),
    () => call(`/movies/${movie()}/restore`, { method: 'POST', token }),
    () => {
      const cast = [...new Set(Array.from({ length: between(0, 12) }, actor))].map((actor_id) => ({ actor_id, fee: between(0, 1000) }))
      return call(`/movies/${movie()}/actors`, { method: 'PUT', token, body: { cast } })
    },
    () => call(`/movies/${movie()}/actors/${actor()}`, { method: 'PUT', token, body: { fee: between(0, 1000) } }),
    () => call(`/movies/${movie()}/actors/${actor()}`, { method: 'DELETE', token }),
    // A slow transaction among the fast ones: a write outside the API that commits 200 ms after its event got its id.
    () =>
      withDb((db) =>
        db.batch([
          db.execute(sql`update ${actors} set age = (${actors.age} + 1) % 150 where ${actors.id} = ${actor()}`),
          db.execute(sql`select pg_sleep(0.2)`),
        ]),
      ).then(() => new Response(null, { status: 204 })),
  ]
  for (let round = 0; round < ROUNDS; round++) {
    const response = await pick(kinds)()
    statuses.push(response.status)
    await response.body?.cancel()
  }
}

/** A reader of GET /events: pages of `perPage`, waiting when it has caught up, until `done()` and it has read `total()`. */
async function reader(perPage: number, done: () => boolean, total: () => number) {
  const token = await tokenFor('producer')
  const seen: FeedEvent[] = []
  let after = ''
  const give = Date.now() + 60_000
  while (!(done() && seen.length >= total()) && Date.now() < give) {
    const { status, body } = await callJson<{ events: FeedEvent[]; next_after: string }>(
      `/events?per_page=${perPage}&wait=1${after && `&after=${after}`}`,
      { token },
    )
    expect(status, JSON.stringify(body)).toBe(200)
    seen.push(...body.events)
    after = body.next_after
  }
  return seen
}

/** The naive feed: events by id alone, `perPage` at a time, straight from the table. */
async function naiveReader(perPage: number, done: () => boolean) {
  const seen: number[] = []
  let after = 0
  for (let idle = 0; idle < 3; ) {
    const { rows } = await withDb((db) =>
      db.execute<{ id: number }>(
        sql`select ${events.id} as id from ${events} where ${events.id} > ${after} order by ${events.id} limit ${perPage}`,
      ),
    )
    seen.push(...rows.map((row) => Number(row.id)))
    after = Number(rows.at(-1)?.id ?? after)
    if (rows.length === 0 && done()) idle++
  }
  return seen
}

/** Runs the writers while `readers` walk; answers what each reader saw, and every event as stored, in feed order. */
async function underLoad<T>(readers: (done: () => boolean, total: () => number) => Promise<T>[]) {
  await arrange()
  let finished = false
  let stored = Number.POSITIVE_INFINITY
  const statuses: number[] = []
  const walks = readers(
    () => finished,
    () => stored,
  )
  await Promise.all(Array.from({ length: WRITERS }, () => writer(statuses)))
  const all = await withDb((db) =>
    db.select({ id: events.id, txid: events.txid, resource: events.resource }).from(events).orderBy(events.txid, events.id),
  )
  stored = all.length
  finished = true
  return { walks: await Promise.all(walks), all, statuses }
}

const keyOf = (event: FeedEvent) => `${event.resource} ${event.movie_id ?? ''} ${event.actor_id ?? ''}`

describe.runIf(inject('onServer'))('the feed under concurrent writers (PostgreSQL server)', () => {
  it('gives every reader every event exactly once, in one shared order, each resource chained', { timeout: 120_000 }, async () => {
    const { walks, all, statuses } = await underLoad((done, total) => [5, 13, 1000].map((perPage) => reader(perPage, done, total)))
    expect(
      statuses.filter((status) => status >= 500),
      `statuses ${JSON.stringify(statuses)}`,
    ).toEqual([])
    expect(all.length).toBeGreaterThan(WRITERS * ROUNDS)
    const order = all.map(({ txid, id }) => `${txid}.${id}`)
    for (const walk of walks) {
      const positions = walk.map((event) => atob(event.cursor.replace(/-/g, '+').replace(/_/g, '/')).slice(3))
      expect(positions).toEqual(order)
    }
    // Each resource's events chain: its `before` is the `after` of its previous event in the feed.
    const last = new Map<string, unknown>()
    const broken: string[] = []
    for (const event of walks[0]!) {
      const key = keyOf(event)
      const previous = last.has(key) ? last.get(key) : null
      if (JSON.stringify(event.before) !== JSON.stringify(previous)) broken.push(`${key}: ${event.type} ${event.cursor}`)
      last.set(key, event.after)
    }
    expect(broken).toEqual([])
  })

  it('shows that a walk by event id alone skips events under the same load', { timeout: 120_000 }, async () => {
    const { walks, all } = await underLoad((done) => [naiveReader(1000, done), naiveReader(50, done)])
    const skipped = walks.map((walk) => all.length - new Set(walk).size)
    expect(Math.max(...skipped), `skipped by each naive reader: ${skipped.join(', ')}`).toBeGreaterThan(0)
  })

  // Transaction ids are taken at a transaction's first write: one that locked the movie first, then changed a casting
  // after a newer transaction had changed it, would come first in the feed with the later version.
  it("sends again whole a transaction that would put a resource's versions out of order", async () => {
    await withDb(async (db) => {
      await db.insert(actors).values({ name: 'Ada', age: 36 })
      await db.insert(movies).values({ title: 'Fargo', release_date: '1996-03-08' })
      await db.insert(castings).values({ movie_id: 1, actor_id: 1, fee: 0 })
    })
    const older = withDb((db) =>
      db.batch([
        db.execute(sql`select 1 from ${movies} where ${movies.id} = 1 for update`),
        db.execute(sql`select pg_sleep(0.4)`),
        db.execute(sql`update ${castings} set fee = 1 where movie_id = 1 and actor_id = 1`),
      ]),
    )
    await new Promise((resolve) => setTimeout(resolve, 150))
    const newer = await call('/movies/1/actors/1', { method: 'PUT', token: await tokenFor('producer'), body: { fee: 2 } })
    expect(newer.status).toBe(200)
    await older
    const { body } = await callJson<{ events: FeedEvent[] }>('/events?resource=casting', { token: await tokenFor('producer') })
    expect(body.events.map((event) => [event.before, event.after])).toEqual([
      [null, { movie_id: 1, actor_id: 1, fee: 0 }],
      [
        { movie_id: 1, actor_id: 1, fee: 0 },
        { movie_id: 1, actor_id: 1, fee: 2 },
      ],
      [
        { movie_id: 1, actor_id: 1, fee: 2 },
        { movie_id: 1, actor_id: 1, fee: 1 },
      ],
    ])
  })
})
