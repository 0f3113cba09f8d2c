import { describe, expect, it } from 'vitest'
import { actors, castings, movies } from '../src/db/schema'
import { castMemberRow, filmographyRow } from './expected'
import { call, callJson, producer, tokenFor, withDb } from './helpers'

/** Movies 1-2 and actors 1-3, no castings. */
async function arrange() {
  await withDb(async (db) => {
    await db.insert(movies).values([
      { title: 'Fargo', release_date: '1996-03-08' },
      { title: 'Orlando', release_date: '1992-09-01' },
    ])
    await db.insert(actors).values([
      { name: 'Frances', age: 67, gender: 'Female' },
      { name: 'Tilda', age: 64, gender: 'Female' },
      { name: 'Kai', age: 29 },
    ])
  })
}

const allCastings = () => withDb((db) => db.select().from(castings).orderBy(castings.movie_id, castings.actor_id))

describe('PUT /movies/:id/actors/:actor_id', () => {
  it('creates a casting with its fee and answers 201', async () => {
    await arrange()
    const { status, body } = await callJson('/movies/1/actors/2', { method: 'PUT', token: await producer(), body: { fee: 500.5 } })
    expect(status).toBe(201)
    expect(body).toEqual({ success: true, casting: { movie_id: 1, actor_id: 2, fee: 500.5 } })
    expect(await allCastings()).toEqual([{ movie_id: 1, actor_id: 2, fee: 500.5 }])
  })

  it('creates a casting with fee null when there is no body', async () => {
    await arrange()
    const { status, body } = await callJson('/movies/1/actors/2', { method: 'PUT', token: await producer() })
    expect(status).toBe(201)
    expect(body.casting).toEqual({ movie_id: 1, actor_id: 2, fee: null })
  })

  it('answers 200 when it changes the fee, and again 200 when repeated', async () => {
    await arrange()
    const token = await producer()
    await call('/movies/1/actors/2', { method: 'PUT', token, body: { fee: 100 } })
    const changed = await callJson('/movies/1/actors/2', { method: 'PUT', token, body: { fee: 250 } })
    expect(changed.status).toBe(200)
    expect(changed.body.casting).toEqual({ movie_id: 1, actor_id: 2, fee: 250 })
    const again = await callJson('/movies/1/actors/2', { method: 'PUT', token, body: { fee: 250 } })
    expect(again.status).toBe(200)
    expect(await allCastings()).toEqual([{ movie_id: 1, actor_id: 2, fee: 250 }])
  })

  it('accepts an explicit null and an empty object', async () => {
    await arrange()
    const token = await producer()
    expect((await callJson('/movies/1/actors/1', { method: 'PUT', token, body: { fee: null } })).status).toBe(201)
    expect((await callJson('/movies/1/actors/2', { method: 'PUT', token, body: {} })).status).toBe(201)
    expect((await allCastings()).map((c) => c.fee)).toEqual([null, null])
  })

  it.each([[{ fee: -1 }], [{ fee: '500' }], [{ fee: 1.005 }], [{ fee: 10_000_000_000 }], [{ fee: true }]])(
    'answers 422 for %j and writes nothing',
    async (input) => {
      await arrange()
      const { status, body } = await callJson('/movies/1/actors/2', { method: 'PUT', token: await producer(), body: input })
      expect(status).toBe(422)
      expect(body.message).toBe('fee must be a number from 0 to 9999999999.99 with at most 2 decimals, or null.')
      expect(await allCastings()).toEqual([])
    },
  )

  it('answers 422 for an unknown field', async () => {
    await arrange()
    const { status, body } = await callJson('/movies/1/actors/2', {
      method: 'PUT',
      token: await producer(),
      body: { fee: 1, role: 'lead' },
    })
    expect(status).toBe(422)
    expect(body.message).toBe('unexpected field: role.')
  })

  it('answers 400 for a body that is not JSON', async () => {
    await arrange()
    const { status, body } = await callJson('/movies/1/actors/2', {
      method: 'PUT',
      token: await producer(),
      body: 'fee=1',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    })
    expect(status).toBe(400)
    expect(body.message).toBe('request does not contain a valid JSON body.')
  })

  it.each([
    ['/movies/9/actors/1', 'Movie with id 9 not found in database.'],
    ['/movies/1/actors/9', 'Actor with id 9 not found in database.'],
    ['/movies/9/actors/9', 'Movie with id 9 not found in database.'],
    ['/movies/x/actors/1', 'Movie with id x not found in database.'],
    ['/movies/1/actors/0', 'Actor with id 0 not found in database.'],
  ])('answers 404 for %s', async (path, message) => {
    await arrange()
    const { status, body } = await callJson(path, { method: 'PUT', token: await producer(), body: { fee: 1 } })
    expect(status).toBe(404)
    expect(body).toEqual({ success: false, error: 404, message })
    expect(await allCastings()).toEqual([])
  })

  it('needs edit:movies', async () => {
    await arrange()
    const { status, body } = await callJson('/movies/1/actors/2', { method: 'PUT', token: await tokenFor('assistant') })
    expect(status).toBe(403)
    expect(body.message).toBe('Permission not found.')
    expect((await callJson('/movies/1/actors/2', { method: 'PUT', token: await tokenFor('director') })).status).toBe(201)
  })
})

