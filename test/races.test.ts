import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { actors, castings, movies } from '../src/db/schema'
import { call, tokenFor, withDb } from './helpers'

// Many clients at once on the same rows: the answers and the rows must agree.

const statusesOf = (responses: Response[]) => responses.map((response) => response.status).sort()
const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length

describe('20 parallel PATCHes with one If-Match', () => {
  it('let exactly one win with 200; the nineteen others answer 412 and write nothing', async () => {
    await withDb((db) => db.insert(actors).values({ name: 'Ada', age: 30, gender: 'Female' }))
    const token = await tokenFor('director')
    const etag = (await call('/actors/1', { token })).headers.get('ETag')!

    // Each asks for a different age, so no loser is "nothing to change".
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call('/actors/1', { method: 'PATCH', token, body: { age: 40 + i }, headers: { 'If-Match': etag } }),
      ),
    )
    const statuses = statusesOf(responses)
    expect(count(statuses, 200)).toBe(1)
    expect(count(statuses, 412)).toBe(19)

    const winner = (await responses.find((r) => r.status === 200)!.json()) as { actor: { age: number }[] }
    const [row] = await withDb((db) => db.select().from(actors))
    expect(row?.age).toBe(winner.actor[0]?.age)
  })
})

describe('30 parallel PUTs of one casting', () => {
  it('leave one row; exactly one answers 201 and the others 200', async () => {
    await withDb(async (db) => {
      await db.insert(movies).values({ title: 'Heat', release_date: '1995-12-15' })
      await db.insert(actors).values({ name: 'Ada', age: 30 })
    })
    const token = await tokenFor('producer')
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) => call('/movies/1/actors/1', { method: 'PUT', token, body: { fee: 100 + i } })),
    )
    const statuses = statusesOf(responses)
    expect(count(statuses, 201)).toBe(1)
    expect(count(statuses, 200)).toBe(29)

    const rows = await withDb((db) => db.select().from(castings))
    expect(rows).toHaveLength(1)
    // The row holds one of the fees that were sent, not a mixture.
    expect(rows[0]?.fee).toBeGreaterThanOrEqual(100)
    expect(rows[0]?.fee).toBeLessThan(130)
  })
})

describe('a movie deleted while castings are being added to it', () => {
  it('leaves no casting without its movie and answers no 500', async () => {
    const ACTORS = 30
    await withDb((db) => db.insert(actors).values(Array.from({ length: ACTORS }, (_, i) => ({ name: `Actor ${i + 1}`, age: 30 }))))
    const token = await tokenFor('producer')

    // A few rounds, each with a fresh movie deleted among a crowd of PUTs to it.
    for (let round = 1; round <= 3; round++) {
      await withDb((db) => db.insert(movies).values({ title: `Movie ${round}`, release_date: '2000-01-01' }))
      const puts = Array.from({ length: ACTORS }, (_, i) =>
        call(`/movies/${round}/actors/${i + 1}`, { method: 'PUT', token, body: { fee: i } }),
      )
      const removal = call(`/movies/${round}`, { method: 'DELETE', token })
      const putResponses = await Promise.all(puts)
      expect((await removal).status).toBe(200)

      for (const response of putResponses) {
        expect([200, 201, 404]).toContain(response.status)
        if (response.status === 404) {
          expect(await response.json()).toEqual({ success: false, error: 404, message: `Movie with id ${round} not found in database.` })
        }
      }
    }

    const orphans = await withDb((db) =>
      db.execute<{ n: number }>(
        sql`select count(*)::int as n from ${castings} where not exists (select 1 from ${movies} where ${movies.id} = ${castings.movie_id})`,
      ),
    )
    expect(orphans.rows[0]?.n).toBe(0)
    expect(await withDb((db) => db.$count(castings))).toBe(0)
  })
})

describe('two replacements of one cast at once', () => {
  it('leave exactly one of the two lists, whole', async () => {
    await withDb((db) => db.insert(actors).values(Array.from({ length: 20 }, (_, i) => ({ name: `Actor ${i + 1}`, age: 30 }))))
    const token = await tokenFor('producer')
    const listOf = (first: number, fee: number) => Array.from({ length: 10 }, (_, i) => ({ actor_id: first + i, fee }))
    const castOf = (list: { actor_id: number; fee: number }[], movieId: number) =>
      list.map(({ actor_id, fee }) => ({ movie_id: movieId, actor_id, fee }))
    for (let round = 1; round <= 5; round++) {
      await withDb((db) => db.insert(movies).values({ title: `Movie ${round}`, release_date: '2000-01-01' }))
      // Overlapping lists (actors 6-10 in both, with different fees), so a mixture would show.
      const [a, b] = [listOf(1, round), listOf(6, 100 + round)]
      const responses = await Promise.all(
        [a, b, a, b].map((cast) => call(`/movies/${round}/actors`, { method: 'PUT', token, body: { cast } })),
      )
      expect(statusesOf(responses)).toEqual([200, 200, 200, 200])
      const rows = await withDb((db) => db.select().from(castings).where(sql`${castings.movie_id} = ${round}`).orderBy(castings.actor_id))
      expect([castOf(a, round), castOf(b, round)]).toContainEqual(rows)
    }
  })
})

describe('a cast replacement while an actor in it is deleted', () => {
  it('leaves no casting of a deleted actor and answers no 500', async () => {
    await withDb((db) => db.insert(actors).values(Array.from({ length: 40 }, (_, i) => ({ name: `Actor ${i + 1}`, age: 30 }))))
    await withDb((db) => db.insert(movies).values({ title: 'Heat', release_date: '1995-12-15' }))
    const token = await tokenFor('producer')
    const cast = Array.from({ length: 40 }, (_, i) => ({ actor_id: i + 1, fee: i }))
    for (let round = 0; round < 4; round++) {
      const doomed = [round * 10 + 3, round * 10 + 7]
      const replacements = [0, 1, 2].map(() => call('/movies/1/actors', { method: 'PUT', token, body: { cast } }))
      const deletes = doomed.map((id) => call(`/actors/${id}`, { method: 'DELETE', token }))
      for (const response of await Promise.all(deletes)) expect(response.status).toBe(200)
      for (const response of await Promise.all(replacements)) {
        expect([200, 404]).toContain(response.status)
        if (response.status === 404)
          expect((await response.json()) as { message: string }).toMatchObject({
            message: expect.stringMatching(/^Actor with id \d+ not found in database\.$/),
          })
      }
      const orphans = await withDb((db) =>
        db.execute<{ n: number }>(
          sql`select count(*)::int as n from ${castings} where not exists (select 1 from ${actors} where ${actors.id} = ${castings.actor_id})`,
        ),
      )
      expect(orphans.rows[0]?.n).toBe(0)
    }
  })
})
