import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { actors } from '../src/db/schema'
import { actorRow, storedActor } from './expected'
import { callJson, insertActors, producer, withDb } from './helpers'

const insertNumberedActors = (count: number) =>
  insertActors(Array.from({ length: count }, (_, i) => ({ name: `Actor ${i + 1}`, age: 20 + i, gender: i % 2 ? 'Female' : 'Male' })))

describe('GET /actors', () => {
  it('answers the first page of 10 in id order, with the total', async () => {
    const rows = await insertNumberedActors(12)
    const { status, body } = await callJson('/actors', { token: await producer() })
    expect(status).toBe(200)
    expect(body).toEqual({ success: true, actors: rows.slice(0, 10), page: 1, per_page: 10, total: 12 })
  })

  it('answers a later page', async () => {
    const rows = await insertNumberedActors(12)
    const { status, body } = await callJson('/actors?page=2', { token: await producer() })
    expect(status).toBe(200)
    expect(body.actors).toEqual(rows.slice(10))
    expect(body.page).toBe(2)
  })

  it('answers 404 for a page past the end', async () => {
    await insertNumberedActors(3)
    const { status, body } = await callJson('/actors?page=2', { token: await producer() })
    expect(status).toBe(404)
    expect(body).toEqual({ success: false, error: 404, message: 'no actors found in database.' })
  })

  it('answers 404 for page 1 of an empty table', async () => {
    const { status, body } = await callJson('/actors', { token: await producer() })
    expect(status).toBe(404)
    expect(body.message).toBe('no actors found in database.')
  })

  it.each(['0', '-1', 'abc', '1.5', '', '99999999999'])('answers 400 for page=%s', async (page) => {
    const { status, body } = await callJson(`/actors?page=${page}`, { token: await producer() })
    expect(status).toBe(400)
    expect(body).toEqual({ success: false, error: 400, message: 'page must be a positive integer.' })
  })
})

describe('POST /actors', () => {
  it('creates an actor, trimmed, answering 201 with Location', async () => {
    const { response, status, body } = await callJson('/actors', {
      method: 'POST',
      token: await producer(),
      body: { name: '  Matthew  ', age: 25, gender: ' Male ' },
    })
    expect(status).toBe(201)
    expect(body).toEqual({ success: true, created: 1, actor: actorRow({ id: 1, name: 'Matthew', age: 25, gender: 'Male' }) })
    expect(response.headers.get('Location')).toBe('/actors/1')
    expect(await withDb((db) => db.select().from(actors))).toEqual([storedActor({ id: 1, name: 'Matthew', age: 25, gender: 'Male' })])
  })

  it('defaults gender to Other', async () => {
    const { body } = await callJson('/actors', { method: 'POST', token: await producer(), body: { name: 'Kai', age: 0 } })
    expect(body.actor).toEqual(actorRow({ id: 1, name: 'Kai', age: 0, gender: 'Other' }))
  })

  it.each([
    [{ age: 30 }, 'no name provided.'],
    [{ name: null, age: 30 }, 'no name provided.'],
    [{ name: '   ', age: 30 }, 'no name provided.'],
    [{ name: 'x'.repeat(101), age: 30 }, 'name must be a string of 1 to 100 characters.'],
    [{ name: 42, age: 30 }, 'name must be a string of 1 to 100 characters.'],
    [{ name: 'Ada' }, 'no age provided.'],
    [{ name: 'Ada', age: -1 }, 'age must be an integer between 0 and 150.'],
    [{ name: 'Ada', age: 151 }, 'age must be an integer between 0 and 150.'],
    [{ name: 'Ada', age: 30.5 }, 'age must be an integer between 0 and 150.'],
    [{ name: 'Ada', age: '30' }, 'age must be an integer between 0 and 150.'],
    [{ name: 'Ada', age: 30, gender: '' }, 'gender must be a string of 1 to 30 characters.'],
    [{ name: 'Ada', age: 30, gender: 'x'.repeat(31) }, 'gender must be a string of 1 to 30 characters.'],
    [{ name: 'Ada', age: 30, gender: null }, 'gender must be a string of 1 to 30 characters.'],
    [{ name: 'A\u0000da', age: 30 }, 'name must not contain a NUL character.'],
    [{ name: 'Ada', age: 30, gender: 'F\u0000' }, 'gender must not contain a NUL character.'],
    [{ age: -1, gender: '' }, 'no name provided.'],
    [{ name: 'Ada', age: -1, gender: '' }, 'age must be an integer between 0 and 150.'],
    [{ name: 'Ada', age: 30, id: 7 }, 'unexpected field: id.'],
    [{ name: '', age: 30, id: 7 }, 'unexpected field: id.'],
  ])('answers 422 for %j and writes nothing', async (input, message) => {
    const { status, body } = await callJson('/actors', { method: 'POST', token: await producer(), body: input })
    expect(status).toBe(422)
    expect(body).toEqual({ success: false, error: 422, message })
    expect(await withDb((db) => db.$count(actors))).toBe(0)
  })

  it('answers 400 for a missing body', async () => {
    const { status, body } = await callJson('/actors', { method: 'POST', token: await producer() })
    expect(status).toBe(400)
    expect(body.message).toBe('request does not contain a valid JSON body.')
  })
})

