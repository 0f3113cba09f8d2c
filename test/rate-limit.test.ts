import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { requirePermission } from '../src/auth/require-permission'
import { actors } from '../src/db/schema'
import type { AppEnv } from '../src/env'
import { bindings, call, callJson, tokenFor, withDb } from './helpers'

/** wrangler.toml's `[[ratelimits]]`: 600 requests per 60 s per subject. */
const LIMIT = 600
const PERIOD_MS = 60_000

/**
 * The binding counts in windows aligned to the clock; a burst that crosses
 * into the next window starts afresh there, and its counts prove nothing.
 * So rather than wait for a fresh window, a burst that failed while the
 * window turned runs once more, from the start (with new subjects): a burst
 * takes far less than a window, so the second run falls in one. A failure
 * within one window is a failure.
 */
async function inOneWindow(burst: () => Promise<void>) {
  const window = () => Math.floor(Date.now() / PERIOD_MS)
  const started = window()
  try {
    await burst()
  } catch (error) {
    if (window() === started) throw error
    await burst()
  }
}

/** Sends `count` requests made by `request`, some at a time, and counts their statuses. */
async function statusesOf(count: number, request: () => Response | Promise<Response>) {
  const statuses: Record<number, number> = {}
  for (let sent = 0; sent < count; sent += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, count - sent) }, request))
    for (const response of batch) {
      statuses[response.status] = (statuses[response.status] ?? 0) + 1
      await response.body?.cancel()
    }
  }
  return statuses
}

// A route that fails fast after the limit check: a bad query string never reaches the database.
const badQuery = (token: string) => () => call('/actors?page=0', { token })

describe('rate limit per token subject', () => {
  it('answers 429 with Retry-After once a subject has spent 600 requests in a minute, whatever they answered', async () => {
    await inOneWindow(async () => {
      const subject = `auth0|limited-${crypto.randomUUID()}`
      const assistant = await tokenFor('assistant', { subject })
      const producer = await tokenFor('producer', { subject })

      // 403s and 400s count alike: every authenticated request spends the budget.
      expect(await statusesOf(LIMIT / 2, () => call('/movies', { method: 'POST', token: assistant, body: { title: 'X' } }))).toEqual({
        403: LIMIT / 2,
      })
      expect(await statusesOf(LIMIT / 2, badQuery(producer))).toEqual({ 400: LIMIT / 2 })

      const { response, status, body } = await callJson('/actors?page=0', { token: producer })
      expect(status).toBe(429)
      expect(body).toEqual({ success: false, error: 429, message: 'too many requests.' })
      expect(response.headers.get('Retry-After')).toBe('60')

      // Checked before the body is read or the database asked: nothing is written.
      const post = await callJson('/actors', { method: 'POST', token: producer, body: { name: 'Ada', age: 30 } })
      expect(post.status).toBe(429)
      expect(await withDb((db) => db.select().from(actors))).toEqual([])

      // Authentication and permission answer first (API.md section 2's order).
      expect((await call('/actors', { token: 'not-a-jwt' })).status).toBe(401)
      expect((await call('/movies/1', { method: 'DELETE', token: assistant })).status).toBe(403)
    })
  }, 90_000)

  it('limits only the subject over the limit', async () => {
    await inOneWindow(async () => {
      const subject = `auth0|limited-${crypto.randomUUID()}`
      expect(await statusesOf(LIMIT + 1, badQuery(await tokenFor('director', { subject })))).toEqual({ 400: LIMIT, 429: 1 })

      expect((await call('/actors?page=0', { token: await tokenFor('director') })).status).toBe(400)
      // A new token for the same subject is still over it: the limit follows the subject, not the token.
      expect((await call('/actors?page=0', { token: await tokenFor('assistant', { subject }) })).status).toBe(429)
    })
  }, 90_000)

  it('is declared for every protected operation in the OpenAPI document', async () => {
    type Document = { paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>> }
    const { paths } = (await callJson<Document>('/openapi.json')).body
    const operations = Object.values(paths).flatMap((operations) => Object.values(operations))
    const protectedOnes = operations.filter((operation) => operation.security)
    expect(protectedOnes.length).toBeGreaterThan(10)
    for (const operation of operations) expect('429' in operation.responses).toBe(!!operation.security)
  })
})

describe('requirePermission without the binding', () => {
  // The same middleware in an app of its own, given the environment with and without RATE_LIMITER.
  const app = new Hono<AppEnv>().get('/', requirePermission('read:actors'), (c) => c.text('ok'))
  const { RATE_LIMITER, ...unlimited } = bindings

  it('limits nothing when the binding is absent, and limits through it when present', async () => {
    expect(RATE_LIMITER).toBeDefined()
    await inOneWindow(async () => {
      const token = await tokenFor('assistant', { subject: `auth0|unbound-${crypto.randomUUID()}` })
      const request = (env: object) => app.request('/', { headers: { Authorization: `Bearer ${token}` } }, env)

      expect(await statusesOf(LIMIT + 1, () => request(bindings))).toEqual({ 200: LIMIT, 429: 1 })
      expect(await statusesOf(50, () => request(unlimited))).toEqual({ 200: 50 })
      expect((await request(bindings)).status).toBe(429)
    })
  }, 90_000)
})
