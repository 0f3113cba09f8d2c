import { describe, expect, it } from 'vitest'
import { actors, castings, movies } from '../src/db/schema'
import { call, callJson, setDatabase, tokenFor, withDb } from './helpers'

type Role = 'assistant' | 'director' | 'producer'
type Route = {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  path: string
  permission: string
  success: 200 | 201
  body?: Record<string, unknown>
}

// The Part A routes and their permissions (API.md Part A), and the cast replacement (Part C2).
const ROUTES: Route[] = [
  { method: 'GET', path: '/actors', permission: 'read:actors', success: 200 },
  { method: 'POST', path: '/actors', permission: 'create:actors', success: 201, body: { name: 'Grace Hopper', age: 45 } },
  { method: 'PATCH', path: '/actors/:actor', permission: 'edit:actors', success: 200, body: { age: 37 } },
  { method: 'DELETE', path: '/actors/:actor', permission: 'delete:actors', success: 200 },
  { method: 'GET', path: '/movies', permission: 'read:movies', success: 200 },
  { method: 'POST', path: '/movies', permission: 'create:movies', success: 201, body: { title: 'Heat', release_date: '1995-12-15' } },
  { method: 'PATCH', path: '/movies/:movie', permission: 'edit:movies', success: 200, body: { title: 'Ronin' } },
  { method: 'DELETE', path: '/movies/:movie', permission: 'delete:movies', success: 200 },
  { method: 'PUT', path: '/movies/:movie/actors', permission: 'edit:movies', success: 200, body: { cast: [{ actor_id: 1, fee: 10 }] } },
]

// The roles of API.md section 3, written out here rather than read from src,
// so that a wrong role definition fails the matrix.
const ALLOWED: Record<Role, string[]> = {
  assistant: ['read:actors', 'read:movies'],
  director: ['read:actors', 'read:movies', 'create:actors', 'edit:actors', 'delete:actors', 'edit:movies'],
  producer: [
    'read:actors',
    'read:movies',
    'create:actors',
    'edit:actors',
    'delete:actors',
    'edit:movies',
    'create:movies',
    'delete:movies',
  ],
}

const MATRIX = (Object.keys(ALLOWED) as Role[]).flatMap((role) =>
  ROUTES.map((route) => ({ role, ...route, allowed: ALLOWED[role].includes(route.permission) })),
)

/** One actor and one movie, created through the API as a producer. */
async function arrange() {
  const producer = await tokenFor('producer')
  const actor = await callJson<{ created: number }>('/actors', {
    method: 'POST',
    token: producer,
    body: { name: 'Ada Lovelace', age: 36, gender: 'Female' },
  })
  const movie = await callJson<{ created: number }>('/movies', {
    method: 'POST',
    token: producer,
    body: { title: 'Alien', release_date: '1979-05-25' },
  })
  expect(actor.status).toBe(201)
  expect(movie.status).toBe(201)
  return { actor: actor.body.created, movie: movie.body.created }
}

const snapshot = () =>
  withDb(async (db) => ({
    actors: await db.select().from(actors).orderBy(actors.id),
    movies: await db.select().from(movies).orderBy(movies.id),
    castings: await db.select().from(castings).orderBy(castings.movie_id, castings.actor_id),
  }))

const allowHeader = (response: Response) =>
  new Set(
    (response.headers.get('Allow') ?? '')
      .split(',')
      .map((method) => method.trim())
      .filter(Boolean),
  )

describe('permission matrix', () => {
  it.each(MATRIX.filter((row) => row.allowed))('lets a $role call $method $path', async ({ role, method, path, success, body }) => {
    const ids = await arrange()
    const url = path.replace(':actor', String(ids.actor)).replace(':movie', String(ids.movie))
    const response = await callJson(url, { method, token: await tokenFor(role), body })
    expect(response.status, JSON.stringify(response.body)).toBe(success)
    expect(response.body.success).toBe(true)
  })

  it.each(MATRIX.filter((row) => !row.allowed))(
    'answers 403 when a $role calls $method $path, and changes nothing',
    async ({ role, method, path, permission, body }) => {
      const ids = await arrange()
      const before = await snapshot()
      const url = path.replace(':actor', String(ids.actor)).replace(':movie', String(ids.movie))
      const { status, body: answer, response } = await callJson(url, { method, token: await tokenFor(role), body })
      expect(answer).toEqual({ success: false, error: 403, message: 'Permission not found.' })
      expect(status).toBe(403)
      expect(response.headers.get('WWW-Authenticate')).toBe(`Bearer error="insufficient_scope", scope="${permission}"`)
      expect(await snapshot()).toEqual(before)
    },
  )

  it('covers every role and route', () => {
    expect(MATRIX).toHaveLength(27)
    expect(MATRIX.filter((row) => row.allowed)).toHaveLength(18)
  })
})

