import { sql } from 'drizzle-orm'
import { PgDialect } from 'drizzle-orm/pg-core'
import { describe, expect, it } from 'vitest'
import { actors, movies } from '../src/db/schema'
import { hashMatches } from '../src/queries/changes'
import { actorRow, movieRow, storedActor } from './expected'
import { call, callJson, producer, tokenFor, withDb } from './helpers'

async function oneActor() {
  await withDb((db) => db.insert(actors).values({ name: 'Ada', age: 30, gender: 'Female' }))
}

describe('GET /actors/:id', () => {
  it('answers the actor with a strong ETag', async () => {
    await oneActor()
    const { response, status, body } = await callJson('/actors/1', { token: await tokenFor('assistant') })
    expect(status).toBe(200)
    expect(body).toEqual({ success: true, actor: actorRow({ id: 1, name: 'Ada', age: 30, gender: 'Female' }) })
    expect(response.headers.get('ETag')).toMatch(/^"[0-9a-f]{32}"$/)
  })

  it('answers 304 without a body for a matching If-None-Match, 200 otherwise', async () => {
    await oneActor()
    const token = await producer()
    const etag = (await call('/actors/1', { token })).headers.get('ETag')!
    const cached = await call('/actors/1', { token, headers: { 'If-None-Match': etag } })
    expect(cached.status).toBe(304)
    expect(await cached.text()).toBe('')
    expect(cached.headers.get('ETag')).toBe(etag)
    expect(cached.headers.get('X-Request-Id')).toBeTruthy()
    const stale = await call('/actors/1', { token, headers: { 'If-None-Match': '"0123"' } })
    expect(stale.status).toBe(200)
  })

  it('keeps the CORS headers on a 304, so a cross-origin client can read it', async () => {
    await oneActor()
    const token = await producer()
    const origin = { Origin: 'https://app.example.com' }
    const etag = (await call('/actors/1', { token, headers: origin })).headers.get('ETag')!
    const cached = await call('/actors/1', { token, headers: { ...origin, 'If-None-Match': etag } })
    expect(cached.status).toBe(304)
    expect(cached.headers.get('Access-Control-Allow-Origin')).toBe('https://app.example.com')
    expect(cached.headers.get('Access-Control-Expose-Headers')).toContain('ETag')
  })

  it('changes the ETag when the actor changes, and only then', async () => {
    await oneActor()
    const token = await producer()
    const first = (await call('/actors/1', { token })).headers.get('ETag')
    expect((await call('/actors/1', { token })).headers.get('ETag')).toBe(first)
    await call('/actors/1', { method: 'PATCH', token, body: { age: 31 } })
    expect((await call('/actors/1', { token })).headers.get('ETag')).not.toBe(first)
  })

  it('answers 404 for an unknown or malformed id', async () => {
    const token = await producer()
    expect((await callJson('/actors/3', { token })).body.message).toBe('Actor with id 3 not found in database.')
    expect((await callJson('/actors/3x', { token })).body.message).toBe('Actor with id 3x not found in database.')
  })
})

describe('GET /movies/:id', () => {
  it('answers the movie with an ETag, and 304 when it matches', async () => {
    await withDb((db) => db.insert(movies).values({ title: 'Heat', release_date: '1995-12-15' }))
    const token = await tokenFor('assistant')
    const { response, body } = await callJson('/movies/1', { token })
    expect(body).toEqual({ success: true, movie: movieRow({ id: 1, title: 'Heat', release_date: '1995-12-15' }) })
    const etag = response.headers.get('ETag')!
    expect((await call('/movies/1', { token, headers: { 'If-None-Match': `W/"x", ${etag}` } })).status).toBe(304)
  })
})

