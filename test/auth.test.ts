import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { generateKeyPair, importJWK, type JWTPayload, SignJWT, UnsecuredJWT } from 'jose'
import { afterEach, describe, expect, inject, it, vi } from 'vitest'
import { actors } from '../src/db/schema'
import worker from '../src/index'
import { AUDIENCE, call, ISSUER, tokenFor, withDb } from './helpers'

// API.md section 3, through a real route: GET /actors needs `read:actors`.

const PARSE_FAILED = 'Unable to parse authentication token.'
const NO_KEY = 'Unable to find the appropriate key.'
const WRONG_CLAIMS = 'Incorrect claims. Please, check the audience and issuer.'
const INVALID_TOKEN = 'Bearer error="invalid_token"'
const SCOPE = 'Bearer error="insufficient_scope", scope="read:actors"'

const services = () => inject('servicesUrl')
const servedKid = () => inject('signingKey').kid as string
const nowS = () => Math.floor(Date.now() / 1000)

/** The key the test JWKS serves, imported for `alg`. */
const servedKey = (alg = 'RS256') => importJWK(inject('signingKey'), alg) as Promise<CryptoKey>

/** Claims of a valid token for GET /actors; a key set to undefined is left out. */
function claims(overrides: Record<string, unknown> = {}): JWTPayload {
  const now = nowS()
  return { iss: ISSUER, aud: AUDIENCE, sub: 'auth0|tester', iat: now, exp: now + 3600, permissions: ['read:actors'], ...overrides }
}

/** A token with exactly these claims and header (no defaults added by jose), signed with `key`. */
async function sign(payload: JWTPayload, header: Record<string, unknown> = {}, key?: CryptoKey | Uint8Array) {
  const fullHeader = { alg: 'RS256', typ: 'JWT', kid: servedKid(), ...header }
  return new SignJWT(payload).setProtectedHeader(fullHeader as { alg: string }).sign(key ?? (await servedKey(fullHeader.alg)))
}

async function seedActor() {
  await withDb((db) => db.insert(actors).values({ name: 'Ada Lovelace', age: 36, gender: 'Female' }))
}

function getActors(authorization?: string) {
  return call('/actors', { headers: authorization === undefined ? {} : { Authorization: authorization } })
}

/** Asserts the exact error envelope, status and WWW-Authenticate challenge. */
async function expectError(response: Response, status: number, message: string, challenge: string | null) {
  expect(await response.json()).toEqual({ success: false, error: status, message })
  expect(response.status).toBe(status)
  expect(response.headers.get('WWW-Authenticate')).toBe(challenge)
}

/** Asserts that authentication and authorization let the request through to the handler. */
async function expectAccepted(response: Response) {
  const body = (await response.json()) as Record<string, unknown>
  expect(body).toMatchObject({ success: true, actors: [{ name: 'Ada Lovelace' }] })
  expect(response.status).toBe(200)
  expect(response.headers.get('WWW-Authenticate')).toBeNull()
}

/** GET /actors through the Worker's fetch handler with another JWKS URL (and so a fresh key cache). */
async function getActorsWith(jwksUrl: string, authorization: string | undefined, extra: Record<string, string> = {}) {
  const headers: Record<string, string> = authorization === undefined ? {} : { Authorization: authorization }
  const ctx = createExecutionContext()
  const response = await worker.fetch(
    new Request('https://api.test/actors', { headers }),
    { ...env, AUTH0_JWKS_URL: jwksUrl, ...extra },
    ctx,
  )
  await waitOnExecutionContext(ctx)
  return response
}

async function jwksHits(path = '/jwks.json'): Promise<number> {
  const response = await fetch(`${services()}/hits?path=${path}`)
  return ((await response.json()) as { hits: number }).hits
}

/** A JWKS URL no other test has used: its own key cache, served by the test JWKS. */
const freshJwksUrl = (name: string) => `${services()}/jwks.json?case=${name}-${crypto.randomUUID()}`

