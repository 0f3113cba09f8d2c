import { env } from 'cloudflare:workers'
import { describe, expect, inject, it } from 'vitest'
import { PERMISSIONS } from '../src/auth/permissions'
import { app } from '../src/index'
import { generateDocument } from '../src/openapi'
import { documentOptions } from '../src/routes/docs'
import { actorSchema } from '../src/schemas/actors'
import { movieSchema } from '../src/schemas/movies'
import { columnsOf } from './expected'
import { call, callJson } from './helpers'
import { registered, resourceOf } from './registry'

type Schema = { type?: string; minimum?: number; maximum?: number; default?: unknown; $ref?: string; [keyword: string]: unknown }
type Operation = {
  operationId: string
  description?: string
  security?: unknown[]
  'x-permission'?: string
  parameters?: { name: string; in: string; description?: string; required?: boolean; schema: Schema }[]
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema & { properties: Record<string, Schema> } }> }
  responses: Record<string, { headers?: Record<string, { required?: boolean }>; content?: Record<string, { schema: Schema }> }>
}
type Document = {
  openapi: string
  servers: { url: string }[]
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, unknown> }
}

const getDocument = async () => (await callJson<Document>('/openapi.json')).body

/** The app's own routes, as `METHOD /path/{param}`: what hono will answer. */
const registeredRoutes = () =>
  new Set(app.routes.filter((route) => route.method !== 'ALL').map((route) => `${route.method} ${route.path.replace(/:([^/]+)/g, '{$1}')}`))