describe('PATCH with If-Match', () => {
  it('writes when the ETag matches and answers the new ETag', async () => {
    await oneActor()
    const token = await producer()
    const etag = (await call('/actors/1', { token })).headers.get('ETag')!
    const { response, status } = await callJson('/actors/1', { method: 'PATCH', token, body: { age: 31 }, headers: { 'If-Match': etag } })
    expect(status).toBe(200)
    const newEtag = response.headers.get('ETag')
    expect(newEtag).not.toBe(etag)
    expect((await call('/actors/1', { token })).headers.get('ETag')).toBe(newEtag)
  })

  it('answers 412 for a stale ETag and writes nothing', async () => {
    await oneActor()
    const token = await producer()
    const etag = (await call('/actors/1', { token })).headers.get('ETag')!
    await call('/actors/1', { method: 'PATCH', token, body: { age: 31 } })
    const { status, body } = await callJson('/actors/1', { method: 'PATCH', token, body: { name: 'Bea' }, headers: { 'If-Match': etag } })
    expect(status).toBe(412)
    expect(body).toEqual({ success: false, error: 412, message: 'resource has changed; fetch it again and retry.' })
    expect((await withDb((db) => db.select().from(actors)))[0]?.name).toBe('Ada')
  })

  it('answers 412, not 422, for a stale ETag even when the body would change nothing', async () => {
    await oneActor()
    const token = await producer()
    const etag = (await call('/actors/1', { token })).headers.get('ETag')!
    await call('/actors/1', { method: 'PATCH', token, body: { age: 31 } })
    const { status, body } = await callJson('/actors/1', { method: 'PATCH', token, body: { age: 31 }, headers: { 'If-Match': etag } })
    expect(status).toBe(412)
    expect(body).toEqual({ success: false, error: 412, message: 'resource has changed; fetch it again and retry.' })
  })

  it('treats a weak ETag as never matching, and * as matching any', async () => {
    await oneActor()
    const token = await producer()
    const etag = (await call('/actors/1', { token })).headers.get('ETag')!
    expect((await call('/actors/1', { method: 'PATCH', token, body: { age: 40 }, headers: { 'If-Match': `W/${etag}` } })).status).toBe(412)
    expect((await call('/actors/1', { method: 'PATCH', token, body: { age: 41 }, headers: { 'If-Match': '*' } })).status).toBe(200)
  })

  it('answers 404 before 412 for an unknown id', async () => {
    const { status } = await callJson('/movies/4', {
      method: 'PATCH',
      token: await producer(),
      body: { title: 'X' },
      headers: { 'If-Match': '"a"' },
    })
    expect(status).toBe(404)
  })

  it('lets exactly one of two concurrent PATCHes with the same If-Match win', async () => {
    await oneActor()
    const token = await producer()
    const etag = (await call('/actors/1', { token })).headers.get('ETag')!
    const results = await Promise.all(
      [50, 60].map((age) => call('/actors/1', { method: 'PATCH', token, body: { age }, headers: { 'If-Match': etag } })),
    )
    expect(results.map((r) => r.status).sort()).toEqual([200, 412])
    const winner = (await results.find((r) => r.status === 200)!.json()) as { actor: { age: number }[] }
    const [row] = await withDb((db) => db.select().from(actors))
    expect(row?.age).toBe(winner.actor[0]?.age)
  })
})

describe('DELETE with If-Match', () => {
  it('answers 412 for a stale ETag and deletes nothing, then deletes with the current one', async () => {
    await withDb((db) => db.insert(movies).values({ title: 'Heat', release_date: '1995-12-15' }))
    const token = await producer()
    const etag = (await call('/movies/1', { token })).headers.get('ETag')!
    await call('/movies/1', { method: 'PATCH', token, body: { title: 'Heat (1995)' } })
    const stale = await callJson('/movies/1', { method: 'DELETE', token, headers: { 'If-Match': etag } })
    expect(stale.status).toBe(412)
    expect(await withDb((db) => db.$count(movies))).toBe(1)
    const current = (await call('/movies/1', { token })).headers.get('ETag')!
    const { status, body } = await callJson('/movies/1', { method: 'DELETE', token, headers: { 'If-Match': current } })
    expect(status).toBe(200)
    expect(body).toEqual({ success: true, deleted: 1 })
  })
})

