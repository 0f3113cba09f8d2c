import { describe, expect, inject, it } from 'vitest'
import { PERMISSIONS } from '../src/auth/permissions'
import app from '../src/index'
import { call, callJson } from './helpers'

type Operation = {
  description?: string
  security?: unknown[]
  'x-permission'?: string
  parameters?: { name: string; in: string }[]
  responses: Record<string, { headers?: Record<string, { required?: boolean }>; content?: Record<string, { schema: { $ref?: string } }> }>
}
type Document = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } }

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

  it('documents every registered route, and nothing else', async () => {
    const document = await getDocument()
    const documented = new Set(
      Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    )
    expect([...documented].sort()).toEqual([...registeredRoutes()].sort())
    expect(documented.size).toBe(18)
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
            '#/components/schemas/Error',
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
        const asksDatabase = path === '/health' || path.startsWith('/actors') || path.startsWith('/movies')
        expect(Boolean(operation.responses['503']?.headers?.['Retry-After']?.required), `${method} ${path}`).toBe(asksDatabase)
      }
    }
    const get = paths['/actors/{id}']?.get
    expect(get?.responses['304']?.content).toBeUndefined() // notModified()
    expect(get?.responses['304']?.headers?.ETag?.required).toBe(true)
    expect(get?.responses['200']?.headers?.ETag?.required).toBe(true)
    expect(paths['/actors']?.post?.responses['201']?.headers?.Location?.required).toBe(true)
    expect(statuses('/movies', 'post')).toEqual(['201', '400', '401', '403', '413', '422', '429', '503']) // jsonBody
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

describe("the README's endpoint table", () => {
  it('lists every documented operation with its permission, and nothing else', async () => {
    const document = await getDocument()
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations).map(([method, operation]) => `${method.toUpperCase()} ${path} ${operation['x-permission'] ?? 'none'}`),
    )
    const rows = [...inject('readme').matchAll(/^\| `(GET|POST|PUT|PATCH|DELETE) ([^`]+)` \| `?([\w:]+)`? \|/gm)].map(
      ([, method, path, permission]) => `${method} ${path!.replace(/:(\w+)/g, '{$1}')} ${permission}`,
    )
    expect(rows.sort()).toEqual(documented.sort())
  })
})

describe('the list responses in the document', () => {
  it('are a plain page with total, or a cursor page with next_after and no total', async () => {
    const { paths } = await getDocument()
    for (const path of ['/actors', '/movies']) {
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