describe('GET /openapi.json', () => {
  it('answers an OpenAPI 3.1 document without authentication', async () => {
    const { status, body } = await callJson<Document>('/openapi.json')
    expect(status).toBe(200)
    expect(body.openapi).toBe('3.1.0')
  })

  it('is the document of the routes as they are now: the one built before this run is the one the Worker would generate', async () => {
    const { servers: _, ...served } = await getDocument()
    expect(served).toEqual(await generateDocument(app, documentOptions))
  })

  it('documents every registered route, and nothing else', async () => {
    const document = await getDocument()
    const documented = new Set(
      Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    )
    expect([...documented].sort()).toEqual([...registeredRoutes()].sort())
    // The five open routes (the feed among them), the castings' three, each resource's eight (src/routes/standard.ts
    // and its related list), and the webhooks' eight.
    expect(documented.size).toBe(5 + 3 + 8 * registered.length + 8)
  })

  it('names for each protected operation its permission, bearer security and 401/403', async () => {
    const document = await getDocument()
    const open = ['GET /health', 'GET /openapi.json', 'GET /docs', 'GET /docs/scalar.js']
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const name = `${method.toUpperCase()} ${path}`
        if (open.includes(name)) {
          expect(operation.security, name).toBeUndefined()
          continue
        }
        expect(PERMISSIONS, name).toContain(operation['x-permission'])
        expect(operation.security, name).toEqual([{ bearerAuth: [] }])
        for (const status of ['401', '403']) {
          expect(operation.responses[status]?.content?.['application/json']?.schema.$ref, `${name} ${status}`).toBe(
            '#/components/schemas/ErrorEnvelope',
          )
        }
      }
    }
  })

  it('documents each status from the middleware that answers it, with its headers', async () => {
    const { paths } = await getDocument()
    const statuses = (path: string, method: string) => Object.keys(paths[path]?.[method]?.responses ?? {})
    // The database middleware: every route that asks the database, and only those.
    for (const [path, operations] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const asksDatabase = path === '/health' || path === '/events' || path.startsWith('/webhooks') || resourceOf(path) !== undefined
        expect(Boolean(operation.responses['503']?.headers?.['Retry-After']?.required), `${method} ${path}`).toBe(asksDatabase)
      }
    }
    const get = paths['/actors/{id}']?.get
    expect(get?.responses['304']?.content).toBeUndefined() // notModified()
    expect(get?.responses['304']?.headers?.ETag?.required).toBe(true)
    // Not on an as-of read (API.md D4), which also names `as_of` among its parameters and answers 410.
    expect(get?.responses['200']?.headers?.ETag?.required).toBe(false)
    expect(get?.parameters?.map((p) => p.name)).toContain('as_of')
    expect(statuses('/movies/{id}', 'get')).toEqual(['200', '304', '400', '401', '403', '404', '410', '429', '503'])
    // Not on a bulk create (API.md C2).
    expect(paths['/actors']?.post?.responses['201']?.headers?.Location?.required).toBe(false)
    expect(statuses('/movies', 'post')).toEqual(['201', '400', '401', '403', '409', '413', '422', '429', '503']) // idempotencyKey, jsonBody
    expect(paths['/actors']?.post?.responses['201']?.headers?.['Idempotent-Replayed']?.required).toBe(false)
    expect(paths['/movies']?.post?.responses['409']?.headers?.['Retry-After']?.required).toBe(true)
    expect(statuses('/actors/{id}/restore', 'post')).toEqual(['200', '401', '403', '404', '409', '429', '503'])
    expect(statuses('/movies/{id}/history', 'get')).toEqual(['200', '400', '401', '403', '404', '429', '503'])
    expect(statuses('/events', 'get')).toEqual(['200', '400', '401', '403', '410', '429', '503'])
    expect(statuses('/webhooks', 'post')).toEqual(['201', '400', '401', '403', '413', '422', '429', '503'])
    expect(statuses('/webhooks/{id}/deliveries/{event_cursor}/retry', 'post')).toEqual(['202', '401', '403', '404', '422', '429', '503'])
    expect(statuses('/movies/{id}', 'patch')).toEqual(['200', '400', '401', '403', '404', '412', '413', '422', '429', '503'])
    expect(statuses('/movies/{id}', 'delete')).toEqual(['200', '400', '401', '403', '404', '412', '429', '503']) // ifMatch, pathIds
    expect(statuses('/actors', 'get')).toEqual(['200', '400', '401', '403', '404', '429', '503']) // validate('query'), requirePermission
    expect(paths['/actors/{id}']?.get?.description).toContain('`If-None-Match`') // the route's own words survive
    expect(paths['/actors/{id}']?.get?.description).toContain('Requires the permission `read:actors`.')
  })

  it('documents the permission each route enforces', async () => {
    const document = await getDocument()
    expect(document.paths['/actors']?.get?.['x-permission']).toBe('read:actors')
    expect(document.paths['/movies']?.post?.['x-permission']).toBe('create:movies')
    expect(document.paths['/movies/{id}/actors/{actor_id}']?.put?.['x-permission']).toBe('edit:movies')
  })

  it('documents path and query parameters from the validators', async () => {
    const document = await getDocument()
    const names = (path: string, method: string) => document.paths[path]?.[method]?.parameters?.map((p) => `${p.in}:${p.name}`)
    expect(names('/actors', 'get')).toEqual(
      expect.arrayContaining([
        'query:q',
        'query:gender',
        'query:min_age',
        'query:max_age',
        'query:sort',
        'query:page',
        'query:per_page',
        'query:after',
      ]),
    )
    expect(names('/movies', 'get')).toEqual(expect.arrayContaining(['query:released_from', 'query:released_to']))
    expect(names('/movies/{id}/actors/{actor_id}', 'delete')).toEqual(['path:id', 'path:actor_id'])
    expect(names('/actors', 'post')).toEqual(['header:Idempotency-Key'])
    expect(names('/movies/{id}/history', 'get')).toEqual(expect.arrayContaining(['query:page', 'query:per_page', 'path:id']))
  })
})

