import { describe, expect, it } from 'vitest'
import { ROLES, type Role } from '../src/auth/permissions'
import { actors, castings, webhookDeliveries } from '../src/db/schema'
import { app } from '../src/index'
import type { DeclaredResource } from '../src/resources/declare'
import { call, callJson, documentOfTheApi, setDatabase, tokenFor, withDb } from './helpers'
import { registered, resourceOf, withIds } from './registry'

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
type Route = {
  method: Method
  /** As API.md writes it; `:id` is the id of the resource the path's first segment names, `:actor_id` an actor's. */
  path: string
  permission: string
  success: 200 | 201 | 202
  body?: Record<string, unknown>
  /** What the route needs besides the arranged rows and casting (a restore, a delete first). */
  prepare?: (path: string) => Promise<unknown>
}

/** A failed delivery of the arranged webhook (`/webhooks/<id>/…`), of the event at feed position (1, 1): `ZTEuMS4x`. */
const failedDelivery = (path: string) =>
  withDb((db) =>
    db
      .insert(webhookDeliveries)
      .values({ webhook_id: Number(path.split('/')[2]), event_txid: 1, event_id: 1, type: 'actor.created', state: 'failed' }),
  )

/** Deletes the resource of a `/<resource>/:id/restore` path, so that there is something to restore. */
const deleteFirst = async (path: string) => call(path.replace(/\/restore$/, ''), { method: 'DELETE', token: await tokenFor('producer') })

// The castings' routes, between movies and actors, and the one permission each needs, written out from API.md.
const CASTINGS: Route[] = [
  { method: 'PUT', path: '/movies/:id/actors/:actor_id', permission: 'edit:movies', success: 200, body: { fee: 500 } },
  { method: 'DELETE', path: '/movies/:id/actors/:actor_id', permission: 'edit:movies', success: 200 },
  { method: 'PUT', path: '/movies/:id/actors', permission: 'edit:movies', success: 200, body: { cast: [{ actor_id: 1, fee: 10 }] } },
  { method: 'GET', path: '/events', permission: 'read:history', success: 200 },
]

// Webhooks (API.md D2): configuration, not a declared resource; all under manage:webhooks.
const WEBHOOKS: Route[] = [
  {
    method: 'POST',
    path: '/webhooks',
    permission: 'manage:webhooks',
    success: 201,
    body: { url: 'https://example.com/hook', types: ['*'] },
  },
  { method: 'GET', path: '/webhooks', permission: 'manage:webhooks', success: 200 },
  { method: 'GET', path: '/webhooks/:id', permission: 'manage:webhooks', success: 200 },
  { method: 'PATCH', path: '/webhooks/:id', permission: 'manage:webhooks', success: 200, body: { description: 'crm' } },
  { method: 'DELETE', path: '/webhooks/:id', permission: 'manage:webhooks', success: 200 },
  { method: 'POST', path: '/webhooks/:id/rotate-secret', permission: 'manage:webhooks', success: 200 },
  { method: 'GET', path: '/webhooks/:id/deliveries', permission: 'manage:webhooks', success: 200, prepare: failedDelivery },
  {
    method: 'POST',
    path: '/webhooks/:id/deliveries/:event_cursor/retry',
    permission: 'manage:webhooks',
    success: 202,
    prepare: failedDelivery,
  },
]

/**
 * The standard routes of a resource (src/routes/standard.ts), by their path
 * under the resource's own (`*` its related list, `GET /actors/:id/movies`),
 * and the permission API.md gives each, as the resource declares it. A route
 * guarded by any other permission, even another of its own resource's, fails.
 */
const STANDARD: Record<string, (permissions: DeclaredResource['permissions']) => string> = {
  'GET ': ({ read }) => read,
  'POST ': ({ create }) => create,
  'GET /:id': ({ read }) => read,
  'PATCH /:id': ({ edit }) => edit,
  'DELETE /:id': (permissions) => permissions.delete,
  'GET /:id/*': ({ read }) => read,
  'GET /:id/history': () => 'read:history',
  'POST /:id/restore': (permissions) => permissions.delete,
}