describe('Authorization header', () => {
  it('answers 401 when there is no Authorization header', async () => {
    await expectError(await getActors(), 401, 'Authorization header is expected.', 'Bearer')
  })

  it('answers 401 when the Authorization header is blank', async () => {
    await expectError(await getActors('   '), 401, 'Authorization header is expected.', 'Bearer')
  })

  it.each([
    ['Basic', `Basic ${btoa('user:password')}`],
    ['Token', 'Token abc.def.ghi'],
    ['a token with no scheme', 'eyJhbGciOiJSUzI1NiJ9.e30.sig'],
  ])('answers 401 when the scheme is %s, not Bearer', async (_, header) => {
    await expectError(await getActors(header), 401, 'Authorization header must start with "Bearer".', 'Bearer')
  })

  it.each(['bearer', 'BEARER', 'BeArEr'])('accepts the scheme written %s', async (scheme) => {
    await seedActor()
    await expectAccepted(await getActors(`${scheme} ${await tokenFor('assistant')}`))
  })

  it('answers 401 when Bearer has no token', async () => {
    await expectError(await getActors('Bearer'), 401, 'Token not found.', 'Bearer')
  })

  it('answers 401 when Bearer is followed only by spaces', async () => {
    await expectError(await getActors('Bearer    '), 401, 'Token not found.', 'Bearer')
  })

  it('answers 401 when the header has more than two parts', async () => {
    const token = await tokenFor('assistant')
    await expectError(await getActors(`Bearer ${token} extra`), 401, 'Authorization header must be bearer token.', INVALID_TOKEN)
  })

  it('answers 401 when a valid token is split in two by a space', async () => {
    const token = await tokenFor('assistant')
    const [head, ...rest] = token.split('.')
    await expectError(
      await getActors(`Bearer ${head}. ${rest.join('.')}`),
      401,
      'Authorization header must be bearer token.',
      INVALID_TOKEN,
    )
  })
})

