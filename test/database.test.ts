import { env } from 'cloudflare:workers'
import { sql } from 'drizzle-orm'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { withDatabase } from '../src/db/client'
import { actors } from '../src/db/schema'
import { QUERY_TIMEOUT_MS } from '../src/db/timeouts'
import type { AppEnv } from '../src/env'
import { envelope, toApiError } from '../src/errors'
import { callJson, setDatabase, tokenFor, withDb } from './helpers'

describe('under concurrent writes', () => {
  it('answers 201 to 200 parallel creates, with 200 distinct rows', async () => {
    const token = await tokenFor('director')
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        callJson<{ created: number }>('/actors', { method: 'POST', token, body: { name: `Actor ${i}`, age: i % 151 } }),
      ),
    )
    expect(responses.map((r) => r.status)).toEqual(Array(200).fill(201))
    expect(new Set(responses.map((r) => r.body.created)).size).toBe(200)
    expect(await withDb((db) => db.$count(actors))).toBe(200)
  })
})

// The database path's faults, as a client of the API sees them: whatever goes
// wrong between the Worker and Postgres is a 503 with Retry-After, never a 500,
// and the next request after it mends is served.
describe('when the SQL endpoint fails', () => {
  it.each(['down', 'error', 'garbled'] as const)('answers 503 while it is %s, and serves again once it is back', async (mode) => {
    await withDb((db) => db.insert(actors).values({ name: 'Ada', age: 36 }))
    const token = await tokenFor('assistant')
    await setDatabase(mode)
    const failed = await callJson('/actors/1', { token })
    expect(failed.status).toBe(503)
    expect(failed.body).toEqual({ success: false, error: 503, message: 'database unavailable.' })
    expect(failed.response.headers.get('Retry-After')).toMatch(/^\d+$/)

    await setDatabase('up')
    const served = await callJson('/actors/1', { token })
    expect(served.status).toBe(200)
  })

  it('answers 503 within the query timeout when it never answers', async () => {
    const token = await tokenFor('assistant')
    await setDatabase('hang')
    const started = Date.now()
    const { status, body } = await callJson('/actors?per_page=5', { token })
    expect(Date.now() - started).toBeLessThan(QUERY_TIMEOUT_MS + 2_000)
    expect(status).toBe(503)
    expect(body.message).toBe('database unavailable.')
  })

  it('writes nothing when a create fails on the way', async () => {
    const token = await tokenFor('director')
    await setDatabase('down')
    expect((await callJson('/actors', { method: 'POST', token, body: { name: 'Lost', age: 30 } })).status).toBe(503)
    await setDatabase('up')
    expect(await withDb((db) => db.$count(actors))).toBe(0)
  })
})

// Neon's proxy refuses a response over 10 MiB with HTTP 507 (as the local
// endpoint does): no route can ask for one, so a route of this test's own does,
// through the Worker's database client and error handler.
describe('when a response would exceed Neon’s 10 MiB', () => {
  const app = new Hono<AppEnv>()
    .use(withDatabase)
    .get('/oversized', async (c) => {
      await c.var.db.execute(sql`select repeat('x', 1048576) from generate_series(1, 11)`)
      return c.json({ success: true })
    })
    .onError((error, c) => {
      const answer = toApiError(error)
      return envelope(c, answer.status, answer.message, answer.headers)
    })

  // API.md D5: a 503 means the database is unavailable, never that a request is too big, and
  // Retry-After goes only where a retry can succeed. Every route is bounded, so this is a bug.
  it('answers 500 internal server error, without Retry-After', async () => {
    const response = await app.request('/oversized', {}, env)
    expect(response.status).toBe(500)
    expect(await response.json()).toEqual({ success: false, error: 500, message: 'internal server error' })
    expect(response.headers.get('Retry-After')).toBeNull()
  })
})