// What a client generated from the document (openapi-typescript, say) gets
// right only if the document says it; `npm run test:client` runs one.
describe('GET /openapi.json, as a client generator reads it', () => {
  const operations = (document: Document) =>
    Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, operation })),
    )

  it('names every operation as a person would, and keeps the names', async () => {
    const names = Object.fromEntries(operations(await getDocument()).map(({ name, operation }) => [name, operation.operationId]))
    // Each resource's standard routes are named after it (`listActors`, `getActor`), and its related list as it declares.
    const relatedOf = (many: string) =>
      Object.keys(names).find((name) => new RegExp(`^GET /${many}/\\{id\\}/(?!history$)[^/]+$`).test(name)) ?? `GET /${many}/{id}/?`
    const standard = registered.flatMap(({ many, Name, include }) => [
      [`GET /${many}`, `list${Name}s`],
      [`POST /${many}`, `create${Name}`],
      [`GET /${many}/{id}`, `get${Name}`],
      [`PATCH /${many}/{id}`, `update${Name}`],
      [`DELETE /${many}/{id}`, `delete${Name}`],
      [`GET /${many}/{id}/history`, `list${Name}History`],
      [`POST /${many}/{id}/restore`, `restore${Name}`],
      [relatedOf(many), include.operationId],
    ])
    expect(names).toEqual({
      ...Object.fromEntries(standard),
      'GET /health': 'getHealth',
      'PUT /movies/{id}/actors/{actor_id}': 'castActor',
      'DELETE /movies/{id}/actors/{actor_id}': 'uncastActor',
      'PUT /movies/{id}/actors': 'replaceCast',
      'GET /events': 'listEvents',
      'POST /webhooks': 'createWebhook',
      'GET /webhooks': 'listWebhooks',
      'GET /webhooks/{id}': 'getWebhook',
      'PATCH /webhooks/{id}': 'updateWebhook',
      'DELETE /webhooks/{id}': 'deleteWebhook',
      'POST /webhooks/{id}/rotate-secret': 'rotateWebhookSecret',
      'GET /webhooks/{id}/deliveries': 'listWebhookDeliveries',
      'POST /webhooks/{id}/deliveries/{event_cursor}/retry': 'retryWebhookDelivery',
      'GET /openapi.json': 'getOpenApiDocument',
      'GET /docs/scalar.js': 'getDocsScript',
      'GET /docs': 'getDocsPage',
    })
    // A new route names its own in operation(); a renamed one breaks every generated client: those of actors and movies, written out.
    expect(names).toMatchObject({
      'GET /actors': 'listActors',
      'POST /actors': 'createActor',
      'GET /actors/{id}': 'getActor',
      'PATCH /actors/{id}': 'updateActor',
      'DELETE /actors/{id}': 'deleteActor',
      'GET /actors/{id}/movies': 'listFilmography',
      'GET /movies': 'listMovies',
      'POST /movies': 'createMovie',
      'GET /movies/{id}': 'getMovie',
      'PATCH /movies/{id}': 'updateMovie',
      'DELETE /movies/{id}': 'deleteMovie',
      'GET /movies/{id}/actors': 'listCast',
      'GET /actors/{id}/history': 'listActorHistory',
      'GET /movies/{id}/history': 'listMovieHistory',
      'POST /actors/{id}/restore': 'restoreActor',
      'POST /movies/{id}/restore': 'restoreMovie',
    })
  })

  it('types every number a path or query carries as an integer with its bounds', async () => {
    const document = await getDocument()
    const bounds: Record<string, [number, number]> = {
      id: [1, 2147483647],
      actor_id: [1, 2147483647],
      page: [1, 2147483647],
      per_page: [1, 100],
      after: [0, 2147483647],
      min_age: [0, 150],
      max_age: [0, 150],
    }
    // The feed's own (API.md D1): larger pages, a wait; its `after` is an opaque cursor, a string.
    const feedBounds: Record<string, [number, number]> = { per_page: [1, 1000], wait: [1, 25] }
    const checked = new Set<string>()
    for (const { name, operation } of operations(document)) {
      for (const { name: parameter, schema } of operation.parameters ?? []) {
        const feed = name === 'GET /events'
        const expected = (feed ? feedBounds : bounds)[parameter]
        if (feed && parameter === 'after') expect(schema.type).toBe('string')
        if (!expected) continue
        checked.add(feed ? `feed ${parameter}` : parameter)
        expect([schema.type, schema.minimum, schema.maximum], `${name} ${parameter}`).toEqual(['integer', ...expected])
      }
    }
    expect([...checked].sort()).toEqual([...Object.keys(bounds), ...Object.keys(feedBounds).map((p) => `feed ${p}`)].sort())
    const perPage = document.paths['/movies']?.get?.parameters?.find((p) => p.name === 'per_page')
    expect(perPage?.schema.default).toBe(10)
  })

  it('describes every parameter, the cursor rules among them', async () => {
    const document = await getDocument()
    for (const { name, operation } of operations(document)) {
      for (const parameter of operation.parameters ?? []) expect(parameter.description, `${name} ${parameter.name}`).toBeTruthy()
    }
    const describe = (path: string, parameter: string) =>
      document.paths[path]?.get?.parameters?.find((p) => p.name === parameter)?.description ?? ''
    for (const { many, filters } of registered) {
      const path = `/${many}`
      expect(describe(path, 'after')).toContain('`after=0` starts a walk')
      expect(describe(path, 'after')).toContain('page must be absent when after is given.')
      expect(describe(path, 'after')).toContain('sort must be id when after is given.')
      if ('q' in filters) expect(describe(path, 'q')).toContain('case-insensitively')
    }
    expect(describe('/actors', 'q')).toContain('case-insensitively')
    expect(describe('/movies', 'q')).toContain('case-insensitively')
    expect(describe('/actors', 'gender')).toContain('case-insensitively')
    expect(describe('/movies', 'released_from')).toContain('on or after')
    expect(describe('/movies', 'released_to')).toContain('on or before')
  })

  it('documents If-None-Match on every read that answers 304, and If-Match on every write it guards', async () => {
    const document = await getDocument()
    const headers = (operation: Operation) => (operation.parameters ?? []).filter((p) => p.in === 'header').map((p) => p.name)
    for (const { name, operation } of operations(document)) {
      expect(headers(operation).includes('If-None-Match'), name).toBe('304' in operation.responses)
      expect(headers(operation).includes('If-Match'), name).toBe('412' in operation.responses)
    }
    expect(headers(document.paths['/docs/scalar.js']!.get!)).toEqual(['If-None-Match'])
    expect(headers(document.paths['/movies/{id}']!.get!)).toEqual(['If-None-Match'])
  })

  it("says which bodies are optional, and the fee's precision", async () => {
    const document = await getDocument()
    for (const { name, operation } of operations(document)) {
      if (operation.requestBody) expect(operation.requestBody.required, name).toBe(name !== 'PUT /movies/{id}/actors/{actor_id}')
    }
    const body = document.paths['/movies/{id}/actors/{actor_id}']?.put?.requestBody?.content['application/json']?.schema
    expect(JSON.stringify(body?.properties.fee)).toContain('"multipleOf":0.01')
  })

  it('names the error envelope for what it is, and gives the origin it was asked at as its server', async () => {
    const document = await getDocument()
    expect(Object.keys(document.components.schemas)).toContain('ErrorEnvelope')
    expect(Object.keys(document.components.schemas)).not.toContain('Error')
    expect(document.servers).toEqual([{ url: 'https://api.test', description: 'This deployment.' }])
  })

  it('gives PUBLIC_ORIGIN as its server when the deployment sets it', async () => {
    const response = await app.request('/openapi.json', {}, { ...env, PUBLIC_ORIGIN: 'https://api.example.com/' })
    expect(((await response.json()) as Document).servers).toEqual([{ url: 'https://api.example.com', description: 'This deployment.' }])
  })
})