describe('If-Match bound', () => {
  const TOO_MANY = { success: false, error: 400, message: 'If-Match must name at most 16 entity-tags.' }
  /** `count` entity-tags that name nothing, and `etag` last if given. */
  const tags = (count: number, etag?: string) =>
    [...Array.from({ length: count - (etag ? 1 : 0) }, (_, i) => `"${i.toString(16).padStart(32, '0')}"`), ...(etag ? [etag] : [])].join(
      ', ',
    )

  it('answers 400 for 17 entity-tags and writes nothing, even when one matches', async () => {
    await oneActor()
    const token = await producer()
    const etag = (await call('/actors/1', { token })).headers.get('ETag')!
    const patch = await callJson('/actors/1', { method: 'PATCH', token, body: { age: 31 }, headers: { 'If-Match': tags(17, etag) } })
    expect(patch.status).toBe(400)
    expect(patch.body).toEqual(TOO_MANY)
    const remove = await callJson('/actors/1', { method: 'DELETE', token, headers: { 'If-Match': tags(17, etag) } })
    expect(remove.body).toEqual(TOO_MANY)
    expect(await withDb((db) => db.select().from(actors))).toEqual([storedActor({ id: 1, name: 'Ada', age: 30, gender: 'Female' })])
  })

  it('counts weak and malformed members as entity-tags too', async () => {
    await oneActor()
    const token = await producer()
    const header = Array.from({ length: 17 }, (_, i) => (i % 2 ? `W/"${i}"` : `junk${i}`)).join(',')
    expect((await callJson('/actors/1', { method: 'PATCH', token, body: { age: 31 }, headers: { 'If-Match': header } })).body).toEqual(
      TOO_MANY,
    )
  })

  it('writes with 16 entity-tags when one of them matches', async () => {
    await withDb((db) => db.insert(movies).values({ title: 'Heat', release_date: '1995-12-15' }))
    const token = await producer()
    const etag = (await call('/movies/1', { token })).headers.get('ETag')!
    const { status } = await callJson('/movies/1', {
      method: 'PATCH',
      token,
      body: { title: 'Ronin' },
      headers: { 'If-Match': tags(16, etag) },
    })
    expect(status).toBe(200)
    expect((await withDb((db) => db.select().from(movies)))[0]?.title).toBe('Ronin')
  })

  it('answers 400 for a header over 2 KiB, and accepts one of exactly 2 KiB', async () => {
    await oneActor()
    const token = await producer()
    const etag = (await call('/actors/1', { token })).headers.get('ETag')!
    // Two tags with spaces between; spaces at either end would be trimmed off the header.
    const padded = (length: number) => `${etag},${' '.repeat(length - etag.length - 4)}"x"`
    expect(padded(2049)).toHaveLength(2049)
    const long = await callJson('/actors/1', { method: 'PATCH', token, body: { age: 31 }, headers: { 'If-Match': padded(2049) } })
    expect(long.body).toEqual(TOO_MANY)
    expect((await withDb((db) => db.select().from(actors)))[0]?.age).toBe(30)
    const fits = await callJson('/actors/1', { method: 'PATCH', token, body: { age: 31 }, headers: { 'If-Match': padded(2048) } })
    expect(fits.status).toBe(200)
  })

  it('answers 400 for the header before 422 for the body (request syntax first)', async () => {
    await oneActor()
    const { body } = await callJson('/actors/1', {
      method: 'PATCH',
      token: await producer(),
      body: { age: -1 },
      headers: { 'If-Match': tags(17) },
    })
    expect(body).toEqual(TOO_MANY)
  })

  it('matches tags that hold commas, quotes of the array syntax and backslashes', async () => {
    await oneActor()
    const token = await producer()
    const etag = (await call('/actors/1', { token })).headers.get('ETag')!
    const header = ['"a,b"', '"{}"', '"\\\\"', '"NULL"', etag].join(', ')
    expect((await call('/actors/1', { method: 'PATCH', token, body: { age: 31 }, headers: { 'If-Match': header } })).status).toBe(200)
  })

  it('is documented as a header parameter of PATCH and DELETE', async () => {
    type Document = { paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>> }
    const { paths } = (await callJson<Document>('/openapi.json')).body
    for (const path of ['/actors/{id}', '/movies/{id}']) {
      for (const method of ['patch', 'delete']) {
        expect(paths[path]?.[method]?.parameters, `${method} ${path}`).toContainEqual(
          expect.objectContaining({ in: 'header', name: 'If-Match' }),
        )
      }
    }
  })

  it('sends the tags to the database as one parameter, whatever their number', () => {
    const dialect = new PgDialect()
    for (const count of [1, 16, 1000]) {
      const tagList = Array.from({ length: count }, (_, i) => `tag${i}`)
      const query = dialect.sqlToQuery(hashMatches(sql`hash`, { any: false, tags: tagList })!)
      expect(query.params).toEqual([tagList])
      expect(query.sql).toBe('hash = any($1::text[])')
    }
  })
})
