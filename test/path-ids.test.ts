import { describe, expect, it } from 'vitest'
import { callJson, documentOfTheApi, setDatabase, tokenFor } from './helpers'

// API.md section 2: a path id that is not a positive 32-bit integer names
// nothing and never reaches the database. Tested as that promise: with the
// database down, such an id still answers the resource's 404, while a valid id
// on the same route answers 503, so the 404 cannot have come from a query.

const INVALID = ['0', '-1', '2147483648', 'abc', '01']
const actorMessage = (id: string) => `Actor with id ${id} not found in database.`
const movieMessage = (id: string) => `Movie with id ${id} not found in database.`
const webhookMessage = (id: string) => `Webhook with id ${id} not found in database.`

type Route = {
  method: string
  path: string
  /** The path id that gets the invalid value; every other one is a valid id. */
  id: 'id' | 'actor_id' | 'event_cursor'
  message: (id: string) => string
  body?: Record<string, unknown>
}

// Every route with a path id, each of its ids in turn.
const ROUTES: Route[] = [
  { method: 'GET', path: '/actors/{id}', id: 'id', message: actorMessage },
  { method: 'PATCH', path: '/actors/{id}', id: 'id', message: actorMessage, body: { age: 40 } },
  { method: 'DELETE', path: '/actors/{id}', id: 'id', message: actorMessage },
  { method: 'GET', path: '/actors/{id}/movies', id: 'id', message: actorMessage },
  { method: 'GET', path: '/movies/{id}', id: 'id', message: movieMessage },
  { method: 'PATCH', path: '/movies/{id}', id: 'id', message: movieMessage, body: { title: 'Ronin' } },
  { method: 'DELETE', path: '/movies/{id}', id: 'id', message: movieMessage },
  { method: 'GET', path: '/movies/{id}/actors', id: 'id', message: movieMessage },
  { method: 'PUT', path: '/movies/{id}/actors/{actor_id}', id: 'id', message: movieMessage, body: { fee: 10 } },
  { method: 'PUT', path: '/movies/{id}/actors/{actor_id}', id: 'actor_id', message: actorMessage, body: { fee: 10 } },
  { method: 'DELETE', path: '/movies/{id}/actors/{actor_id}', id: 'id', message: movieMessage },
  { method: 'DELETE', path: '/movies/{id}/actors/{actor_id}', id: 'actor_id', message: actorMessage },
  { method: 'PUT', path: '/movies/{id}/actors', id: 'id', message: movieMessage, body: { cast: [] } },
  { method: 'GET', path: '/actors/{id}/history', id: 'id', message: actorMessage },
  { method: 'GET', path: '/movies/{id}/history', id: 'id', message: movieMessage },
  { method: 'POST', path: '/actors/{id}/restore', id: 'id', message: actorMessage },
  { method: 'POST', path: '/movies/{id}/restore', id: 'id', message: movieMessage },
  { method: 'GET', path: '/webhooks/{id}', id: 'id', message: webhookMessage },
  { method: 'PATCH', path: '/webhooks/{id}', id: 'id', message: webhookMessage, body: { enabled: true } },
  { method: 'DELETE', path: '/webhooks/{id}', id: 'id', message: webhookMessage },
  { method: 'POST', path: '/webhooks/{id}/rotate-secret', id: 'id', message: webhookMessage },
  { method: 'GET', path: '/webhooks/{id}/deliveries', id: 'id', message: webhookMessage },
  { method: 'POST', path: '/webhooks/{id}/deliveries/{event_cursor}/retry', id: 'id', message: webhookMessage },
  // A delivery is named by its event's feed cursor: one this API did not issue names nothing, as an invalid id.
  {
    method: 'POST',
    path: '/webhooks/{id}/deliveries/{event_cursor}/retry',
    id: 'event_cursor',
    message: (cursor) => `Delivery of event ${cursor} not found for this webhook.`,
  },
]

/** A valid value of each path id: 1, and for a cursor, the feed position (1, 1). */
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
