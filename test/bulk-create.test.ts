import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { actors, movies } from '../src/db/schema'
import { createStatements } from '../src/queries/creates'
import { actorResource } from '../src/resources/actors'
import { actorRow, movieRow } from './expected'
import { call, callJson, countedByEndpoint, producer, tokenFor, withDb } from './helpers'

// API.md C2: POST /actors and POST /movies also take an array of 1 to 100 creates, all or nothing.

const allActors = () => withDb((db) => db.select().from(actors).orderBy(actors.id))
const actor = (i: number) => ({ name: `Actor ${i}`, age: 20 + i })

describe('POST /actors with an array', () => {
  it('creates every item and answers them in input order, without Location', async () => {
    const body = [
      { name: 'Zoe', age: 30, gender: 'Female' },
      { name: 'Ada', age: 40 },
      { name: 'Mia', age: 7 },
    ]
    const { status, body: answer, response } = await callJson('/actors', { method: 'POST', token: await producer(), body })
    expect(status).toBe(201)
    expect(response.headers.get('Location')).toBeNull()
    expect(answer).toEqual({
      success: true,
      created: [1, 2, 3],
      actors: [
        actorRow({ id: 1, name: 'Zoe', age: 30, gender: 'Female' }),
        actorRow({ id: 2, name: 'Ada', age: 40, gender: 'Other' }),
        actorRow({ id: 3, name: 'Mia', age: 7, gender: 'Other' }),
      ],
    })
    expect(await allActors()).toEqual((answer as { actors: unknown[] }).actors)
  })

  it('creates 100 in one round trip, in input order', async () => {
    // Names that sort against their order, ages that do too: only the input order explains the answer.
    const body = Array.from({ length: 100 }, (_, i) => ({ name: `Actor ${String(99 - i).padStart(2, '0')}`, age: 150 - i }))
    const token = await producer()
    let answer: { created: number[]; actors: { id: number; name: string; age: number }[] } = { created: [], actors: [] }
    const counted = await countedByEndpoint(async () => {
      answer = (await callJson<typeof answer>('/actors', { method: 'POST', token, body })).body
    })
    expect(counted).toEqual({ requests: 1, statements: 1 })
    expect(answer.actors.map(({ name, age }) => ({ name, age }))).toEqual(body)
    expect(answer.created).toEqual(answer.actors.map((a) => a.id))
    const stored = new Map((await allActors()).map((row) => [row.id, row]))
    for (const created of answer.actors) expect(stored.get(created.id)).toEqual({ ...created, gender: 'Other' })
  })

  it.each([
    [[actor(0), { name: 'x', age: 151 }], 'item 1: age must be an integer between 0 and 150.'],
    [[actor(0), {}, { ...actor(2), id: 4 }], 'item 1: no name provided.'],
    [[actor(0), actor(1), { ...actor(2), id: 4 }, { age: 3 }], 'item 2: unexpected field: id.'],
    [[{ name: 'Ada', age: 'x', id: 1 }], 'item 0: unexpected field: id.'],
    [[5], 'item 0: must be a JSON object.'],
    [[actor(0), null], 'item 1: must be a JSON object.'],
    [[actor(0), [actor(1)]], 'item 1: must be a JSON object.'],
    [[{}], 'item 0: no name provided.'],
    [[{ name: 'Ada' }], 'item 0: no age provided.'],
    [Array.from({ length: 101 }, (_, i) => actor(i)), 'at most 100 items per request.'],
    [[...Array.from({ length: 100 }, (_, i) => actor(i)), 'x'], 'at most 100 items per request.'],
  ])('answers 422 for %j and writes nothing', async (body, message) => {
    const { status, body: answer } = await callJson('/actors', { method: 'POST', token: await producer(), body })
    expect(answer).toEqual({ success: false, error: 422, message })
    expect(status).toBe(422)
    expect(await allActors()).toEqual([])
  })

  it('answers 400 for an empty array', async () => {
    const { status, body } = await callJson('/actors', {
      method: 'POST',
      token: await producer(),
      body: '[]',
      headers: { 'Content-Type': 'application/json' },
    })
    expect(status).toBe(400)
    expect(body.message).toBe('request does not contain a valid JSON body.')
  })

  it('answers 413 for an array over 64 KiB, however many items', async () => {
    const body = Array.from({ length: 200 }, (_, i) => ({ name: `${'x'.repeat(90)}${i}`, age: 30, gender: 'y'.repeat(250) }))
    const { status } = await callJson('/actors', { method: 'POST', token: await producer(), body })
    expect(status).toBe(413)
  })

  it('writes nothing when the database refuses one item of the statement', async () => {
    // Past the validator, the statement itself is all or nothing: the check constraint refuses item 1, so item 0 is not kept.
    await expect(
      withDb(
        (db) =>
          createStatements(
            db,
            sql`true`,
            actorResource,
            [
              { ...actor(0), gender: 'Other' },
              { name: 'Old', age: 151, gender: 'Other' },
            ],
            false,
          )[0],
      ),
    ).rejects.toThrow()
    expect(await allActors()).toEqual([])
  })

  it('still takes a single object, with Location', async () => {
    const { status, response, body } = await callJson('/actors', { method: 'POST', token: await producer(), body: actor(1) })
    expect(status).toBe(201)
    expect(response.headers.get('Location')).toBe('/actors/1')
    expect(body.created).toBe(1)
  })
})

describe('POST /movies with an array', () => {
  it('creates every item in input order', async () => {
    const body = [
      { title: 'Heat', release_date: 'Fri, 15 Dec 1995 00:00:00 GMT' },
      { title: 'Alien', release_date: '1979-05-25T20:00:00-07:00' },
    ]
    const { status, body: answer } = await callJson('/movies', { method: 'POST', token: await producer(), body })
    expect(status).toBe(201)
    expect(answer).toEqual({
      success: true,
      created: [1, 2],
      movies: [
        movieRow({ id: 1, title: 'Heat', release_date: '1995-12-15' }),
        movieRow({ id: 2, title: 'Alien', release_date: '1979-05-25' }),
      ],
    })
  })

  it.each([
    [[{ title: 'Heat', release_date: '1995-12-15' }, { title: 'Alien' }], 'item 1: no "release_date" provided.'],
    [[{ title: 'Heat', release_date: '1995-02-30' }], 'item 0: release_date must be a date (YYYY-MM-DD).'],
    [['Heat'], 'item 0: must be a JSON object.'],
  ])('answers 422 for %j and writes nothing', async (body, message) => {
    const { status, body: answer } = await callJson('/movies', { method: 'POST', token: await producer(), body })
    expect(status).toBe(422)
    expect(answer.message).toBe(message)
    expect(await withDb((db) => db.$count(movies))).toBe(0)
  })

  it('answers 403 to a director, who may not create movies', async () => {
    const response = await call('/movies', {
      method: 'POST',
      token: await tokenFor('director'),
      body: [{ title: 'Heat', release_date: '1995-12-15' }],
    })
    expect(response.status).toBe(403)
  })
})