describe('unknown routes', () => {
  it.each([
    ['GET', '/directors'],
    ['GET', '/'],
    ['POST', '/castings'],
    ['GET', '/actors/1/2/3'],
    ['DELETE', '/movies/1/oscars/2/3'],
  ])('answers 404 for %s %s, with or without a token', async (method, path) => {
    for (const token of [undefined, await tokenFor('producer')]) {
      const { status, body } = await callJson(path, { method, token })
      expect(body).toEqual({ success: false, error: 404, message: 'resource not found' })
      expect(status).toBe(404)
    }
  })
})

describe('wrong method on a known path', () => {
  it.each([
    ['PUT', '/actors'],
    ['DELETE', '/actors'],
    ['PATCH', '/movies'],
  ])('answers 405 for %s %s, with Allow listing GET and POST', async (method, path) => {
    const { status, body, response } = await callJson(path, { method, body: { name: 'x' } })
    expect(body).toEqual({ success: false, error: 405, message: 'method not allowed' })
    expect(status).toBe(405)
    const allow = allowHeader(response)
    expect(allow.has('GET')).toBe(true)
    expect(allow.has('POST')).toBe(true)
    expect(allow.has(method)).toBe(false)
  })

  it.each([
    ['POST', '/actors/1'],
    ['PUT', '/actors/1'],
    ['POST', '/movies/1'],
  ])('answers 405 for %s %s, with Allow listing PATCH and DELETE', async (method, path) => {
    const { status, body, response } = await callJson(path, { method, token: await tokenFor('producer'), body: { name: 'x' } })
    expect(body).toEqual({ success: false, error: 405, message: 'method not allowed' })
    expect(status).toBe(405)
    const allow = allowHeader(response)
    expect(allow.has('PATCH')).toBe(true)
    expect(allow.has('DELETE')).toBe(true)
    expect(allow.has(method)).toBe(false)
  })

  it('answers 405 before authentication', async () => {
    const { status, response } = await callJson('/actors', { method: 'PUT', headers: { Authorization: 'Basic xyz' } })
    expect(status).toBe(405)
    expect(response.headers.get('WWW-Authenticate')).toBeNull()
  })
})

