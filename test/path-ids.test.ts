import { describe, expect, it } from 'vitest'
import { app } from '../src/index'
import { callJson, documentOfTheApi, setDatabase, tokenFor } from './helpers'
import { resourceOf, resourceOfParam } from './registry'

// API.md section 2: a path id that is not a positive 32-bit integer names
// nothing and never reaches the database. Tested as that promise: with the
// database down, such an id still answers the resource's 404, while a valid id
// on the same route answers 503, so the 404 cannot have come from a query.

const INVALID = ['0', '-1', '2147483648', 'abc', '01']

/** The bodies of the castings' writes; every other write with a path id is a resource's PATCH, sent its example change. */
const CASTING_BODIES: Record<string, Record<string, unknown>> = {
  'PUT /movies/{id}/actors/{actor_id}': { fee: 10 },
  'PUT /movies/{id}/actors': { cast: [] },
  'PATCH /webhooks/{id}': { enabled: true },
}

/**
 * Webhooks (API.md D2) are no declared resource: their ids' 404s, written out. A delivery is named by its
 * event's feed cursor; one this API did not issue names nothing, as an invalid id does.
 */
const WEBHOOK_IDS: Record<string, (raw: string) => string> = {
  id: (raw) => `Webhook with id ${raw} not found in database.`,
  event_cursor: (raw) => `Delivery of event ${raw} not found for this webhook.`,
}

type Route = {
  method: string
  path: string
  /** The path id that gets the invalid value; every other one is a valid id. */
  id: string
  /** The 404 of the resource that id names. */
  message: (id: string) => string
  body?: Record<string, unknown>
}

const asOpenAPI = (path: string) => path.replace(/:(\w+)/g, '{$1}')
const withPathIds = [...new Set(app.routes.filter((route) => route.method !== 'ALL').map((route) => `${route.method} ${route.path}`))]
  .map((route) => route.split(' ') as [string, string])
  .filter(([, path]) => path.includes(':'))

// Every route the app registers with a path id, each of its ids in turn, with the 404 of the resource that id names.
const ROUTES: Route[] = withPathIds.flatMap(([method, appPath]) => {
  const path = asOpenAPI(appPath)
  const body = CASTING_BODIES[`${method} ${path}`] ?? (method === 'PATCH' ? resourceOf(path)?.examples.update : undefined)
  return [...path.matchAll(/\{(\w+)\}/g)].map(([, id]) => {
    if (path.startsWith('/webhooks/')) return { method, path, id: id!, message: WEBHOOK_IDS[id!]!, body }
    const resource = resourceOfParam(path, id!)
    return { method, path, id: id!, message: (raw: string) => resource.notFound(raw).message, body }
  })
})

/** A valid value of each path id: 1, and for a delivery's cursor, the feed position (1, 1). */
const VALID: Record<string, string> = { event_cursor: 'ZTEuMS4x' }

/** The path with `value` as its id `name`, and a valid value as any other id. */
const urlOf = (path: string, name: string, value: string) =>
  path.replace(`{${name}}`, value).replace(/\{(\w+)\}/g, (_, other: string) => VALID[other] ?? '1')

describe('an invalid path id with the database down', () => {
  it.each(ROUTES)(
    'answers $method $path, an invalid $id, with the 404, never asking the database',
    async ({ method, path, id: name, message, body }) => {
      const token = await tokenFor('producer')
      await setDatabase('down')
      const valid = await callJson(urlOf(path, name, VALID[name] ?? '1'), { method, token, body })
      expect(valid.status, 'the database is down, so a valid id answers 503').toBe(503)
      for (const id of INVALID) {
        const { status, body: answer } = await callJson(urlOf(path, name, id), { method, token, body })
        expect(answer, `${method} ${path} with ${id}`).toEqual({ success: false, error: 404, message: message(id) })
        expect(status).toBe(404)
      }
    },
  )

  it('covers every path id of every route in /openapi.json', async () => {
    const { paths } = await documentOfTheApi()
    const withIds = Object.entries(paths)
      .filter(([path]) => path.includes('{'))
      .flatMap(([path, operations]) =>
        Object.keys(operations).flatMap((method) =>
          [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => `${method.toUpperCase()} ${path} ${name}`),
        ),
      )
    const covered = ROUTES.map(({ method, path, id }) => `${method} ${path} ${id}`)
    expect(covered.sort()).toEqual(withIds.sort())
  })
})