describe('token parsing', () => {
  it.each([
    ['not a JWT', 'not-a-jwt'],
    ['three garbage segments', 'abc.def.ghi'],
    ['a JWT with a header that is not JSON', `${btoa('nope').replace(/=+$/, '')}.e30.c2ln`],
    ['two segments', 'eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3Qta2V5LTEifQ.e30'],
  ])('answers 401 for %s', async (_, token) => {
    await expectError(await getActors(`Bearer ${token}`), 401, PARSE_FAILED, INVALID_TOKEN)
  })

  it('answers 401 when the payload was altered after signing', async () => {
    const [header, , signature] = (await tokenFor('assistant')).split('.')
    const forged = btoa(JSON.stringify(claims({ permissions: ['read:actors', 'delete:actors'] })))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '')
    await expectError(await getActors(`Bearer ${header}.${forged}.${signature}`), 401, PARSE_FAILED, INVALID_TOKEN)
  })

  it('answers 401 when the signature is by a key the JWKS does not serve, under the served kid', async () => {
    const { privateKey } = await generateKeyPair('RS256')
    const token = await tokenFor('assistant', { key: privateKey })
    await expectError(await getActors(`Bearer ${token}`), 401, PARSE_FAILED, INVALID_TOKEN)
  })

  it('answers 401 for an HS256 token, even one whose secret is the served public key', async () => {
    const token = await sign(claims(), { alg: 'HS256' }, new TextEncoder().encode(JSON.stringify(inject('signingKey'))))
    await expectError(await getActors(`Bearer ${token}`), 401, PARSE_FAILED, INVALID_TOKEN)
  })

  it.each(['RS512', 'PS256', 'RS384'])('answers 401 for a %s token signed by the served key', async (alg) => {
    const token = await sign(claims(), { alg })
    await expectError(await getActors(`Bearer ${token}`), 401, PARSE_FAILED, INVALID_TOKEN)
  })

  it('answers 401 for an unsecured token (alg none)', async () => {
    const token = new UnsecuredJWT(claims()).encode()
    await expectError(await getActors(`Bearer ${token}`), 401, PARSE_FAILED, INVALID_TOKEN)
  })

  it('answers 401 when exp is missing', async () => {
    const token = await sign(claims({ exp: undefined }))
    await expectError(await getActors(`Bearer ${token}`), 401, PARSE_FAILED, INVALID_TOKEN)
  })

  it('answers 401 when exp is a string', async () => {
    const token = await sign(claims({ exp: String(nowS() + 3600) }))
    await expectError(await getActors(`Bearer ${token}`), 401, PARSE_FAILED, INVALID_TOKEN)
  })

  it('answers 401 when nbf is not a number', async () => {
    const token = await sign(claims({ nbf: 'yesterday' }))
    await expectError(await getActors(`Bearer ${token}`), 401, PARSE_FAILED, INVALID_TOKEN)
  })

  /** A token whose payload is `payload` as written, signed by the served key: JSON that jose's own encoder would never write. */
  async function signRaw(payload: string) {
    const base64url = (text: string) => btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
    const data = `${base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: servedKid() }))}.${base64url(payload)}`
    const signature = new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', await servedKey(), new TextEncoder().encode(data)))
    return `${data}.${base64url(String.fromCharCode(...signature))}`
  }

  it('answers 401 when the payload is not a JSON object', async () => {
    await expectError(await getActors(`Bearer ${await signRaw('[1,2,3]')}`), 401, PARSE_FAILED, INVALID_TOKEN)
  })

  it.each(['1e309', '-1e309'])('answers 401 when exp is %s (not a finite number)', async (exp) => {
    const valid = claims()
    const token = await signRaw(JSON.stringify({ ...valid, exp: 0 }).replace('"exp":0', `"exp":${exp}`))
    await expectError(await getActors(`Bearer ${token}`), 401, PARSE_FAILED, INVALID_TOKEN)
  })

  it.each([
    ['a number', 42],
    ['an object', { id: 'auth0|x' }],
    ['an array', ['auth0|x']],
  ])('answers 401 when sub is %s', async (_, sub) => {
    const token = await sign(claims({ sub }))
    await expectError(await getActors(`Bearer ${token}`), 401, PARSE_FAILED, INVALID_TOKEN)
  })

  it('answers 401 for a validly signed token over 8 KiB', async () => {
    const token = await sign(claims({ padding: 'x'.repeat(9_000) }))
    expect(token.length).toBeGreaterThan(8 * 1024)
    await expectError(await getActors(`Bearer ${token}`), 401, PARSE_FAILED, INVALID_TOKEN)
  })

  it('accepts a validly signed token of a few KiB', async () => {
    await seedActor()
    const token = await sign(claims({ padding: 'x'.repeat(4_000) }))
    await expectAccepted(await getActors(`Bearer ${token}`))
  })
})

describe('signing key', () => {
  it('answers 401 when the token header has no kid', async () => {
    const token = await sign(claims(), { kid: undefined })
    expect(JSON.parse(atob(token.split('.')[0]!.replace(/-/g, '+').replace(/_/g, '/')))).not.toHaveProperty('kid')
    await expectError(await getActors(`Bearer ${token}`), 401, NO_KEY, INVALID_TOKEN)
  })

  it('answers 401 when the kid is an empty string', async () => {
    const token = await sign(claims(), { kid: '' })
    await expectError(await getActors(`Bearer ${token}`), 401, NO_KEY, INVALID_TOKEN)
  })

  it('answers 401 when no JWKS key has the kid', async () => {
    const token = await tokenFor('assistant', { header: { kid: 'some-other-key' } })
    await expectError(await getActors(`Bearer ${token}`), 401, NO_KEY, INVALID_TOKEN)
  })
})

