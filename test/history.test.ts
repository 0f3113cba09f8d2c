import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { events, idempotencyKeys } from '../src/db/schema'
import worker from '../src/index'
import { BATCH_ROWS } from '../src/scheduled'
import { actorRow, movieRow } from './expected'
import { call, callJson, producer, tokenFor, withDb } from './helpers'

// API.md C4 and C5: every write is recorded with who and which request, in its
// own transaction; a deleted resource can be restored; the hourly upkeep
// removes only what is expired.

type Event = Record<string, unknown> & { action: string; resource: string }

async function seedCast(token: string) {
  await call('/actors', { method: 'POST', token, body: { name: 'Ada', age: 36, gender: 'Female' } })
  await call('/actors', { method: 'POST', token, body: { name: 'Grace', age: 45 } })
  await call('/movies', { method: 'POST', token, body: { title: 'Fargo', release_date: '1996-03-08' } })
  await call('/movies', { method: 'POST', token, body: { title: 'Orlando', release_date: '1992-09-01' } })
  await call('/movies/1/actors/1', { method: 'PUT', token, body: { fee: 500 } })
  await call('/movies/2/actors/1', { method: 'PUT', token })
  await call('/movies/1/actors/2', { method: 'PUT', token, body: { fee: 12.5 } })
}

const historyOf = async (path: string, token?: string) =>
  callJson<{ history: Event[]; total: number }>(`${path}/history`, { token: token ?? (await producer()) })

