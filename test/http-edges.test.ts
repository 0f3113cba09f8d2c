import { afterEach, describe, expect, it, vi } from 'vitest'
import { actors } from '../src/db/schema'
import { call, tokenFor, withDb } from './helpers'

afterEach(() => {
  vi.restoreAllMocks()
})

describe('X-Request-Id', () => {
  it('generates one when none is sent', async () => {
    const response = await call('/health')
    expect(response.headers.get('X-Request-Id')).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('echoes a sane incoming one and replaces one that is not', async () => {
    expect((await call('/health', { headers: { 'X-Request-Id': 'abc-123_XYZ' } })).headers.get('X-Request-Id')).toBe('abc-123_XYZ')
    const odd = await call('/health', { headers: { 'X-Request-Id': 'has spaces<script>' } })
    expect(odd.headers.get('X-Request-Id')).toMatch(/^[0-9a-f-]{36}$/)
    const long = await call('/health', { headers: { 'X-Request-Id': 'x'.repeat(300) } })
    expect(long.headers.get('X-Request-Id')).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('is on error responses too', async () => {
    expect((await call('/nowhere')).headers.get('X-Request-Id')).toBeTruthy()
    expect((await call('/actors')).headers.get('X-Request-Id')).toBeTruthy()
  })
})

describe('security and cache headers', () => {
  it('sends nosniff, no framework banner, and no-store on authenticated responses', async () => {
    await withDb((db) => db.insert(actors).values({ name: 'Ada', age: 30 }))
    for (const response of [await call('/actors', { token: await tokenFor('assistant') }), await call('/actors')]) {
      expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff')
      expect(response.headers.get('Cache-Control')).toBe('no-store')
      expect(response.headers.get('X-Powered-By')).toBeNull()
      expect(response.headers.get('Server')).toBeNull()
    }
  })
})

describe('CORS', () => {
  it('answers a preflight from an allowed origin with the methods and headers', async () => {
    const response = await call('/actors', {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://admin.example.com',
        'Access-Control-Request-Method': 'PATCH',
        'Access-Control-Request-Headers': 'Authorization, Content-Type',
      },
    })
    expect(response.status).toBe(204)
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe('https://admin.example.com')
    expect(response.headers.get('Access-Control-Allow-Methods')).toBe('GET,POST,PUT,PATCH,DELETE')
    expect(response.headers.get('Access-Control-Allow-Headers')?.toLowerCase()).toContain('authorization')
    expect(response.headers.get('Access-Control-Allow-Headers')?.toLowerCase()).toContain('content-type')
  })

  it('does not allow an origin outside CORS_ORIGINS', async () => {
    const response = await call('/health', { headers: { Origin: 'https://evil.example.net' } })
    expect(response.headers.get('Access-Control-Allow-Origin')).toBeNull()
  })

  it('lets allowed origins read ETag and Location', async () => {
    const response = await call('/health', { headers: { Origin: 'https://app.example.com' } })
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe('https://app.example.com')
    expect(response.headers.get('Access-Control-Expose-Headers')).toContain('ETag')
  })
})

describe('request log', () => {
  const logLines = (spy: { mock: { calls: unknown[][] } }) =>
    spy.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>).filter((entry) => 'durationMs' in entry)

  it('writes one JSON line per request with id, method, path, status, duration and subject, never the token', async () => {
    const token = await tokenFor('director', { subject: 'auth0|director' })
    const log = vi.spyOn(console, 'log')
    const response = await call('/actors?page=1', { token, headers: { 'X-Request-Id': 'req-42' } })
    const lines = logLines(log)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toEqual({
      requestId: 'req-42',
      method: 'GET',
      path: '/actors',
      status: response.status,
      durationMs: expect.any(Number),
      subject: 'auth0|director',
    })
    expect(JSON.stringify(log.mock.calls)).not.toContain(token)
  })

  it('logs a null subject without a valid token, and the error status', async () => {
    const log = vi.spyOn(console, 'log')
    await call('/movies', { token: 'not-a-jwt' })
    expect(logLines(log)).toEqual([expect.objectContaining({ path: '/movies', status: 401, subject: null })])
  })
})
