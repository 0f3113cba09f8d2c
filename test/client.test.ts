import { hc } from 'hono/client'
import { describe, expect, expectTypeOf, it } from 'vitest'
import type { AppType } from '../src/index'
import { actorRow } from './expected'
import { fetchWorker, tokenFor } from './helpers'

// The typed client a front end would use: it compiles against the real routes
// (`npm run typecheck` checks this file) and runs against them here. The same
// flow, through a client generated from /openapi.json, is test/client/flow.ts
// (`npm run test:client`); here query and path values are strings, as hono types them.
const clientFor = (token: string) =>
  hc<AppType>('https://api.test', {
    fetch: (input: RequestInfo | URL, init?: RequestInit) => fetchWorker(new Request(input, init)),
    headers: { Authorization: `Bearer ${token}` },
  })

describe('hc<AppType> from hono/client', () => {
  it('creates, lists, and reads a validation error', async () => {
    const client = clientFor(await tokenFor('producer'))
    const created = await client.actors.$post({ json: { name: 'Ada Lovelace', age: 36 } })
    expect(created.status).toBe(201)
    const body = await created.json()
    // One object in, one actor out; the type also allows the bulk form's answer, so the client narrows it.
    expect('actor' in body && body.actor).toEqual(actorRow({ id: 1, name: 'Ada Lovelace', age: 36, gender: 'Other' }))

    const bulk = await client.actors.$post({
      json: [
        { name: 'Grace Hopper', age: 45 },
        { name: 'Kai', age: 29 },
      ],
    })
    const bulkBody = await bulk.json()
    expect('actors' in bulkBody && bulkBody.created).toEqual([2, 3])

    const list = await client.actors.$get({ query: { per_page: '5' } })
    expect(list.status).toBe(200)
    const page = await list.json()
    expect('actors' in page && page.actors.map((actor) => actor.name)).toEqual(['Ada Lovelace', 'Grace Hopper', 'Kai'])

    const invalid = await client.actors.$post({ json: { name: 'Too Old', age: 151 } })
    expect(invalid.status).toBe(422)
    expect(await invalid.json()).toEqual({ success: false, error: 422, message: 'age must be an integer between 0 and 150.' })
  })

  it('types a plain page with total and a cursor page without it', async () => {
    const client = clientFor(await tokenFor('producer'))
    await client.actors.$post({ json: { name: 'Ada Lovelace', age: 36 } })
    await client.actors.$post({ json: { name: 'Alan Turing', age: 41 } })

    const plain = await client.actors.$get({ query: { per_page: '1' } })
    const page = await plain.json()
    if (!('page' in page)) throw new Error(`not a plain page: ${JSON.stringify(page)}`)
    expectTypeOf(page.total).toEqualTypeOf<number>()
    expect(page).toMatchObject({ page: 1, per_page: 1, total: 2 })

    const walked = await client.actors.$get({ query: { after: '0', per_page: '1' } })
    const cursor = await walked.json()
    if (!('next_after' in cursor)) throw new Error(`not a cursor page: ${JSON.stringify(cursor)}`)
    expectTypeOf(cursor).not.toHaveProperty('total')
    expect(cursor).toEqual({ success: true, actors: [page.actors[0]], per_page: 1, next_after: 1 })
  })

  it('updates conditionally with the ETag it read', async () => {
    const client = clientFor(await tokenFor('producer'))
    await client.movies.$post({ json: { title: 'Fargo', release_date: '1996-03-08' } })
    const read = await client.movies[':id'].$get({ param: { id: '1' } })
    const etag = read.headers.get('ETag')
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/)
    const withCast = await client.movies[':id'].$get({ param: { id: '1' }, query: { include: 'cast' } })
    const embedded = await withCast.json()
    expect('movie' in embedded && embedded.movie.cast).toEqual([])

    const updated = await client.movies[':id'].$patch(
      { param: { id: '1' }, json: { title: 'Fargo (1996)' } },
      { headers: { 'If-Match': etag! } },
    )
    expect(updated.status).toBe(200)
    const stale = await client.movies[':id'].$patch(
      { param: { id: '1' }, json: { title: 'Lost update' } },
      { headers: { 'If-Match': etag! } },
    )
    expect(stale.status).toBe(412)
    expect(await stale.json()).toEqual({ success: false, error: 412, message: 'resource has changed; fetch it again and retry.' })
  })

  it('walks with after, reads with If-None-Match, casts with and without a body, and deletes', async () => {
    const client = clientFor(await tokenFor('producer'))
    for (const name of ['Ada', 'Grace', 'Alan']) await client.actors.$post({ json: { name, age: 40 } })
    const walked: number[] = []
    // A cursor typed number, not narrowed by the loop: the route also answers CSV (text), and TypeScript cannot
    // infer a variable narrowed by the answer that the next request's argument reads.
    let after = 0
    for (;;) {
      const page = await (await client.actors.$get({ query: { after: String(after), per_page: '2' } })).json()
      walked.push(...page.actors.map((actor) => actor.id))
      if (!('next_after' in page) || page.next_after === null) break
      after = page.next_after
    }
    expect(walked).toEqual([1, 2, 3])

    const read = await client.actors[':id'].$get({ param: { id: '1' } })
    const etag = read.headers.get('ETag')!
    const again = await client.actors[':id'].$get({ param: { id: '1' } }, { headers: { 'If-None-Match': etag } })
    expect([again.status, again.headers.get('ETag')]).toEqual([304, etag])

    await client.movies.$post({ json: { title: 'Fargo', release_date: '1996-03-08' } })
    const casting = client.movies[':id'].actors[':actor_id']
    const cast = await casting.$put({ param: { id: '1', actor_id: '1' } }) // no body: fee null
    expect([cast.status, await cast.json()]).toEqual([201, { success: true, casting: { movie_id: 1, actor_id: 1, fee: null } }])
    const paid = await casting.$put({ param: { id: '1', actor_id: '1' }, json: { fee: 19.99 } })
    expect([paid.status, await paid.json()]).toEqual([200, { success: true, casting: { movie_id: 1, actor_id: 1, fee: 19.99 } }])

    expect((await casting.$delete({ param: { id: '1', actor_id: '1' } })).status).toBe(200)
    expect(await (await client.actors[':id'].$delete({ param: { id: '1' } })).json()).toEqual({ success: true, deleted: 1 })
    expect((await client.actors[':id'].$get({ param: { id: '1' } })).status).toBe(404)
  })
})