describe('token lifetime', () => {
  it('answers 401 when the token expired more than 60 s ago', async () => {
    const token = await tokenFor('assistant', { expiresIn: nowS() - 120 })
    await expectError(await getActors(`Bearer ${token}`), 401, 'Token expired.', INVALID_TOKEN)
  })

  it('answers 401 when the token expired long ago', async () => {
    const token = await sign(claims({ iat: nowS() - 7200, exp: nowS() - 3600 }))
    await expectError(await getActors(`Bearer ${token}`), 401, 'Token expired.', INVALID_TOKEN)
  })

  it('accepts a token that expired within the 60 s clock skew', async () => {
    await seedActor()
    const token = await tokenFor('assistant', { expiresIn: nowS() - 30 })
    await expectAccepted(await getActors(`Bearer ${token}`))
  })

  it('answers 401 when nbf is more than 60 s in the future', async () => {
    const token = await sign(claims({ nbf: nowS() + 300 }))
    await expectError(await getActors(`Bearer ${token}`), 401, WRONG_CLAIMS, INVALID_TOKEN)
  })

  it('accepts a token whose nbf is within the 60 s clock skew', async () => {
    await seedActor()
    const token = await sign(claims({ nbf: nowS() + 30 }))
    await expectAccepted(await getActors(`Bearer ${token}`))
  })

  it('answers 401 when iat is more than 60 s in the future', async () => {
    const token = await sign(claims({ iat: nowS() + 120 }))
    await expectError(await getActors(`Bearer ${token}`), 401, PARSE_FAILED, INVALID_TOKEN)
  })

  it('accepts a token whose iat is within the 60 s clock skew, or absent', async () => {
    await seedActor()
    await expectAccepted(await getActors(`Bearer ${await sign(claims({ iat: nowS() + 30 }))}`))
    await expectAccepted(await getActors(`Bearer ${await sign(claims({ iat: undefined }))}`))
  })

  it('answers 401 when iat is not a number', async () => {
    const token = await sign(claims({ iat: 'now' }))
    await expectError(await getActors(`Bearer ${token}`), 401, PARSE_FAILED, INVALID_TOKEN)
  })
})

describe('issuer and audience', () => {
  it.each([
    ['another tenant', 'https://evil.example.auth0.com/'],
    ['the issuer without its trailing slash', ISSUER.replace(/\/$/, '')],
  ])('answers 401 when iss is %s', async (_, iss) => {
    const token = await sign(claims({ iss }))
    await expectError(await getActors(`Bearer ${token}`), 401, WRONG_CLAIMS, INVALID_TOKEN)
  })

  it('answers 401 when iss is missing', async () => {
    const token = await sign(claims({ iss: undefined }))
    await expectError(await getActors(`Bearer ${token}`), 401, WRONG_CLAIMS, INVALID_TOKEN)
  })

  it.each([
    ['another API', 'https://other.example/api'],
    ['an array without the audience', ['https://other.example/api', 'https://casting-agency.test.auth0.example/userinfo']],
  ])('answers 401 when aud is %s', async (_, aud) => {
    const token = await sign(claims({ aud }))
    await expectError(await getActors(`Bearer ${token}`), 401, WRONG_CLAIMS, INVALID_TOKEN)
  })

  it('answers 401 when aud is missing', async () => {
    const token = await sign(claims({ aud: undefined }))
    await expectError(await getActors(`Bearer ${token}`), 401, WRONG_CLAIMS, INVALID_TOKEN)
  })

  it('accepts aud as an array that contains the audience', async () => {
    await seedActor()
    const token = await sign(claims({ aud: ['https://casting-agency.test.auth0.example/userinfo', AUDIENCE] }))
    await expectAccepted(await getActors(`Bearer ${token}`))
  })
})