describe('history of writes', () => {
  it('records a create, an update and a delete with who, which request, before and after', async () => {
    const token = await tokenFor('producer', { subject: 'auth0|casting-lead' })
    const created = await call('/actors', {
      method: 'POST',
      token,
      body: { name: 'Ada', age: 36 },
      headers: { 'X-Request-Id': 'req-create-1' },
    })
    await call('/actors/1', { method: 'PATCH', token, body: { age: 37 } })
    const deleted = await call('/actors/1', { method: 'DELETE', token })
    const { status, body } = await historyOf('/actors/1')
    expect(status).toBe(200)
    expect(body.total).toBe(3)
    expect(body.history.map((e) => e.action)).toEqual(['delete', 'update', 'create'])
    const [del, upd, cre] = body.history as [Event, Event, Event]
    expect(cre).toMatchObject({
      by: 'auth0|casting-lead',
      request_id: 'req-create-1',
      resource: 'actor',
      actor_id: 1,
      movie_id: null,
      before: null,
    })
    expect(cre.after).toEqual(actorRow({ id: 1, name: 'Ada', age: 36, gender: 'Other' }))
    expect(created.headers.get('X-Request-Id')).toBe('req-create-1')
    expect(upd.before).toMatchObject({ age: 36 })
    expect(upd.after).toMatchObject({ age: 37 })
    expect(del).toMatchObject({ request_id: deleted.headers.get('X-Request-Id'), after: null })
    expect(del.before).toEqual(actorRow({ id: 1, name: 'Ada', age: 37, gender: 'Other' }))
    expect(String(cre.at)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    expect(Math.abs(Date.parse(String(cre.at)) - Date.now())).toBeLessThan(60_000)
  })

  it('records the castings a delete cascades to, in the delete’s transaction', async () => {
    const token = await producer()
    await seedCast(token)
    await call('/actors/1', { method: 'DELETE', token })
    const { body } = await historyOf('/actors/1')
    const deletes = body.history.filter((e) => e.action === 'delete')
    expect(deletes.map((e) => `${e.resource}:${e.movie_id ?? ''}`).sort()).toEqual(['actor:', 'casting:1', 'casting:2'])
    const txids = await withDb((db) =>
      db.execute<{ n: number }>(sql`select count(distinct txid)::int as n from ${events} where action = 'delete'`),
    )
    expect(txids.rows[0]!.n).toBe(1)
    // A movie's history holds its castings' events too, the cascade's among them.
    const movie = await historyOf('/movies/1')
    expect(movie.body.history.map((e) => `${e.action} ${e.resource}`)).toContain('delete casting')
    expect(movie.body.history.find((e) => e.action === 'delete')?.before).toEqual({ movie_id: 1, actor_id: 1, fee: 500 })
  })

  it('records nothing for a request that wrote nothing', async () => {
    const token = await producer()
    await seedCast(token)
    const before = await withDb((db) => db.$count(events))
    await call('/actors/1', { method: 'PATCH', token, body: { age: 36 } }) // 422: no change
    await call('/actors/1', { method: 'PATCH', token, body: { age: 40 }, headers: { 'If-Match': '"stale"' } }) // 412
    await call('/movies/1/actors/1', { method: 'PUT', token, body: { fee: 500 } }) // the same fee again
    await call('/actors', { method: 'POST', token, body: { name: 'X', age: 200 } }) // 422
    expect(await withDb((db) => db.$count(events))).toBe(before)
  })

  it('pages newest first, and answers 404 for an id with no events, 400 for a bad page', async () => {
    const token = await producer()
    await call('/actors', { method: 'POST', token, body: { name: 'Ada', age: 1 } })
    for (let age = 2; age <= 4; age++) await call('/actors/1', { method: 'PATCH', token, body: { age } })
    const page = await callJson<{ history: Event[] }>('/actors/1/history?per_page=3&page=2', { token })
    expect(page.body).toMatchObject({ success: true, page: 2, per_page: 3, total: 4 })
    expect(page.body.history.map((e) => e.action)).toEqual(['create'])
    // Past the last page, as lists answer (API.md D5); the last page itself still answers.
    const past = await callJson('/actors/1/history?per_page=3&page=3', { token })
    expect([past.status, past.body]).toEqual([404, { success: false, error: 404, message: 'no events found.' }])
    expect((await callJson('/actors/1/history?per_page=4&page=1', { token })).status).toBe(200)
    const missing = await callJson('/actors/9/history', { token })
    expect([missing.status, missing.body.message]).toEqual([404, 'Actor with id 9 not found in database.'])
    expect((await callJson('/movies/9/history', { token })).body.message).toBe('Movie with id 9 not found in database.')
    const bad = await callJson('/actors/1/history?page=0', { token })
    expect([bad.status, bad.body.message]).toEqual([400, 'page must be a positive integer.'])
  })

  it('needs read:history, which only the producer holds', async () => {
    await call('/actors', { method: 'POST', token: await producer(), body: { name: 'Ada', age: 1 } })
    const director = await call('/actors/1/history', { token: await tokenFor('director') })
    expect(director.status).toBe(403)
    expect(director.headers.get('WWW-Authenticate')).toBe('Bearer error="insufficient_scope", scope="read:history"')
    expect((await call('/actors/1/history', { token: await tokenFor(null, { permissions: ['read:history'] }) })).status).toBe(200)
  })

  it('keeps events past retention out of the history', async () => {
    const token = await producer()
    await call('/actors', { method: 'POST', token, body: { name: 'Ada', age: 1 } })
    await withDb((db) => db.execute(sql`update ${events} set at = now() - interval '366 days'`))
    expect((await call('/actors/1/history', { token })).status).toBe(404)
  })
})

describe('POST /actors/:id/restore and /movies/:id/restore', () => {
  it('brings an actor back with its id, values and the castings its delete removed, as restore events', async () => {
    const token = await producer()
    await seedCast(token)
    const before = await callJson('/actors/1/movies', { token })
    const etag = (await call('/actors/1', { token })).headers.get('ETag')
    await call('/actors/1', { method: 'DELETE', token })
    const { status, body } = await callJson('/actors/1/restore', { method: 'POST', token })
    expect(status).toBe(200)
    expect(body).toEqual({
      success: true,
      restored: 1,
      actor: actorRow({ id: 1, name: 'Ada', age: 36, gender: 'Female' }),
      castings_restored: 2,
    })
    expect((await callJson('/actors/1/movies', { token })).body).toEqual(before.body)
    expect((await call('/actors/1', { token })).headers.get('ETag')).toBe(etag)
    const { body: history } = await historyOf('/actors/1')
    expect(
      history.history
        .slice(0, 3)
        .map((e) => `${e.action} ${e.resource}`)
        .sort(),
    ).toEqual(['restore actor', 'restore casting', 'restore casting'])
  })

  it('leaves out a casting whose movie is gone, and brings back a movie with the castings of actors who exist', async () => {
    const token = await producer()
    await seedCast(token)
    await call('/actors/1', { method: 'DELETE', token })
    await call('/movies/2', { method: 'DELETE', token })
    expect((await callJson('/actors/1/restore', { method: 'POST', token })).body.castings_restored).toBe(1)
    await call('/movies/1', { method: 'DELETE', token })
    const movie = await callJson('/movies/1/restore', { method: 'POST', token })
    expect(movie.body).toEqual({
      success: true,
      restored: 1,
      movie: movieRow({ id: 1, title: 'Fargo', release_date: '1996-03-08' }),
      castings_restored: 2,
    })
    expect((await callJson<{ cast: unknown[] }>('/movies/1/actors', { token })).body.cast).toHaveLength(2)
  })

  it('answers 409 when it exists, 404 when it never did or its delete is past retention', async () => {
    const token = await producer()
    await call('/actors', { method: 'POST', token, body: { name: 'Ada', age: 1 } })
    const exists = await callJson('/actors/1/restore', { method: 'POST', token })
    expect([exists.status, exists.body.message]).toEqual([409, 'Actor with id 1 exists.'])
    const never = await callJson('/movies/7/restore', { method: 'POST', token })
    expect([never.status, never.body.message]).toEqual([404, 'Movie with id 7 not found in database.'])
    await call('/actors/1', { method: 'DELETE', token })
    await withDb((db) => db.execute(sql`update ${events} set at = now() - interval '366 days'`))
    expect((await callJson('/actors/1/restore', { method: 'POST', token })).status).toBe(404)
  })

  it('restores exactly once when two restores race', async () => {
    const token = await producer()
    await seedCast(token)
    await call('/actors/1', { method: 'DELETE', token })
    const answers = await Promise.all([1, 2, 3].map(() => call('/actors/1/restore', { method: 'POST', token })))
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409, 409])
    expect((await callJson<{ movies: unknown[] }>('/actors/1/movies', { token })).body.movies).toHaveLength(2)
  })

  it('restores an actor while its movies are deleted, without an error, in either order', async () => {
    const token = await producer()
    for (let round = 0; round < 5; round++) {
      await call('/actors', { method: 'POST', token, body: { name: `Round ${round}`, age: 30 } })
      const actor = round + 1
      for (const title of ['A', 'B']) {
        const movie = await callJson<{ created: number }>('/movies', { method: 'POST', token, body: { title, release_date: '2001-01-01' } })
        await call(`/movies/${movie.body.created}/actors/${actor}`, { method: 'PUT', token })
      }
      await call(`/actors/${actor}`, { method: 'DELETE', token })
      const movies = [2 * round + 1, 2 * round + 2]
      const answers = await Promise.all([
        call(`/actors/${actor}/restore`, { method: 'POST', token }),
        ...movies.map((movie) => call(`/movies/${movie}`, { method: 'DELETE', token })),
      ])
      expect(answers.map((r) => r.status)).toEqual([200, 200, 200])
      expect((await callJson<{ movies: unknown[] }>(`/actors/${actor}/movies`, { token })).body.movies).toEqual([])
    }
  })

  it('needs delete:actors or delete:movies', async () => {
    const actors = await call('/actors/1/restore', { method: 'POST', token: await tokenFor(null, { permissions: ['delete:movies'] }) })
    expect(actors.headers.get('WWW-Authenticate')).toContain('scope="delete:actors"')
    const movies = await call('/movies/1/restore', { method: 'POST', token: await tokenFor(null, { permissions: ['delete:actors'] }) })
    expect(movies.headers.get('WWW-Authenticate')).toContain('scope="delete:movies"')
  })
})