/** A resource's standard route, with the body its success needs: the resource's example create or change. */
function standardRoute(method: Method, path: string): Route | undefined {
  const resource = resourceOf(path)
  const under = path.replace(/^\/[^/]+/, '').replace(/^\/:id\/(?!history$|restore$)[^/]+$/, '/:id/*')
  const permission = resource && STANDARD[`${method} ${under}`]?.(resource.permissions)
  if (!resource || !permission) return undefined
  const body = method === 'POST' && under === '' ? resource.examples.create(2) : method === 'PATCH' ? resource.examples.update : undefined
  return {
    method,
    path,
    permission,
    success: method === 'POST' && under === '' ? 201 : 200,
    body,
    prepare: under === '/:id/restore' ? deleteFirst : undefined,
  }
}

/** The routes anyone may call (API.md "Service endpoints"). */
const OPEN = ['GET /health', 'GET /openapi.json', 'GET /docs', 'GET /docs/scalar.js']

const asOpenAPI = (path: string) => path.replace(/:(\w+)/g, '{$1}')
const REGISTERED = [...new Set(app.routes.filter((route) => route.method !== 'ALL').map((route) => `${route.method} ${route.path}`))]

// Every protected route of the app and the one permission it needs: the castings' as written
// out above, every other one a resource's standard route. A route that is neither has no row
// (and the test that every protected route has one fails).
const ROUTES: Route[] = REGISTERED.filter((route) => !OPEN.includes(route)).flatMap((route) => {
  const [method, path] = route.split(' ') as [Method, string]
  const row = [...CASTINGS, ...WEBHOOKS].find((route) => route.method === method && route.path === path) ?? standardRoute(method, path)
  return row ? [row] : []
})

// The permissions of API.md section 3 (and read:history, Part C4; manage:webhooks, D2): each resource's own, as it declares them.
const PERMISSIONS = [
  ...new Set([...registered.flatMap((resource) => Object.values(resource.permissions)), 'read:history', 'manage:webhooks']),
]
const ALLOWED = {
  assistant: ['read:actors', 'read:movies'],
  director: ['read:actors', 'read:movies', 'create:actors', 'edit:actors', 'delete:actors', 'edit:movies'],
  producer: PERMISSIONS,
}

/** One row of every resource, and the first actor cast in the first movie, created through the API as a producer; their ids by resource. */
async function arrange() {
  const producer = await tokenFor('producer')
  const ids: Record<string, number> = {}
  for (const { many, examples } of registered) {
    const created = await callJson<{ created: number }>(`/${many}`, { method: 'POST', token: producer, body: examples.create(1) })
    expect(created.status, `${many}: ${JSON.stringify(created.body)}`).toBe(201)
    ids[many] = created.body.created
  }
  const cast = await call(`/movies/${ids.movies}/actors/${ids.actors}`, { method: 'PUT', token: producer })
  expect(cast.status).toBe(201)
  // A receiver that refuses the connection at once: nothing leaves this machine.
  const webhook = await callJson<{ webhook: { id: number } }>('/webhooks', {
    method: 'POST',
    token: producer,
    body: { url: 'http://127.0.0.1:9/hook', types: ['*'] },
  })
  expect(webhook.status).toBe(201)
  ids.webhooks = webhook.body.webhook.id
  return ids
}

/** The route's path with the arranged ids in it (a webhook's, and its delivery's event cursor, on its routes). */
const urlOf = (path: string, ids: Record<string, number>) =>
  path.startsWith('/webhooks')
    ? path.replace(':id', String(ids.webhooks)).replace(':event_cursor', 'ZTEuMS4x')
    : withIds(path, ({ many }) => ids[many]!)