describe('the shapes of Part C1-C2 in /openapi.json', () => {
  type Schema = {
    oneOf?: Schema[]
    type?: string
    enum?: string[]
    items?: Schema
    properties?: Record<string, Schema>
    maxItems?: number
    minItems?: number
  }
  const bodyOf = (operation?: Operation) =>
    (operation as { requestBody?: { content: Record<string, { schema: Schema }> } } | undefined)?.requestBody?.content['application/json']
      ?.schema
  const responseOf = (operation: Operation | undefined, status: string) =>
    operation?.responses[status]?.content?.['application/json']?.schema as Schema

  it('documents the create bodies as one object or an array of 1 to 100, and both answers', async () => {
    const { paths } = await getDocument()
    for (const { many: key } of registered) {
      const path = `/${key}`
      const body = bodyOf(paths[path]?.post)
      expect(
        body?.oneOf?.map((branch) => branch.type),
        path,
      ).toEqual(['object', 'array'])
      expect(body?.oneOf?.[1]).toMatchObject({ minItems: 1, maxItems: 100, items: body?.oneOf?.[0] })
      const created = responseOf(paths[path]?.post, '201')
      expect(
        created.oneOf?.map((branch) => Object.keys(branch.properties ?? {})),
        path,
      ).toEqual([
        ['success', 'created', key.slice(0, -1)],
        ['success', 'created', key],
      ])
    }
  })

  it('documents include as an enum, and the embedded list in each answer', async () => {
    const { paths } = await getDocument()
    const include = (path: string) => paths[path]?.get?.parameters?.find((p) => p.name === 'include') as { schema?: Schema } | undefined
    for (const { many, include: related } of registered) {
      expect(include(`/${many}`)?.schema?.enum).toEqual([related.name])
      expect(include(`/${many}/{id}`)?.schema?.enum).toEqual([related.name])
    }
    expect(include('/movies')?.schema?.enum).toEqual(['cast'])
    expect(include('/actors/{id}')?.schema?.enum).toEqual(['movies'])
    // A list answers one of two forms (a plain page, a cursor page): both carry the same items.
    const pages = responseOf(paths['/movies']?.get, '200').oneOf ?? []
    expect(pages).toHaveLength(2)
    const listed = pages[0]?.properties?.movies?.items?.properties?.cast
    expect(pages[1]?.properties?.movies?.items?.properties?.cast).toEqual(listed)
    // A cast member is an actor, every field the actor declares, and the fee; a movie of a filmography likewise.
    expect(Object.keys(listed?.items?.properties ?? {})).toEqual([...columnsOf(actorSchema), 'fee'])
    const one = responseOf(paths['/actors/{id}']?.get, '200').properties?.actor?.properties?.movies
    expect(Object.keys(one?.items?.properties ?? {})).toEqual([...columnsOf(movieSchema), 'fee'])
  })

  it('documents the cast replacement body, bounded to 500 entries', async () => {
    const { paths } = await getDocument()
    const put = paths['/movies/{id}/actors']?.put
    expect(put?.['x-permission']).toBe('edit:movies')
    expect(bodyOf(put)?.properties?.cast).toMatchObject({ type: 'array', maxItems: 500 })
    expect(Object.keys(put?.responses ?? {})).toEqual(['200', '400', '401', '403', '404', '413', '422', '429', '503'])
  })
})