/** Runs the Cron Trigger's handler as the runtime would, and answers the JSON lines it logged. */
async function upkeepLines() {
  const logged: string[] = []
  const log = console.log
  console.log = (line: string) => logged.push(line)
  try {
    const context = createExecutionContext()
    await worker.scheduled(createScheduledController({ cron: '17 * * * *' }), env as never, context)
    await waitOnExecutionContext(context)
  } finally {
    console.log = log
  }
  return logged.map((line) => JSON.parse(line) as Record<string, unknown>)
}

describe('scheduled upkeep', () => {
  it('deletes expired keys and events past retention, and nothing live', async () => {
    const token = await producer()
    await call('/actors', { method: 'POST', token, body: { name: 'Old', age: 1 }, headers: { 'Idempotency-Key': 'old' } })
    await call('/actors', { method: 'POST', token, body: { name: 'New', age: 2 }, headers: { 'Idempotency-Key': 'new' } })
    await withDb((db) =>
      db.batch([
        db.execute(sql`update ${idempotencyKeys} set created_at = now() - interval '25 hours' where key = 'old'`),
        db.execute(sql`update ${events} set at = now() - interval '366 days' where keys ->> 'actor_id' = '1'`),
      ]),
    )
    expect(await upkeepLines()).toContainEqual(expect.objectContaining({ job: 'upkeep', idempotencyKeysDeleted: 1, eventsDeleted: 1 }))
    const keys = await withDb((db) => db.select({ key: idempotencyKeys.key }).from(idempotencyKeys))
    expect(keys).toEqual([{ key: 'new' }])
    expect((await historyOf('/actors/2')).body.total).toBe(1)
    // The actors themselves are live rows: both are still there.
    expect((await callJson('/actors', { token })).body.total).toBe(2)
  })

  it('keeps deleting, a batch after another, until nothing expired is left (API.md D5)', async () => {
    // More than the old upkeep took in a run (50 statements of 1,000): it stopped there, whatever was left.
    const expired = 5 * BATCH_ROWS + 7
    await withDb((db) =>
      db.execute(sql`insert into ${events} (at, action, resource, keys)
        select now() - interval '400 days', 'update', 'actor', jsonb_build_object('actor_id', n) from generate_series(1, ${expired}) n`),
    )
    expect(await upkeepLines()).toContainEqual(expect.objectContaining({ job: 'upkeep', eventsDeleted: expired }))
    expect(await withDb((db) => db.$count(events))).toBe(0)
  }, 60_000)
})