describe('PATCH /actors/:id', () => {
  it('updates the given fields and answers the actor in a one-element list', async () => {
    await insertNumberedActors(2)
    const { status, body } = await callJson('/actors/2', { method: 'PATCH', token: await producer(), body: { age: 44, gender: 'Other' } })
    expect(status).toBe(200)
    expect(body).toEqual({ success: true, updated: 2, actor: [actorRow({ id: 2, name: 'Actor 2', age: 44, gender: 'Other' })] })
    const [row] = await withDb((db) => db.select().from(actors).where(eq(actors.id, 2)))
    expect(row).toEqual(storedActor({ id: 2, name: 'Actor 2', age: 44, gender: 'Other' }))
  })

  it('answers 422 when nothing would change, and writes nothing', async () => {
    await insertNumberedActors(1)
    const { status, body } = await callJson('/actors/1', { method: 'PATCH', token: await producer(), body: { name: ' Actor 1 ', age: 20 } })
    expect(status).toBe(422)
    expect(body).toEqual({ success: false, error: 422, message: 'provided field values are already set. No update needed.' })
  })

  it('answers 404 for an unknown id', async () => {
    const { status, body } = await callJson('/actors/125', { method: 'PATCH', token: await producer(), body: { age: 30 } })
    expect(status).toBe(404)
    expect(body).toEqual({ success: false, error: 404, message: 'Actor with id 125 not found in database.' })
  })

  it.each(['abc', '0', '-1', '1.0', '2147483648', '99999999999999999999'])('answers 404 for the id %s, which names nothing', async (id) => {
    await insertNumberedActors(1)
    const { status, body } = await callJson(`/actors/${id}`, { method: 'PATCH', token: await producer(), body: { age: 30 } })
    expect(status).toBe(404)
    expect(body.message).toBe(`Actor with id ${id} not found in database.`)
  })

  it('answers 422 for an invalid field before looking the id up', async () => {
    const { status, body } = await callJson('/actors/125', { method: 'PATCH', token: await producer(), body: { age: 200 } })
    expect(status).toBe(422)
    expect(body.message).toBe('age must be an integer between 0 and 150.')
  })

  it('answers 422 and 400 for the body before the 404 of an id that names nothing', async () => {
    const invalid = await callJson('/actors/abc', { method: 'PATCH', token: await producer(), body: { age: 200 } })
    expect([invalid.status, invalid.body.message]).toEqual([422, 'age must be an integer between 0 and 150.'])
    const empty = await callJson('/actors/abc', { method: 'PATCH', token: await producer(), body: {} })
    expect([empty.status, empty.body.message]).toEqual([400, 'request does not contain a valid JSON body.'])
  })

  it('answers 400 for an empty object', async () => {
    await insertNumberedActors(1)
    const { status, body } = await callJson('/actors/1', { method: 'PATCH', token: await producer(), body: {} })
    expect(status).toBe(400)
    expect(body.message).toBe('request does not contain a valid JSON body.')
  })
})

describe('DELETE /actors/:id', () => {
  it('deletes the actor and answers its id', async () => {
    await insertNumberedActors(2)
    const { status, body } = await callJson('/actors/1', { method: 'DELETE', token: await producer() })
    expect(status).toBe(200)
    expect(body).toEqual({ success: true, deleted: 1 })
    expect((await withDb((db) => db.select().from(actors))).map((a) => a.id)).toEqual([2])
  })

  it('answers 404 for an unknown id, twice the same', async () => {
    await insertNumberedActors(1)
    await callJson('/actors/1', { method: 'DELETE', token: await producer() })
    const { status, body } = await callJson('/actors/1', { method: 'DELETE', token: await producer() })
    expect(status).toBe(404)
    expect(body.message).toBe('Actor with id 1 not found in database.')
  })

  it('answers 404 for an id that is not an integer', async () => {
    const { status, body } = await callJson('/actors/abc', { method: 'DELETE', token: await producer() })
    expect(status).toBe(404)
    expect(body.message).toBe('Actor with id abc not found in database.')
  })
})