describe('request body', () => {
  it('answers 413 for a body over 64 KiB', async () => {
    const body = JSON.stringify({ name: 'x'.repeat(70_000), age: 30 })
    const { status, body: answer } = await callJson('/actors', {
      method: 'POST',
      token: await tokenFor('producer'),
      body,
      headers: { 'Content-Type': 'application/json' },
    })
    expect(answer).toEqual({ success: false, error: 413, message: 'request body too large.' })
    expect(status).toBe(413)
    expect(await withDb((db) => db.select().from(actors))).toEqual([])
  })

  it('answers 413 for a PATCH body over 64 KiB', async () => {
    const { actor } = await arrange()
    const { status, body } = await callJson(`/actors/${actor}`, {
      method: 'PATCH',
      token: await tokenFor('producer'),
      body: { gender: 'y'.repeat(66_000) },
    })
    expect(body).toEqual({ success: false, error: 413, message: 'request body too large.' })
    expect(status).toBe(413)
  })

  it('reads a body of exactly 64 KiB (and then rejects the field, not the size)', async () => {
    const prefix = '{"name":"'
    const suffix = '","age":30}'
    const body = `${prefix}${'x'.repeat(64 * 1024 - prefix.length - suffix.length)}${suffix}`
    expect(new TextEncoder().encode(body).length).toBe(64 * 1024)
    const { status, body: answer } = await callJson('/actors', {
      method: 'POST',
      token: await tokenFor('producer'),
      body,
      headers: { 'Content-Type': 'application/json' },
    })
    expect(answer).toEqual({ success: false, error: 422, message: 'name must be a string of 1 to 100 characters.' })
    expect(status).toBe(422)
  })

  const JSON_TYPE = { 'Content-Type': 'application/json' }
  it.each([
    ['no body and no Content-Type', undefined, {}],
    ['no body with a JSON Content-Type', undefined, JSON_TYPE],
    ['an empty body', '', JSON_TYPE],
    ['a body that is not JSON', '{"name": "Ada", "age": 30', JSON_TYPE],
    ['an empty JSON array', '[]', JSON_TYPE],
    ['a JSON string', '"Ada"', JSON_TYPE],
    ['a JSON number', '42', JSON_TYPE],
    ['JSON null', 'null', JSON_TYPE],
    ['an empty object', '{}', JSON_TYPE],
    ['valid JSON sent as text/plain', '{"name":"Ada","age":30}', { 'Content-Type': 'text/plain' }],
    ['valid JSON sent as form data', '{"name":"Ada","age":30}', { 'Content-Type': 'application/x-www-form-urlencoded' }],
  ])('answers 400 to POST /actors with %s', async (_, body, headers) => {
    const { status, body: answer } = await callJson('/actors', { method: 'POST', token: await tokenFor('producer'), body, headers })
    expect(answer).toEqual({ success: false, error: 400, message: 'request does not contain a valid JSON body.' })
    expect(status).toBe(400)
    expect(await withDb((db) => db.select().from(actors))).toEqual([])
  })

  it.each([
    ['no body', undefined, {}],
    ['an empty object', '{}', JSON_TYPE],
    ['a JSON array', '[]', JSON_TYPE],
    ['valid JSON sent as text/plain', '{"title":"Ronin"}', { 'Content-Type': 'text/plain' }],
  ])('answers 400 to PATCH /movies/:id with %s', async (_, body, headers) => {
    const { movie } = await arrange()
    const { status, body: answer } = await callJson(`/movies/${movie}`, {
      method: 'PATCH',
      token: await tokenFor('producer'),
      body,
      headers,
    })
    expect(answer).toEqual({ success: false, error: 400, message: 'request does not contain a valid JSON body.' })
    expect(status).toBe(400)
  })

  it('accepts a JSON Content-Type with a charset', async () => {
    const { status } = await callJson('/actors', {
      method: 'POST',
      token: await tokenFor('producer'),
      body: '{"name":"Ada","age":30}',
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
    })
    expect(status).toBe(201)
  })

  it('answers 422 for an unknown field in POST /actors', async () => {
    const { status, body } = await callJson('/actors', {
      method: 'POST',
      token: await tokenFor('producer'),
      body: { id: 5, name: 'Ada', age: 30 },
    })
    expect(body).toEqual({ success: false, error: 422, message: 'unexpected field: id.' })
    expect(status).toBe(422)
    expect(await withDb((db) => db.select().from(actors))).toEqual([])
  })

  it('answers 422 for an unknown field in PATCH /movies/:id, and changes nothing', async () => {
    const { movie } = await arrange()
    const before = await snapshot()
    const { status, body } = await callJson(`/movies/${movie}`, {
      method: 'PATCH',
      token: await tokenFor('producer'),
      body: { title: 'Ronin', id: 9 },
    })
    expect(body).toEqual({ success: false, error: 422, message: 'unexpected field: id.' })
    expect(status).toBe(422)
    expect(await snapshot()).toEqual(before)
  })
})

