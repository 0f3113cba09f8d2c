import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import * as z from 'zod'
import { requirePermission } from '../src/auth/require-permission'
import { type Database, withDatabase } from '../src/db/client'
import { movies } from '../src/db/schema'
import type { AppEnv } from '../src/env'
import { envelope, toApiError } from '../src/errors'
import { operation } from '../src/openapi'
import { movieResource } from '../src/resources/movies'
import { docs } from '../src/routes/docs'
import { successSchema } from '../src/schemas/common'
import { pathIds } from '../src/validation'
import { tokenFor, withDb } from './helpers'

// The README's "Add an endpoint", followed to the letter for its example,
// GET /movies/:id/summary: a schema, a query, a route in a chain of the
// middleware that answers and documents its own errors. Nothing else is
// written, and the route answers the contract's errors and documents them.

// 1. The response schema.
const movieSummaryResponse = successSchema.extend({ summary: z.string() })

// 2. The statement, as a function taking `db`.
async function movieSummary(db: Database, id: number) {
  const [movie] = await db.select({ title: movies.title, release_date: movies.release_date }).from(movies).where(eq(movies.id, id))
  return movie && `${movie.title} (${movie.release_date.slice(0, 4)})`
}

// 3. The route, in the resource's chain.
const summaries = new Hono<AppEnv>().get(
  '/:id/summary',
  operation({
    operationId: 'getMovieSummary',
    tag: 'Movies',
    summary: 'A movie in one line',
    success: { status: 200, description: 'The summary.', schema: movieSummaryResponse },
  }),
  requirePermission('read:movies'),
  pathIds({ id: movieResource.notFound }),
  async (c) => {
    const { id } = c.req.valid('param')
    const summary = await movieSummary(c.var.db, id)
    if (!summary) throw movieResource.notFound(id)
    return c.json({ success: true, summary } satisfies z.input<typeof movieSummaryResponse>)
  },
)

// 4. Mounted as src/index.ts mounts the resources (with its error handler).
const app = new Hono<AppEnv>()
app.use(withDatabase)
app.route('/movies', summaries)
app.route('/', docs(app))
app.onError((error, c) => {
  const answer = toApiError(error)
  return envelope(c, answer.status, answer.message, answer.headers)
})

const get = async (path: string, token?: string) => {
  const response = await app.request(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} }, env)
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

describe('GET /movies/:id/summary, added as the README says', () => {
  it('answers the summary', async () => {
    await withDb((db) => db.insert(movies).values({ title: 'Fargo', release_date: '1996-03-08' }))
    expect(await get('/movies/1/summary', await tokenFor('assistant'))).toEqual({
      status: 200,
      body: { success: true, summary: 'Fargo (1996)' },
    })
  })

  it("answers its middleware's errors, in the contract's words", async () => {
    expect((await get('/movies/1/summary')).body).toEqual({ success: false, error: 401, message: 'Authorization header is expected.' })
    const noPermission = await get('/movies/1/summary', await tokenFor(null, { permissions: ['read:actors'] }))
    expect(noPermission.body).toEqual({ success: false, error: 403, message: 'Permission not found.' })
    const unknown = await get('/movies/abc/summary', await tokenFor('assistant'))
    expect(unknown.body).toEqual({ success: false, error: 404, message: 'Movie with id abc not found in database.' })
    expect((await get('/movies/7/summary', await tokenFor('assistant'))).status).toBe(404)
  })

  it('is in the document with every status its middleware answers, and its permission', async () => {
    const { body } = await get('/openapi.json')
    const operation = (body.paths as Record<string, Record<string, { responses: object; 'x-permission': string }>>)['/movies/{id}/summary']
      ?.get
    expect(operation?.['x-permission']).toBe('read:movies')
    expect(Object.keys(operation?.responses ?? {}).sort()).toEqual(['200', '401', '403', '404', '429', '503'])
  })
})