describe('permissions claim', () => {
  it('answers 403 when the permissions claim is missing', async () => {
    const token = await tokenFor(null, { permissions: undefined })
    await expectError(await getActors(`Bearer ${token}`), 403, 'Permissions not included in JWT.', SCOPE)
  })

  it.each([
    ['a string', 'read:actors'],
    ['an array with a number', ['read:actors', 1]],
    ['an array of arrays', [['read:actors']]],
    ['an object', { 'read:actors': true }],
    ['null', null],
  ])('answers 403 when permissions is %s', async (_, permissions) => {
    const token = await tokenFor(null, { permissions })
    await expectError(await getActors(`Bearer ${token}`), 403, 'Permissions not included in JWT.', SCOPE)
  })

  it.each([
    ['empty', []],
    ['other permissions only', ['read:movies', 'create:actors']],
    ['a permission that differs in case', ['READ:ACTORS']],
    ['a near miss', ['read:actor']],
  ])('answers 403 when the permission is absent (%s)', async (_, permissions) => {
    const token = await tokenFor(null, { permissions })
    await expectError(await getActors(`Bearer ${token}`), 403, 'Permission not found.', SCOPE)
  })

  it('accepts the permission among others', async () => {
    await seedActor()
    await expectAccepted(await getActors(`Bearer ${await tokenFor(null, { permissions: ['read:movies', 'read:actors'] })}`))
  })
})

describe('identity provider unavailable', () => {
  it('answers 503 when the JWKS endpoint answers 500', async () => {
    const response = await getActorsWith(`${services()}/jwks-500.json?case=${crypto.randomUUID()}`, `Bearer ${await tokenFor('assistant')}`)
    expect(await response.json()).toEqual({ success: false, error: 503, message: 'authentication service unavailable.' })
    expect(response.status).toBe(503)
  })

  it('answers 503 within about 5 s when the JWKS endpoint never answers', { timeout: 15_000 }, async () => {
    const token = await tokenFor('assistant')
    const started = Date.now()
    const response = await getActorsWith(`${services()}/jwks-hang.json?case=${crypto.randomUUID()}`, `Bearer ${token}`)
    const elapsed = Date.now() - started
    expect(await response.json()).toEqual({ success: false, error: 503, message: 'authentication service unavailable.' })
    expect(response.status).toBe(503)
    expect(elapsed).toBeGreaterThanOrEqual(4_500)
    expect(elapsed).toBeLessThan(7_000)
  })

  it('answers 503 when the JWKS endpoint refuses connections', async () => {
    const response = await getActorsWith(
      `http://127.0.0.1:1/jwks.json?case=${crypto.randomUUID()}`,
      `Bearer ${await tokenFor('assistant')}`,
    )
    expect(await response.json()).toEqual({ success: false, error: 503, message: 'authentication service unavailable.' })
    expect(response.status).toBe(503)
  })

  it.each([
    ['answers 500', () => `${services()}/jwks-500.json?case=${crypto.randomUUID()}`],
    ['refuses connections', () => `http://127.0.0.1:1/jwks.json?case=${crypto.randomUUID()}`],
  ])('still answers 401 for a garbage token when the JWKS endpoint %s', async (_, url) => {
    await expectError(await getActorsWith(url(), 'Bearer not-a-jwt'), 401, PARSE_FAILED, INVALID_TOKEN)
    await expectError(await getActorsWith(url(), undefined), 401, 'Authorization header is expected.', 'Bearer')
  })

  it('answers 500 when AUTH0_JWKS_URL is http: on a host that is not local', async () => {
    const response = await getActorsWith('http://keys.example.com/.well-known/jwks.json', `Bearer ${await tokenFor('assistant')}`)
    expect(await response.json()).toEqual({ success: false, error: 500, message: 'internal server error' })
    expect(response.status).toBe(500)
  })
})

