import { Hono } from 'hono'
import * as z from 'zod'
import { movieAsOf, withAsOf } from '../as-of.ts'
import { requirePermission } from '../auth/require-permission.ts'
import { etagHeader, ifMatch, notModified, whyNothingWritten } from '../conditional.ts'
import { writtenBy } from '../db/recorded.ts'
import type { AppEnv } from '../env.ts'
import { ApiError, movieNotFound, nothingToUpdate } from '../errors.ts'
import { createAndAnswer, idempotencyKey, REPLAYED } from '../idempotency.ts'
import { operation } from '../openapi.ts'
import { listCast } from '../queries/castings.ts'
import { getMovie, listMovies } from '../queries/movies.ts'
import { movieResource } from '../queries/resources.ts'
import { deleteRow, updateRow } from '../queries/writes.ts'
import { castResponse, movieListWithCastResponse, movieWithCastResponse } from '../schemas/castings.ts'
import { deletedSchema } from '../schemas/common.ts'
import {
  createMovieSchema,
  getMovieQuery,
  listMoviesQuery,
  movieCreatedResponse,
  type movieSchema,
  moviesCreatedResponse,
  movieUpdatedResponse,
  updateMovieSchema,
} from '../schemas/movies.ts'
import { jsonBodies, jsonBody, optionalQuery, pathIds, validate } from '../validation.ts'

const tag = 'Movies'

export const movies = new Hono<AppEnv>()
  .get(
    '/',
    operation({
      operationId: 'listMovies',
      tag,
      summary: 'List movies',
      description:
        "Filters, sort, page size, and `page` or the keyset cursor `after` (a page read with `after` carries `next_after` and no `total`); `include=cast` embeds each movie's cast.",
      success: { status: 200, description: 'A page of movies.', schema: movieListWithCastResponse },
      errors: { 404: 'No movies on this page (`no movies found in database.`).' },
    }),
    requirePermission('read:movies'),
    validate('query', listMoviesQuery),
    async (c) => {
      const { items, paging } = await listMovies(c.var.db, c.req.valid('query'))
      if (items.length === 0) throw new ApiError(404, 'no movies found in database.')
      return c.json({ success: true, movies: items, ...paging } satisfies z.input<typeof movieListWithCastResponse>)
    },
  )

  .post(
    '/',
    operation({
      operationId: 'createMovie',
      tag,
      summary: 'Create a movie, or up to 100 at once',
      description: 'An array of up to 100 creates them all or none, and answers them in input order, without `Location`.',
      success: {
        status: 201,
        description: 'Created.',
        schema: z.xor([movieCreatedResponse, moviesCreatedResponse]),
        headers: {
          Location: { description: 'The new movie (`/movies/<id>`); not on a bulk create.', optional: true },
          'Idempotent-Replayed': REPLAYED,
        },
      },
    }),
    requirePermission('create:movies'),
    idempotencyKey,
    jsonBodies(createMovieSchema),
    async (c) => {
      // One object answers `{created: id, movie}` with a Location; an array, `{created: [ids], movies}` (API.md C2).
      const input = c.req.valid('json')
      const bulk = Array.isArray(input)
      const { body, headers } = await createAndAnswer(c, movieResource, bulk ? input : [input], !bulk)
      return c.json(body as z.input<typeof movieCreatedResponse> | z.input<typeof moviesCreatedResponse>, 201, headers)
    },
  )

  .get(
    '/:id',
    operation({
      operationId: 'getMovie',
      tag,
      summary: 'Get a movie',
      description: 'Carries a strong `ETag`, which covers the embedded list with `include=cast`; `If-None-Match` with it answers 304.',
      success: {
        status: 200,
        description: 'The movie.',
        schema: withAsOf(movieWithCastResponse),
        headers: { ETag: { description: 'A strong ETag of the movie; none with `as_of`.', optional: true } },
      },
    }),
    requirePermission('read:movies'),
    movieAsOf,
    optionalQuery(getMovieQuery),
    pathIds({ id: movieNotFound }),
    notModified(),
    async (c) => {
      const { id } = c.req.valid('param')
      const row = await getMovie(c.var.db, id, c.req.valid('query').include)
      if (!row) throw movieNotFound(id)
      const { etag, ...movie } = row
      return c.json({ success: true, movie } satisfies z.input<typeof movieWithCastResponse>, 200, etagHeader(etag))
    },
  )

  // 422 when nothing would change, as the original: the client's view is stale or its request pointless.
  .patch(
    '/:id',
    operation({
      operationId: 'updateMovie',
      tag,
      summary: 'Update a movie',
      description: 'At least one field. With `If-Match`, writes only if the movie is unchanged since that ETag.',
      success: {
        status: 200,
        description: 'The updated movie, in a one-element list.',
        schema: movieUpdatedResponse,
        headers: { ETag: 'The new ETag.' },
      },
      errors: { 422: 'Nothing would change (`provided field values are already set. No update needed.`).' },
    }),
    requirePermission('edit:movies'),
    ifMatch,
    jsonBody(updateMovieSchema),
    pathIds({ id: movieNotFound }),
    async (c) => {
      const { id } = c.req.valid('param')
      const { rows } = await updateRow(c.var.db, writtenBy(c), movieResource, id, c.req.valid('json'), c.var.ifMatch)
      const { current, differs, row, etag } = rows[0]!
      // With If-Match, a change that would have written but did not met a concurrent write: 412, not "no update needed".
      const otherwise = c.var.ifMatch && differs ? undefined : nothingToUpdate()
      if (!row || !etag) throw whyNothingWritten(current ?? undefined, c.var.ifMatch, movieNotFound(id), otherwise)
      const movie = row as z.input<typeof movieSchema>
      const body = { success: true, updated: movie.id, movie: [movie] } satisfies z.input<typeof movieUpdatedResponse>
      return c.json(body, 200, etagHeader(etag))
    },
  )

  .delete(
    '/:id',
    operation({
      operationId: 'deleteMovie',
      tag,
      summary: 'Delete a movie',
      description: 'Deletes the movie and its castings. With `If-Match`, only if unchanged since that ETag.',
      success: { status: 200, description: 'The id of the deleted movie.', schema: deletedSchema },
    }),
    requirePermission('delete:movies'),
    ifMatch,
    pathIds({ id: movieNotFound }),
    async (c) => {
      const { id } = c.req.valid('param')
      const { rows } = await deleteRow(c.var.db, writtenBy(c), movieResource, id, c.var.ifMatch)
      const { current, row } = rows[0]!
      if (!row) throw whyNothingWritten(current ?? undefined, c.var.ifMatch, movieNotFound(id))
      return c.json({ success: true, deleted: id } satisfies z.input<typeof deletedSchema>)
    },
  )

  .get(
    '/:id/actors',
    operation({
      operationId: 'listCast',
      tag: 'Castings',
      summary: "A movie's cast",
      success: { status: 200, description: 'The actors cast in the movie, with their fees, in actor id order.', schema: castResponse },
    }),
    requirePermission('read:movies'),
    pathIds({ id: movieNotFound }),
    async (c) => {
      const { id } = c.req.valid('param')
      const cast = await listCast(c.var.db, id)
      if (!cast) throw movieNotFound(id)
      return c.json({ success: true, movie_id: id, cast } satisfies z.input<typeof castResponse>)
    },
  )
