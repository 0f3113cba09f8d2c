import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { events } from '../src/db/schema'
import { actorRow, movieRow } from './expected'
import { call, callJson, countedByEndpoint, producer, tokenFor, withDb } from './helpers'

// API.md D4: GET /actors/:id and /movies/:id with `as_of`, rebuilt from the events.

const DAY = 86_400_000
const start = Date.now() - 30 * DAY
/** A moment `days` days after the start of the story. */
const day = (days: number) => new Date(start + days * DAY).toISOString()

/**
 * Ada (36) is created on day 1, turns 37 on day 2; Fargo on day 3; Ada cast in it for 500 on day 4;
 * Fargo renamed on day 5; the fee 600 on day 6; Ada deleted (and her casting with her) on day 7.
 */
async function story() {
  const token = await producer()
  const steps = [
    () => call('/actors', { method: 'POST', token, body: { name: 'Ada', age: 36, gender: 'Female' } }),
    () => call('/actors/1', { method: 'PATCH', token, body: { age: 37 } }),
    () => call('/movies', { method: 'POST', token, body: { title: 'Fargo', release_date: '1996-03-08' } }),
    () => call('/movies/1/actors/1', { method: 'PUT', token, body: { fee: 500 } }),
    () => call('/movies/1', { method: 'PATCH', token, body: { title: 'Fargo 2' } }),
    () => call('/movies/1/actors/1', { method: 'PUT', token, body: { fee: 600 } }),
    () => call('/actors/1', { method: 'DELETE', token }),
  ]
  for (const [index, step] of steps.entries()) {
    expect((await step()).status).toBeLessThan(300)
    // Every event not yet dated is of this step.
    await withDb((db) => db.execute(sql`update ${events} set at = ${day(index + 1)}::timestamptz where at > now() - interval '1 day'`))
  }
}

const ada = (age: number) => actorRow({ id: 1, name: 'Ada', age, gender: 'Female' })
const fargo = (title: string) => movieRow({ id: 1, title, release_date: '1996-03-08' })

const asOf = async (path: string, moment: string, token?: string) =>
  callJson(`${path}${path.includes('?') ? '&' : '?'}as_of=${encodeURIComponent(moment)}`, { token: token ?? (await producer()) })

describe('GET /actors/:id and /movies/:id with as_of', () => {
  it('answers the resource as it stood then, with as_of and no ETag', async () => {
    await story()
    const { status, body, response } = await asOf('/actors/1', day(1.5))
    expect(status).toBe(200)
    expect(body).toEqual({ success: true, actor: ada(36), as_of: day(1.5) })
    expect(response.headers.get('ETag')).toBeNull()
    expect((await asOf('/actors/1', day(2.5))).body.actor).toEqual(ada(37))
    expect((await asOf('/movies/1', day(4.5))).body.movie).toEqual(fargo('Fargo'))
    expect((await asOf('/movies/1', day(5.5))).body.movie).toEqual(fargo('Fargo 2'))
    // An offset other than Z names the same moment.
    const plus2 = new Date(start + 2.5 * DAY + 2 * 3_600_000).toISOString().replace('Z', '+02:00')
    expect((await asOf('/actors/1', plus2)).body.actor).toEqual(ada(37))
  })

  it('embeds the castings that existed then, with the fee and the other side as they were', async () => {
    await story()
    expect((await asOf('/actors/1?include=movies', day(3.5))).body.actor).toEqual({ ...ada(37), movies: [] })
    expect((await asOf('/actors/1?include=movies', day(4.5))).body.actor).toEqual({ ...ada(37), movies: [{ ...fargo('Fargo'), fee: 500 }] })
    expect((await asOf('/actors/1?include=movies', day(5.5))).body.actor).toEqual({
      ...ada(37),
      movies: [{ ...fargo('Fargo 2'), fee: 500 }],
    })
    expect((await asOf('/movies/1?include=cast', day(6.5))).body.movie).toEqual({ ...fargo('Fargo 2'), cast: [{ ...ada(37), fee: 600 }] })
    expect((await asOf('/movies/1?include=cast', day(7.5))).body.movie).toEqual({ ...fargo('Fargo 2'), cast: [] })
  })

  it("answers the resource's 404 before it was created and after it was deleted", async () => {
    await story()
    for (const moment of [day(0.5), day(7.5)]) {
      const { status, body } = await asOf('/actors/1', moment)
      expect(body).toEqual({ success: false, error: 404, message: 'Actor with id 1 not found in database.' })
      expect(status).toBe(404)
    }
    expect((await asOf('/movies/2', day(5))).status).toBe(404)
    expect((await asOf('/movies/abc', day(5))).body.message).toBe('Movie with id abc not found in database.')
  })

  it('rebuilds a resource whose older events were purged from what was kept, and an unchanged one from its row', async () => {
    await story()
    const token = await producer()
    await call('/actors', { method: 'POST', token, body: { name: 'Grace', age: 45 } })
    // The upkeep purged days 1 to 3, and Grace's creation: what was kept still says how they stood.
    await withDb((db) => db.execute(sql`delete from ${events} where at < ${day(3.5)}::timestamptz or keys = '{"actor_id": 2}'`))
    expect((await asOf('/movies/1', day(3.5))).body.movie).toEqual(fargo('Fargo'))
    expect((await asOf('/movies/1?include=cast', day(4.5))).body.movie).toEqual({ ...fargo('Fargo'), cast: [{ ...ada(37), fee: 500 }] })
    expect((await asOf('/actors/2', day(5))).body.actor).toEqual(actorRow({ id: 2, name: 'Grace', age: 45, gender: 'Other' }))
  })

  it('answers in one round trip', async () => {
    await story()
    const token = await producer()
    const { statements } = await countedByEndpoint(() => asOf('/movies/1?include=cast', day(6.5), token))
    expect(statements).toBe(1)
  })

  it.each([['2026-01-01'], ['2026-01-01T00:00:00'], ['yesterday'], [''], [new Date(Date.now() + DAY).toISOString()]])(
    'answers 400 to as_of=%s',
    async (moment) => {
      const { status, body } = await asOf('/actors/1', moment)
      expect(body).toEqual({ success: false, error: 400, message: 'as_of must be a past RFC 3339 date-time.' })
      expect(status).toBe(400)
    },
  )

  it('keeps the rules of include', async () => {
    const { status, body } = await asOf('/movies/1?include=everything', day(1))
    expect(body).toEqual({ success: false, error: 400, message: 'include must be one of: cast.' })
    expect(status).toBe(400)
  })

  it('answers 410 for a moment past retention', async () => {
    const { status, body } = await asOf('/actors/1', new Date(Date.now() - 366 * DAY).toISOString())
    expect(body).toEqual({ success: false, error: 410, message: 'as_of is past retention.' })
    expect(status).toBe(410)
  })

  it('needs read:history as well as the read permission', async () => {
    await story()
    for (const [path, permission] of [
      ['/actors/1', 'read:actors'],
      ['/movies/1', 'read:movies'],
    ] as const) {
      const reader = await tokenFor(null, { permissions: [permission] })
      const { status, body, response } = await asOf(path, day(6), reader)
      expect(body).toEqual({ success: false, error: 403, message: 'Permission not found.' })
      expect(status).toBe(403)
      expect(response.headers.get('WWW-Authenticate')).toBe('Bearer error="insufficient_scope", scope="read:history"')
      expect((await asOf(path, day(6), await tokenFor(null, { permissions: ['read:history'] }))).status).toBe(403)
      expect((await asOf(path, day(6), await tokenFor(null, { permissions: [permission, 'read:history'] }))).status).not.toBe(403)
    }
  })
})