describe('JWKS cache', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('fetches the JWKS once, then serves ten more requests from the cache', async () => {
    await seedActor()
    const url = freshJwksUrl('cache')
    const token = `Bearer ${await tokenFor('assistant')}`
    const before = await jwksHits()
    await expectAccepted(await getActorsWith(url, token))
    expect(await jwksHits()).toBe(before + 1)

    for (let i = 0; i < 10; i++) await expectAccepted(await getActorsWith(url, `Bearer ${await tokenFor('director')}`))
    expect(await jwksHits()).toBe(before + 1)
  })

  it('fetches at most once for an unknown kid right after warming, and not for a second one', async () => {
    await seedActor()
    const url = freshJwksUrl('unknown-kid')
    await expectAccepted(await getActorsWith(url, `Bearer ${await tokenFor('assistant')}`))

    const warmed = await jwksHits()
    const unknown = `Bearer ${await tokenFor('assistant', { header: { kid: 'rotated-key-1' } })}`
    await expectError(await getActorsWith(url, unknown), 401, NO_KEY, INVALID_TOKEN)
    const afterFirst = await jwksHits()
    expect(afterFirst - warmed).toBeLessThanOrEqual(1)

    const another = `Bearer ${await tokenFor('assistant', { header: { kid: 'rotated-key-2' } })}`
    await expectError(await getActorsWith(url, another), 401, NO_KEY, INVALID_TOKEN)
    expect(await jwksHits()).toBe(afterFirst)
  })

  it('fetches exactly once for an unknown kid on a fresh URL, and not for a second one', async () => {
    const url = freshJwksUrl('unknown-kid-cold')
    const before = await jwksHits()
    const unknown = `Bearer ${await tokenFor('assistant', { header: { kid: 'rotated-key-1' } })}`
    await expectError(await getActorsWith(url, unknown), 401, NO_KEY, INVALID_TOKEN)
    expect(await jwksHits()).toBe(before + 1)
    await expectError(await getActorsWith(url, unknown), 401, NO_KEY, INVALID_TOKEN)
    expect(await jwksHits()).toBe(before + 1)
  })

  it('refetches exactly once for an unknown kid once the 30 s cooldown has passed, then not again', async () => {
    await seedActor()
    const url = freshJwksUrl('cooldown')
    await expectAccepted(await getActorsWith(url, `Bearer ${await tokenFor('assistant')}`))

    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + 31_000)
    const before = await jwksHits()
    const unknown = `Bearer ${await tokenFor('assistant', { header: { kid: 'rotated-key-1' } })}`
    await expectError(await getActorsWith(url, unknown), 401, NO_KEY, INVALID_TOKEN)
    expect(await jwksHits()).toBe(before + 1)

    const another = `Bearer ${await tokenFor('assistant', { header: { kid: 'rotated-key-2' } })}`
    await expectError(await getActorsWith(url, another), 401, NO_KEY, INVALID_TOKEN)
    await expectAccepted(await getActorsWith(url, `Bearer ${await tokenFor('assistant')}`))
    expect(await jwksHits()).toBe(before + 1)
  })

  it('keeps accepting valid tokens when the JWKS endpoint fails after keys were cached', async () => {
    await seedActor()
    const flakyCase = `outage-${crypto.randomUUID()}`
    const url = `${services()}/jwks-flaky.json?case=${flakyCase}`
    await expectAccepted(await getActorsWith(url, `Bearer ${await tokenFor('assistant')}`))

    // The identity provider goes down, and jose's 10-minute cache age passes.
    await fetch(`${services()}/jwks-flaky/down?case=${flakyCase}`, { method: 'POST' })
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + 11 * 60_000)
    const before = await jwksHits('/jwks-flaky.json')

    await expectAccepted(await getActorsWith(url, `Bearer ${await tokenFor('assistant')}`))
    expect(await jwksHits('/jwks-flaky.json')).toBe(before + 1)
    // A failed refresh is not retried on every request during the cooldown.
    await expectAccepted(await getActorsWith(url, `Bearer ${await tokenFor('director')}`))
    expect(await jwksHits('/jwks-flaky.json')).toBe(before + 1)
    // Tokens that the cached keys cannot verify are still refused.
    const unknown = `Bearer ${await tokenFor('assistant', { header: { kid: 'rotated-key-1' } })}`
    await expectError(await getActorsWith(url, unknown), 401, NO_KEY, INVALID_TOKEN)
  })
})
