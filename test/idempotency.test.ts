import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { actors, events, idempotencyKeys } from '../src/db/schema'
import { actorRow } from './expected'
import { call, callJson, producer, setDatabase, tokenFor, withDb } from './helpers'

// API.md C3: a create under an Idempotency-Key is created exactly once, and
// answers the same again; the key is stored with the rows, in their transaction.

const actorCount = () => withDb(async (db) => db.$count(actors))
const keyCount = () => withDb(async (db) => db.$count(idempotencyKeys))

const post = (token: string, key: string | undefined, body: unknown = { name: 'Ada', age: 36 }, path = '/actors') =>
  call(path, {
    method: 'POST',
    token,
    body,
    headers: { 'Content-Type': 'application/json', ...(key === undefined ? {} : { 'Idempotency-Key': key }) },
  })

describe('POST with Idempotency-Key', () => {
  it('answers the stored response again, byte for byte, with Idempotent-Replayed, and writes nothing', async () => {
    const token = await producer()
    const first = await post(token, 'key-1')
    expect(first.status).toBe(201)
    expect(first.headers.get('Idempotent-Replayed')).toBeNull()
    const firstBody = await first.text()
    expect(JSON.parse(firstBody)).toEqual({ success: true, created: 1, actor: actorRow({ id: 1, name: 'Ada', age: 36, gender: 'Other' }) })
    // Changed since: the replay is what was answered then, not what is stored now.
    await call('/actors/1', { method: 'PATCH', token, body: { age: 37 } })
    const again = await post(token, 'key-1')
    expect(again.status).toBe(201)
    expect(again.headers.get('Idempotent-Replayed')).toBe('true')
    expect(again.headers.get('Location')).toBe('/actors/1')
    expect(await again.text()).toBe(firstBody)
    expect(await actorCount()).toBe(1)
  })

  it('covers a bulk create: one key, every row once, the same array answered again, one event per row', async () => {
    const token = await producer()
    const roster = [
      { name: 'Ada', age: 36 },
      { name: 'Grace', age: 45 },
      { name: 'Kai', age: 29 },
    ]
    const first = await post(token, 'roster', roster)
    expect(first.status).toBe(201)
    expect(first.headers.get('Location')).toBeNull()
    const firstBody = await first.text()
    expect(JSON.parse(firstBody)).toMatchObject({ created: [1, 2, 3] })
    const again = await post(token, 'roster', roster)
    expect(again.headers.get('Idempotent-Replayed')).toBe('true')
    expect(await again.text()).toBe(firstBody)
    expect(await actorCount()).toBe(3)
    expect(await withDb((db) => db.$count(events))).toBe(3)
  })

  it('names the same key with and without double quotes', async () => {
    const token = await producer()
    expect((await post(token, '"abc"')).status).toBe(201)
    const again = await post(token, 'abc')
    expect(again.headers.get('Idempotent-Replayed')).toBe('true')
    expect(await actorCount()).toBe(1)
  })

  it('replays a movie create too', async () => {
    const token = await producer()
    const body = { title: 'Fargo', release_date: 'Fri, 08 Mar 1996 00:00:00 GMT' }
    const first = await post(token, 'm', body, '/movies')
    const again = await post(token, 'm', body, '/movies')
    expect(again.headers.get('Idempotent-Replayed')).toBe('true')
    expect(await again.text()).toBe(await first.text())
    expect(again.headers.get('Location')).toBe('/movies/1')
  })

  it('answers 422 for the key on a different body, method or path, and writes nothing', async () => {
    const token = await producer()
    await post(token, 'k')
    const otherBody = await callJson('/actors', {
      method: 'POST',
      token,
      body: { name: 'Ada', age: 37 },
      headers: { 'Idempotency-Key': 'k' },
    })
    expect(otherBody.status).toBe(422)
    expect(otherBody.body.message).toBe('Idempotency-Key was used for a different request.')
    // The exact bytes count: the same JSON with other spacing is another request.
    const spaced = await post(token, 'k', '{"name": "Ada",  "age": 36}')
    expect(spaced.status).toBe(422)
    const otherPath = await post(token, 'k', { title: 'Fargo', release_date: '1996-03-08' }, '/movies')
    expect(otherPath.status).toBe(422)
    expect(await actorCount()).toBe(1)
    expect(await withDb((db) => db.$count(events))).toBe(1)
  })

  it('keeps keys apart per token subject', async () => {
    const [alice, bob] = [await tokenFor('producer', { subject: 'auth0|alice' }), await tokenFor('producer', { subject: 'auth0|bob' })]
    expect((await post(alice, 'shared')).status).toBe(201)
    const other = await post(bob, 'shared')
    expect(other.status).toBe(201)
    expect(other.headers.get('Idempotent-Replayed')).toBeNull()
    expect(await actorCount()).toBe(2)
  })

  it.each([
    ['no sub', null],
    ['an empty sub', ''],
  ])('answers 400 for a key with a token that has %s, before the body, and writes nothing', async (_, subject) => {
    // Keys belong to a subject: without one, two such clients would replay each other's creates (API.md D5).
    for (const body of [
      { name: 'Ada', age: 36 },
      { name: '', age: 1 },
    ]) {
      const token = await tokenFor('producer', { subject })
      const answer = await callJson('/actors', { method: 'POST', token, body, headers: { 'Idempotency-Key': 'shared' } })
      expect([answer.status, answer.body.message]).toEqual([400, 'Idempotency-Key needs a token with a subject.'])
    }
    expect(await actorCount()).toBe(0)
    // Without the header, such a token still creates.
    const plain = await callJson('/actors', {
      method: 'POST',
      token: await tokenFor('producer', { subject: null }),
      body: { name: 'Ada', age: 36 },
    })
    expect(plain.status).toBe(201)
  })

  it.each([
    ['empty', ''],
    ['empty quotes', '""'],
    ['a space', 'a b'],
    ['256 characters', 'x'.repeat(256)],
    ['non-ASCII', 'clé'],
  ])('answers 400 for a key that is %s, before the body, and writes nothing', async (_, key) => {
    const token = await producer()
    const { status, body } = await callJson('/actors', {
      method: 'POST',
      token,
      body: { name: '', age: 1 },
      headers: { 'Idempotency-Key': key },
    })
    expect(status).toBe(400)
    expect(body.message).toBe('Idempotency-Key must be 1 to 255 visible ASCII characters.')
    expect(await actorCount()).toBe(0)
  })

  it('accepts a key of 255 visible characters', async () => {
    expect((await post(await producer(), '~'.repeat(255))).status).toBe(201)
  })

  it('stores nothing for a request that fails, so its retry is processed anew', async () => {
    const token = await producer()
    const invalid = await post(token, 'retry', { name: 'Ada', age: 151 })
    expect(invalid.status).toBe(422)
    await setDatabase('error')
    expect((await post(token, 'retry')).status).toBe(503)
    await setDatabase('up')
    expect(await keyCount()).toBe(0)
    const retried = await post(token, 'retry')
    expect(retried.status).toBe(201)
    expect(retried.headers.get('Idempotent-Replayed')).toBeNull()
    expect(await actorCount()).toBe(1)
  })

  it('creates once when the answer was lost after the commit and the create is retried', async () => {
    const token = await producer()
    // The endpoint commits, then answers only after the Worker has given up: the client sees a 503.
    await setDatabase('late')
    const lost = await post(token, 'lost')
    expect(lost.status).toBe(503)
    await setDatabase('up')
    expect(await actorCount()).toBe(1)
    const retried = await post(token, 'lost')
    expect(retried.status).toBe(201)
    expect(retried.headers.get('Idempotent-Replayed')).toBe('true')
    expect(await actorCount()).toBe(1)
  })

  it('creates one row for 50 parallel requests with one key; each answers the same 201 or a 409', async () => {
    const token = await producer()
    const responses = await Promise.all(Array.from({ length: 50 }, () => post(token, 'race')))
    const bodies = await Promise.all(responses.map((r) => r.text()))
    expect(await actorCount()).toBe(1)
    const created = responses.filter((r) => r.status === 201)
    expect(created.length).toBeGreaterThanOrEqual(1)
    expect(created.filter((r) => r.headers.get('Idempotent-Replayed') === null)).toHaveLength(1)
    expect(new Set(bodies.filter((_, i) => responses[i]!.status === 201))).toHaveLength(1)
    for (const response of responses.filter((r) => r.status !== 201)) {
      expect(response.status).toBe(409)
      expect(response.headers.get('Retry-After')).toBeTruthy()
    }
  })

  it('forgets a key after 24 hours: the same key creates again', async () => {
    const token = await producer()
    await post(token, 'old')
    await withDb((db) => db.execute(sql`update ${idempotencyKeys} set created_at = now() - interval '24 hours 1 second'`))
    const again = await post(token, 'old')
    expect(again.status).toBe(201)
    expect(again.headers.get('Idempotent-Replayed')).toBeNull()
    expect(await actorCount()).toBe(2)
    expect(await keyCount()).toBe(1)
  })

  it('changes nothing without the header: two creates are two actors', async () => {
    const token = await producer()
    await post(token, undefined)
    await post(token, undefined)
    expect(await actorCount()).toBe(2)
    expect(await keyCount()).toBe(0)
  })
})