describe('GET /docs/scalar.js', () => {
  it('serves the reference script from the static assets, with our headers', async () => {
    const response = await call('/docs/scalar.js')
    expect(response.status).toBe(200)
    expect(response.headers.get('Content-Type')).toMatch(/javascript/)
    expect(response.headers.get('X-Request-Id')).toBeTruthy()
    expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff')
    expect((await response.text()).length).toBeGreaterThan(100_000)
  })
})

describe('GET /docs', () => {
  it('answers a page that loads its script from this server', async () => {
    const response = await call('/docs')
    const html = await response.text()
    expect(response.status).toBe(200)
    expect(response.headers.get('Content-Type')).toMatch(/^text\/html/)
    expect(html).toContain('src="/docs/scalar.js"')
    expect(html).toContain('/openapi.json')
    expect(html).not.toMatch(/src="https?:/)
  })
})

describe('the endpoint table of docs/endpoints.md', () => {
  it('lists every documented operation with its permission, and nothing else', async () => {
    const document = await getDocument()
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations).map(([method, operation]) => `${method.toUpperCase()} ${path} ${operation['x-permission'] ?? 'none'}`),
    )
    const rows = [...inject('endpointTable').matchAll(/^\| `(GET|POST|PUT|PATCH|DELETE) ([^`]+)` \| `?([\w:]+)`? \|/gm)].map(
      ([, method, path, permission]) => `${method} ${path!.replace(/:(\w+)/g, '{$1}')} ${permission}`,
    )
    expect(rows.sort()).toEqual(documented.sort())
  })
})

describe('the list responses in the document', () => {
  it('are a plain page with total, or a cursor page with next_after and no total', async () => {
    const { paths } = await getDocument()
    for (const path of registered.map(({ many }) => `/${many}`)) {
      const schema = paths[path]?.get?.responses['200']?.content?.['application/json']?.schema as {
        oneOf?: { properties: Record<string, unknown>; required: string[]; additionalProperties: boolean }[]
      }
      const [plain, cursor] = schema.oneOf ?? []
      expect(plain?.required, path).toEqual(expect.arrayContaining(['page', 'per_page', 'total']))
      expect(plain?.properties, path).not.toHaveProperty('next_after')
      expect(cursor?.required, path).toEqual(expect.arrayContaining(['per_page', 'next_after']))
      expect(cursor?.properties, path).not.toHaveProperty('total')
      expect(cursor?.properties, path).not.toHaveProperty('page')
      expect([plain?.additionalProperties, cursor?.additionalProperties], path).toEqual([false, false])
    }
  })
})
