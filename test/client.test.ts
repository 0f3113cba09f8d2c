import { exports } from 'cloudflare:workers'
import { hc } from 'hono/client'
import { describe, expect, it } from 'vitest'
import type { AppType } from '../src/index'
import { tokenFor } from './helpers'

// The typed client a front end would use: it compiles against the real routes
// (`npm run typecheck` checks this file) and runs against them here.
const clientFor = (token: string) =>
  hc<AppType>('https://api.test', {
    fetch: (input: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(input, init)),
    headers: { Authorization: `Bearer ${token}` },
  })

describe('hc<AppType> from hono/client', () => {
  it('creates, lists, and reads a validation error', async () => {
    const client = clientFor(await tokenFor('producer'))
    const created = await client.actors.$post({ json: { name: 'Ada Lovelace', age: 36 } })
    expect(created.status).toBe(201)
    const body = await created.json()
    // One object in, one actor out; the type also allows the bulk form's answer, so the client narrows it.
    expect('actor' in body && body.actor).toEqual({ id: 1, name: 'Ada Lovelace', age: 36, gender: 'Other' })

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
})