describe('order of checks', () => {
  it('answers 404 for an unknown route before authentication', async () => {
    const { status, body } = await callJson('/directors/1', { method: 'DELETE', headers: { Authorization: 'Bearer garbage' } })
    expect(body).toEqual({ success: false, error: 404, message: 'resource not found' })
    expect(status).toBe(404)
  })

  it('answers 401, not 404, for an unknown id without a token', async () => {
    const { status, body, response } = await callJson('/actors/999', { method: 'DELETE' })
    expect(body).toEqual({ success: false, error: 401, message: 'Authorization header is expected.' })
    expect(status).toBe(401)
    expect(response.headers.get('WWW-Authenticate')).toBe('Bearer')
  })

  it('answers 401, not 404, for an id that is not a number without a token', async () => {
    const { status } = await callJson('/movies/abc', { method: 'PATCH', body: { title: 'Ronin' } })
    expect(status).toBe(401)
  })

  it('answers 401, not 400, for a bad body without a token', async () => {
    const { status, body } = await callJson('/actors', {
      method: 'POST',
      body: 'not json',
      headers: { 'Content-Type': 'application/json' },
    })
    expect(body).toEqual({ success: false, error: 401, message: 'Authorization header is expected.' })
    expect(status).toBe(401)
  })

  it('answers 401, not 413, for an oversize body without a token', async () => {
    const { status } = await callJson('/actors', { method: 'POST', body: { name: 'x'.repeat(70_000), age: 30 } })
    expect(status).toBe(401)
  })

  it('answers 403, not 400, for a bad body without the permission', async () => {
    const { status, body } = await callJson('/actors', {
      method: 'POST',
      token: await tokenFor('assistant'),
      body: 'not json',
      headers: { 'Content-Type': 'application/json' },
    })
    expect(body).toEqual({ success: false, error: 403, message: 'Permission not found.' })
    expect(status).toBe(403)
  })

  it('answers 400, not 404, for a bad body on an unknown id', async () => {
    const { status, body } = await callJson('/actors/999', {
      method: 'PATCH',
      token: await tokenFor('director'),
      body: 'not json',
      headers: { 'Content-Type': 'application/json' },
    })
    expect(body).toEqual({ success: false, error: 400, message: 'request does not contain a valid JSON body.' })
    expect(status).toBe(400)
  })

  it('answers 422, not 404, for an unknown field on an unknown id', async () => {
    const { status, body } = await callJson('/actors/999', { method: 'PATCH', token: await tokenFor('director'), body: { id: 1 } })
    expect(body).toEqual({ success: false, error: 422, message: 'unexpected field: id.' })
    expect(status).toBe(422)
  })

  it('answers 422, not 404, for an invalid field on an unknown id', async () => {
    const { status, body } = await callJson('/movies/999', {
      method: 'PATCH',
      token: await tokenFor('director'),
      body: { release_date: 'soon' },
    })
    expect(body).toEqual({ success: false, error: 422, message: 'release_date must be a date (YYYY-MM-DD).' })
    expect(status).toBe(422)
  })

  it('answers 404 for a valid body on an unknown id', async () => {
    const { status, body } = await callJson('/actors/999', { method: 'PATCH', token: await tokenFor('director'), body: { age: 40 } })
    expect(body).toEqual({ success: false, error: 404, message: 'Actor with id 999 not found in database.' })
    expect(status).toBe(404)
  })
})

describe('database unavailable', () => {
  it('answers 503 to GET /actors with Retry-After and no driver detail', async () => {
    await arrange()
    const token = await tokenFor('assistant')
    await setDatabase('down')
    const response = await call('/actors', { token })
    const text = await response.text()
    expect(JSON.parse(text)).toEqual({ success: false, error: 503, message: 'database unavailable.' })
    expect(response.status).toBe(503)
    expect(response.headers.get('Retry-After')).toMatch(/^\d+$/)
    expect(text).not.toMatch(/select|from|actors"|insert|connect|socket|terminated|ECONN|postgres|neon|drizzle|stack/i)
  })

  it('answers 503 to POST /movies when the database is unreachable', async () => {
    const token = await tokenFor('producer')
    await setDatabase('down')
    const { status, body, response } = await callJson('/movies', {
      method: 'POST',
      token,
      body: { title: 'Heat', release_date: '1995-12-15' },
    })
    expect(body).toEqual({ success: false, error: 503, message: 'database unavailable.' })
    expect(status).toBe(503)
    expect(response.headers.get('Retry-After')).toMatch(/^\d+$/)
  })

  it('still answers 401 without a token when the database is unreachable', async () => {
    await setDatabase('down')
    const { status, body } = await callJson('/actors')
    expect(body).toEqual({ success: false, error: 401, message: 'Authorization header is expected.' })
    expect(status).toBe(401)
  })
})
