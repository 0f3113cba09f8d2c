import { afterEach, describe, expect, it, vi } from 'vitest'
import { call, insertActors, insertMovies, producer, setDatabase, tokenFor } from './helpers'

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
  it('sends nosniff and no framework banner', async () => {
    for (const response of [await call('/actors', { token: await tokenFor('assistant') }), await call('/actors')]) {
      expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff')
      expect(response.headers.get('X-Powered-By')).toBeNull()
      expect(response.headers.get('Server')).toBeNull()
    }
  })

  // Every kind of answer: no cache may keep one, an error included (a cached 401 or 503 outlives its cause).
  const kinds: [string, () => Promise<Response>][] = [
    ['200 GET /actors/1', async () => call('/actors/1', { token: await producer() })],
    ['200 GET /actors', async () => call('/actors', { token: await producer() })],
    [
      '201 POST /movies',
      async () => call('/movies', { method: 'POST', token: await producer(), body: { title: 'Heat', release_date: '1995-12-15' } }),
    ],
    ['201 PUT /movies/1/actors/1', async () => call('/movies/1/actors/1', { method: 'PUT', token: await producer(), body: { fee: 5 } })],
    ['200 GET /health', async () => call('/health')],
    [
      '304 GET /actors/1',
      async () => {
        const token = await producer()
        const etag = (await call('/actors/1', { token })).headers.get('ETag')!
        return call('/actors/1', { token, headers: { 'If-None-Match': etag } })
      },
    ],
    ['400 GET /actors?page=0', async () => call('/actors?page=0', { token: await producer() })],
    ['401 GET /movies', async () => call('/movies')],
    ['403 DELETE /movies/1', async () => call('/movies/1', { method: 'DELETE', token: await tokenFor('assistant') })],
    ['404 GET /directors', async () => call('/directors')],
    ['404 GET /actors/99', async () => call('/actors/99', { token: await producer() })],
    ['405 PUT /actors', async () => call('/actors', { method: 'PUT' })],
    [
      '412 PATCH /actors/1',
      async () => call('/actors/1', { method: 'PATCH', token: await producer(), body: { age: 31 }, headers: { 'If-Match': '"stale"' } }),
    ],
    [
      '413 POST /actors',
      async () => call('/actors', { method: 'POST', token: await producer(), body: { name: 'x'.repeat(70_000), age: 30 } }),
    ],
    ['422 POST /actors', async () => call('/actors', { method: 'POST', token: await producer(), body: { name: 'Ada', age: 30, id: 1 } })],
    [
      '503 GET /actors/1',
      async () => {
        const token = await producer()
        await setDatabase('down')
        return call('/actors/1', { token })
      },
    ],
    [
      '503 GET /health',
      async () => {
        await setDatabase('down')
        return call('/health')
      },
    ],
  ]

  it.each(kinds)('sends Cache-Control: no-store on a %s', async (kind, request) => {
    await insertActors([{ name: 'Ada', age: 30 }])
    await insertMovies([{ title: 'Fargo', release_date: '1996-03-08' }])
    const response = await request()
    expect(response.status, 'the status the row is named for').toBe(Number(kind.split(' ')[0]))
    expect(response.headers.get('Cache-Control')).toBe('no-store')
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

  // CORS_ORIGINS is https://app.example.com,https://admin.example.com here (test/global-setup.ts).
  const routes: [string, string][] = [
    ['GET', '/health'],
    ['GET', '/actors'],
    ['PATCH', '/actors/1'],
    ['DELETE', '/movies/1'],
    ['PUT', '/movies/1/actors/1'],
    ['GET', '/movies/1/actors'],
  ]
  const origins: [string, string | null][] = [
    ['https://app.example.com', 'https://app.example.com'],
    ['https://admin.example.com', 'https://admin.example.com'],
    ['https://evil.example.net', null],
    ['https://app.example.com.evil.example.net', null],
    ['null', null],
  ]

  it.each(routes)('allows only the origins of CORS_ORIGINS on a preflight and a request to %s %s', async (method, path) => {
    const token = await producer()
    for (const [origin, allowed] of origins) {
      const preflight = await call(path, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': 'Authorization' },
      })
      expect(preflight.headers.get('Access-Control-Allow-Origin'), `preflight from ${origin}`).toBe(allowed)
      // The request itself, with a token and without: a refusal hides errors from that origin as well.
      for (const auth of [token, undefined]) {
        const response = await call(path, { method, token: auth, headers: { Origin: origin } })
        expect(response.headers.get('Access-Control-Allow-Origin'), `${method} ${path} from ${origin}`).toBe(allowed)
      }
    }
  })

  // Written out here, not imported: the lists are the contract (API.md D5), not whatever cors.ts says.
  const requestHeaders = ['Authorization', 'Content-Type', 'If-Match', 'If-None-Match', 'Idempotency-Key', 'X-Request-Id']
  const responseHeaders = [
    'ETag',
    'Location',
    'Retry-After',
    'WWW-Authenticate',
    'X-Request-Id',
    'Idempotent-Replayed',
    'Content-Disposition',
  ]
  const headerSet = (value: string | null) => new Set((value ?? '').split(',').map((name) => name.trim().toLowerCase()))

  it('allows every request header the API reads on a preflight', async () => {
    const response = await call('/actors', {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example.com',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': requestHeaders.join(', ').toLowerCase(),
      },
    })
    expect(response.status).toBe(204)
    expect(headerSet(response.headers.get('Access-Control-Allow-Headers'))).toEqual(headerSet(requestHeaders.join(',')))
  })

  it('exposes every response header the API documents', async () => {
    const response = await call('/health', { headers: { Origin: 'https://app.example.com' } })
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe('https://app.example.com')
    expect(headerSet(response.headers.get('Access-Control-Expose-Headers'))).toEqual(headerSet(responseHeaders.join(',')))
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