/** Every row of every registered table, and of castings. */
const snapshot = () =>
  withDb(async (db) => ({
    ...Object.fromEntries(
      await Promise.all(
        registered.map(async ({ many, table, fields }) => [many, await db.select().from(table).orderBy(fields.id)] as const),
      ),
    ),
    castings: await db.select().from(castings).orderBy(castings.movie_id, castings.actor_id),
  }))

const allowHeader = (response: Response) =>
  new Set(
    (response.headers.get('Allow') ?? '')
      .split(',')
      .map((method) => method.trim())
      .filter(Boolean),
  )

// Tokens holding exactly one permission: a route that asked for another one
// (read:actors for read:movies, say) lets the wrong token in and keeps the right one out.
describe('permission matrix', () => {
  it.each(ROUTES)(
    'lets a token holding only $permission call $method $path',
    async ({ method, path, permission, success, body, prepare }) => {
      const ids = await arrange()
      await prepare?.(urlOf(path, ids))
      const response = await callJson(urlOf(path, ids), { method, token: await tokenFor(null, { permissions: [permission] }), body })
      expect(response.status, JSON.stringify(response.body)).toBe(success)
      expect(response.body.success).toBe(true)
    },
  )

  it.each(ROUTES)(
    'answers 403 to $method $path for a token holding any other one permission, or none, and changes nothing',
    async ({ method, path, permission, body, prepare }) => {
      const ids = await arrange()
      await prepare?.(urlOf(path, ids))
      const before = await snapshot()
      for (const other of [...PERMISSIONS.filter((p) => p !== permission).map((p) => [p]), []]) {
        const {
          status,
          body: answer,
          response,
        } = await callJson(urlOf(path, ids), {
          method,
          token: await tokenFor(null, { permissions: other }),
          body,
        })
        expect(answer, `with ${JSON.stringify(other)}`).toEqual({ success: false, error: 403, message: 'Permission not found.' })
        expect(status).toBe(403)
        expect(response.headers.get('WWW-Authenticate')).toBe(`Bearer error="insufficient_scope", scope="${permission}"`)
      }
      expect(await snapshot()).toEqual(before)
    },
  )

  it('has a row for every protected route of the app, with the permission /openapi.json names', async () => {
    const protectedRoutes = REGISTERED.filter((route) => !OPEN.includes(route)).map((route) => asOpenAPI(route))
    const table = ROUTES.map(({ method, path }) => `${method} ${asOpenAPI(path)}`)
    expect(protectedRoutes.sort()).toEqual([...table].sort())
    const { paths } = await documentOfTheApi()
    const documented = Object.entries(paths).flatMap(([path, operations]) =>
      Object.entries(operations as Record<string, { 'x-permission'?: string }>)
        .filter(([, operation]) => operation['x-permission'])
        .map(([method, operation]) => `${method.toUpperCase()} ${path} ${operation['x-permission']}`),
    )
    expect(documented.sort()).toEqual(ROUTES.map(({ method, path, permission }) => `${method} ${asOpenAPI(path)} ${permission}`).sort())
  })

  it('derives from the declarations of actors and movies the permissions of API.md section 3', () => {
    const declared = Object.fromEntries(registered.map(({ many, permissions }) => [many, permissions]))
    expect(declared.actors).toEqual({ read: 'read:actors', create: 'create:actors', edit: 'edit:actors', delete: 'delete:actors' })
    expect(declared.movies).toEqual({ read: 'read:movies', create: 'create:movies', edit: 'edit:movies', delete: 'delete:movies' })
  })

  it('gives each role the permissions of API.md section 3', () => {
    for (const [role, permissions] of Object.entries(ALLOWED))
      expect([...ROLES[role as Role]].sort(), role).toEqual([...permissions].sort())
    expect(Object.keys(ROLES).sort()).toEqual(Object.keys(ALLOWED).sort())
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
    const { actors: actor } = await arrange()
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
    const { movies: movie } = await arrange()
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
    const { movies: movie } = await arrange()
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
