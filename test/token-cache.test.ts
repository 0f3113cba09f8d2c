import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { TokenCache } from '../src/auth/token-cache'
import worker from '../src/index'
import { call, tokenFor } from './helpers'

// docs/cpu.md: verified tokens are kept per isolate, never past `exp`, at most a few minutes.

const nowS = () => Math.floor(Date.now() / 1000)
/** Answers 400 (page must be a positive integer) once the token is accepted, without asking the database. */
const PAST_AUTH = '/actors?page=0'

describe('TokenCache', () => {
  it('keeps a verified token until its exp, never after', () => {
    const cache = new TokenCache(10, 60_000)
    const now = 1_000_000_000_000
    cache.set('a', { sub: 'x', exp: now / 1000 + 30 }, now)
    expect(cache.get('a', now + 29_999)).toMatchObject({ sub: 'x' })
    expect(cache.get('a', now + 30_000)).toBeUndefined()
    expect(cache.size).toBe(0)
  })

  it('keeps a long-lived token no longer than its time to live', () => {
    const cache = new TokenCache(10, 60_000)
    const now = 1_000_000_000_000
    cache.set('a', { exp: now / 1000 + 86_400 }, now)
    expect(cache.get('a', now + 59_999)).toBeDefined()
    expect(cache.get('a', now + 60_000)).toBeUndefined()
  })

  it('does not keep a token already past its exp (accepted within the clock skew), nor one without a numeric exp', () => {
    const cache = new TokenCache(10, 60_000)
    const now = 1_000_000_000_000
    cache.set('late', { exp: now / 1000 - 10 }, now)
    cache.set('none', {}, now)
    expect(cache.size).toBe(0)
  })

  it('holds at most its bound, the oldest going first', () => {
    const cache = new TokenCache(3, 60_000)
    const now = 1_000_000_000_000
    for (const token of ['a', 'b', 'c', 'd']) cache.set(token, { exp: now / 1000 + 60 }, now)
    expect(cache.size).toBe(3)
    expect(cache.get('a', now)).toBeUndefined()
    expect(cache.get('d', now)).toBeDefined()
  })

  it('freezes what it shares between requests', () => {
    const cache = new TokenCache()
    const payload = { exp: nowS() + 60, permissions: ['read:actors'] }
    cache.set('a', payload)
    expect(Object.isFrozen(cache.get('a'))).toBe(true)
    expect(Object.isFrozen(payload.permissions)).toBe(true)
  })
})

describe('a token verified before, through the Worker', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('answers 401 Token expired once the token is past exp and the clock skew, though it was accepted before', async () => {
    const token = await tokenFor('assistant', { expiresIn: '2m' })
    expect((await call(PAST_AUTH, { token })).status).toBe(400)
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + 3 * 60_000 + 1_000)
    const response = await call(PAST_AUTH, { token })
    expect(response.status).toBe(401)
    expect(await response.json()).toEqual({ success: false, error: 401, message: 'Token expired.' })
  })

  it('is verified again under another audience, and refused there', async () => {
    const token = await tokenFor('assistant')
    expect((await call(PAST_AUTH, { token })).status).toBe(400)
    const ctx = createExecutionContext()
    const response = await worker.fetch(
      new Request(`https://api.test${PAST_AUTH}`, { headers: { Authorization: `Bearer ${token}` } }),
      { ...env, AUTH0_AUDIENCE: 'https://another.api/' },
      ctx,
    )
    await waitOnExecutionContext(ctx)
    expect(response.status).toBe(401)
    expect(await response.json()).toEqual({
      success: false,
      error: 401,
      message: 'Incorrect claims. Please, check the audience and issuer.',
    })
  })

  it('still has its permissions checked on every request', async () => {
    const token = await tokenFor('assistant')
    expect((await call(PAST_AUTH, { token })).status).toBe(400)
    for (let i = 0; i < 2; i++) {
      const response = await call('/actors', { method: 'POST', token, body: { name: 'Ada', age: 36 } })
      expect(response.status).toBe(403)
      expect(await response.json()).toEqual({ success: false, error: 403, message: 'Permission not found.' })
    }
  })
})
