import { describe, expect, it } from 'vitest'
import { castings } from '../src/db/schema'
import { castMemberRow } from './expected'
import { callJson, countedByEndpoint, insertActors, insertMovies, producer, tokenFor, withDb } from './helpers'

// API.md C2: PUT /movies/:id/actors makes the movie's whole cast exactly the list sent, at once.

/** Movies 1-2, actors 1-4; movie 1 casts actor 1 (fee 100) and 2 (fee 200); movie 2 casts actor 1. */
async function arrange() {
  await insertMovies([
    { title: 'Fargo', release_date: '1996-03-08' },
    { title: 'Heat', release_date: '1995-12-15' },
  ])
  await insertActors([
    { name: 'Frances', age: 67, gender: 'Female' },
    { name: 'Tilda', age: 64, gender: 'Female' },
    { name: 'Kai', age: 29 },
    { name: 'Bo', age: 40, gender: 'Male' },
  ])
  await withDb((db) =>
    db.insert(castings).values([
      { movie_id: 1, actor_id: 1, fee: 100 },
      { movie_id: 1, actor_id: 2, fee: 200 },
      { movie_id: 2, actor_id: 1, fee: 5 },
    ]),
  )
}

const allCastings = () => withDb((db) => db.select().from(castings).orderBy(castings.movie_id, castings.actor_id))
const replace = async (path: string, body: unknown, token?: string) =>
  callJson(path, { method: 'PUT', token: token ?? (await producer()), body })

describe('PUT /movies/:id/actors', () => {
  it('makes the cast exactly the list: removes, updates and creates, and answers it in actor id order', async () => {
    await arrange()
    const { status, body } = await replace('/movies/1/actors', {
      cast: [{ actor_id: 4, fee: 500 }, { actor_id: 2 }, { actor_id: 3, fee: 12.5 }],
    })
    expect(status).toBe(200)
    expect(body).toEqual({
      success: true,
      movie_id: 1,
      cast: [
        castMemberRow({ id: 2, name: 'Tilda', age: 64, gender: 'Female', fee: null }),
        castMemberRow({ id: 3, name: 'Kai', age: 29, gender: 'Other', fee: 12.5 }),
        castMemberRow({ id: 4, name: 'Bo', age: 40, gender: 'Male', fee: 500 }),
      ],
    })
    expect(await allCastings()).toEqual([
      { movie_id: 1, actor_id: 2, fee: null },
      { movie_id: 1, actor_id: 3, fee: 12.5 },
      { movie_id: 1, actor_id: 4, fee: 500 },
      { movie_id: 2, actor_id: 1, fee: 5 },
    ])
    expect((await callJson('/movies/1/actors', { token: await producer() })).body.cast).toEqual(body.cast)
  })

  it('empties the cast with an empty list, and leaves other movies alone', async () => {
    await arrange()
    const { status, body } = await replace('/movies/1/actors', { cast: [] })
    expect(status).toBe(200)
    expect(body).toEqual({ success: true, movie_id: 1, cast: [] })
    expect(await allCastings()).toEqual([{ movie_id: 2, actor_id: 1, fee: 5 }])
  })

  it('is one round trip', async () => {
    await arrange()
    const token = await producer()
    const cast = [1, 2, 3, 4].map((actor_id) => ({ actor_id, fee: actor_id }))
    const counted = await countedByEndpoint(() => replace('/movies/1/actors', { cast }, token))
    expect(counted.requests).toBe(1)
  })

  it('answers 404 for an unknown movie', async () => {
    await arrange()
    const { status, body } = await replace('/movies/9/actors', { cast: [{ actor_id: 1 }] })
    expect(status).toBe(404)
    expect(body.message).toBe('Movie with id 9 not found in database.')
    const other = await replace('/movies/abc/actors', { cast: [] })
    expect(other.body.message).toBe('Movie with id abc not found in database.')
  })

  it('answers 404 naming the first unknown actor in list order, and writes nothing', async () => {
    await arrange()
    const before = await allCastings()
    const { status, body } = await replace('/movies/1/actors', { cast: [{ actor_id: 3 }, { actor_id: 9 }, { actor_id: 7 }] })
    expect(status).toBe(404)
    expect(body).toEqual({ success: false, error: 404, message: 'Actor with id 9 not found in database.' })
    expect(await allCastings()).toEqual(before)
  })

  it.each([
    [{ cast: [{ actor_id: 1 }, { actor_id: 2 }, { actor_id: 1, fee: 3 }] }, 'actor_id 1 is listed twice.'],
    [
      { cast: [{ actor_id: 1 }, { actor_id: 2, fee: -1 }] },
      'item 1: fee must be a number from 0 to 9999999999.99 with at most 2 decimals, or null.',
    ],
    [{ cast: [{ fee: 1 }] }, 'item 0: no actor_id provided.'],
    [{ cast: [{ actor_id: 0 }] }, 'item 0: actor_id must be a positive 32-bit integer.'],
    [{ cast: [{ actor_id: '1' }] }, 'item 0: actor_id must be a positive 32-bit integer.'],
    [{ cast: [{ actor_id: 2_147_483_648 }] }, 'item 0: actor_id must be a positive 32-bit integer.'],
    [{ cast: [{ actor_id: 1 }, { actor_id: 2, role: 'lead' }] }, 'item 1: unexpected field: role.'],
    [{ cast: [{ actor_id: 1 }, 2] }, 'item 1: must be a JSON object.'],
    [{ cast: 'all' }, 'cast must be an array of at most 500 objects.'],
    [{ cast: Array.from({ length: 501 }, (_, i) => ({ actor_id: i + 1 })) }, 'cast must be an array of at most 500 objects.'],
    [{ cast: [], extra: 1 }, 'unexpected field: extra.'],
    [{ actors: [] }, 'unexpected field: actors.'],
    [{ cast: null }, 'cast must be an array of at most 500 objects.'],
  ])('answers 422 for %j and writes nothing', async (input, message) => {
    await arrange()
    const before = await allCastings()
    const { status, body } = await replace('/movies/1/actors', input)
    expect(body).toEqual({ success: false, error: 422, message })
    expect(status).toBe(422)
    expect(await allCastings()).toEqual(before)
  })

  it('answers 400 for a body that is not an object, and 403 without edit:movies', async () => {
    await arrange()
    expect((await replace('/movies/1/actors', [{ actor_id: 1 }])).status).toBe(400)
    expect((await replace('/movies/1/actors', {})).status).toBe(400)
    const forbidden = await replace('/movies/1/actors', { cast: [] }, await tokenFor('assistant'))
    expect(forbidden.status).toBe(403)
    expect(await allCastings()).toHaveLength(3)
  })

  it('takes 500 entries', async () => {
    await insertMovies([{ title: 'Crowd', release_date: '2000-01-01' }])
    await insertActors(Array.from({ length: 500 }, (_, i) => ({ name: `Extra ${i}`, age: 30 })))
    const cast = Array.from({ length: 500 }, (_, i) => ({ actor_id: 500 - i, fee: i }))
    const { status, body } = await replace('/movies/1/actors', { cast })
    expect(status).toBe(200)
    expect((body.cast as { id: number }[]).map((a) => a.id)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1))
    expect(await withDb((db) => db.$count(castings))).toBe(500)
  })
})