describe('GET /movies/:id/actors', () => {
  it('lists the cast with fees in actor id order', async () => {
    await arrange()
    await withDb((db) =>
      db.insert(castings).values([
        { movie_id: 1, actor_id: 3, fee: 1200 },
        { movie_id: 1, actor_id: 1, fee: null },
        { movie_id: 2, actor_id: 2, fee: 9 },
      ]),
    )
    const { status, body } = await callJson('/movies/1/actors', { token: await tokenFor('assistant') })
    expect(status).toBe(200)
    expect(body).toEqual({
      success: true,
      movie_id: 1,
      cast: [
        castMemberRow({ id: 1, name: 'Frances', age: 67, gender: 'Female', fee: null }),
        castMemberRow({ id: 3, name: 'Kai', age: 29, gender: 'Other', fee: 1200 }),
      ],
    })
  })

  it('answers an empty cast for a movie nobody is cast in', async () => {
    await arrange()
    const { status, body } = await callJson('/movies/2/actors', { token: await producer() })
    expect(status).toBe(200)
    expect(body).toEqual({ success: true, movie_id: 2, cast: [] })
  })

  it('answers 404 for an unknown movie', async () => {
    const { status, body } = await callJson('/movies/5/actors', { token: await producer() })
    expect(status).toBe(404)
    expect(body.message).toBe('Movie with id 5 not found in database.')
  })
})

describe('GET /actors/:id/movies', () => {
  it('lists the movies of an actor with fees in movie id order', async () => {
    await arrange()
    await withDb((db) =>
      db.insert(castings).values([
        { movie_id: 2, actor_id: 2, fee: 99.99 },
        { movie_id: 1, actor_id: 2, fee: 5 },
      ]),
    )
    const { status, body } = await callJson('/actors/2/movies', { token: await tokenFor('assistant') })
    expect(status).toBe(200)
    expect(body).toEqual({
      success: true,
      actor_id: 2,
      movies: [
        filmographyRow({ id: 1, title: 'Fargo', release_date: '1996-03-08', fee: 5 }),
        filmographyRow({ id: 2, title: 'Orlando', release_date: '1992-09-01', fee: 99.99 }),
      ],
    })
  })

  it('answers 404 for an unknown actor', async () => {
    const { status, body } = await callJson('/actors/abc/movies', { token: await producer() })
    expect(status).toBe(404)
    expect(body.message).toBe('Actor with id abc not found in database.')
  })
})

describe('DELETE /movies/:id/actors/:actor_id', () => {
  it('removes the casting and nothing else', async () => {
    await arrange()
    await withDb((db) =>
      db.insert(castings).values([
        { movie_id: 1, actor_id: 2 },
        { movie_id: 1, actor_id: 3 },
      ]),
    )
    const { status, body } = await callJson('/movies/1/actors/2', { method: 'DELETE', token: await producer() })
    expect(status).toBe(200)
    expect(body).toEqual({ success: true, deleted: { movie_id: 1, actor_id: 2 } })
    expect(await allCastings()).toEqual([{ movie_id: 1, actor_id: 3, fee: null }])
    expect(await withDb((db) => db.$count(actors))).toBe(3)
  })

  it.each([
    ['/movies/1/actors/2', 'Actor with id 2 is not cast in movie 1.'],
    ['/movies/7/actors/2', 'Movie with id 7 not found in database.'],
    ['/movies/1/actors/7', 'Actor with id 7 not found in database.'],
  ])('answers 404 for %s', async (path, message) => {
    await arrange()
    const { status, body } = await callJson(path, { method: 'DELETE', token: await producer() })
    expect(status).toBe(404)
    expect(body.message).toBe(message)
  })
})

describe('deleting an actor or a movie', () => {
  it('removes their castings', async () => {
    await arrange()
    const token = await producer()
    for (const path of ['/movies/1/actors/1', '/movies/1/actors/2', '/movies/2/actors/2', '/movies/2/actors/3']) {
      expect((await call(path, { method: 'PUT', token })).status).toBe(201)
    }
    expect((await call('/actors/2', { method: 'DELETE', token })).status).toBe(200)
    expect((await call('/movies/1', { method: 'DELETE', token })).status).toBe(200)
    expect(await allCastings()).toEqual([{ movie_id: 2, actor_id: 3, fee: null }])
    const cast = await callJson('/movies/2/actors', { token })
    expect((cast.body.cast as { id: number }[]).map((a) => a.id)).toEqual([3])
  })
})
