import { Hono } from 'hono'
import * as z from 'zod'
import { requirePermission } from '../auth/require-permission'
import { etagHeader, ifMatch, notModified, whyNothingWritten } from '../conditional'
import type { AppEnv } from '../env'
import { ApiError, movieNotFound, nothingToUpdate } from '../errors'
import { operation } from '../openapi'
import { listCast } from '../queries/castings'
import { pageOf } from '../queries/listing'
import { createMovie, createMovies, currentMovieEtag, deleteMovie, getMovie, listMovies, updateMovie } from '../queries/movies'
import { castResponse, movieListWithCastResponse, movieWithCastResponse } from '../schemas/castings'
import { deletedSchema } from '../schemas/common'
import {
  createMovieSchema,
  getMovieQuery,
  listMoviesQuery,
  movieCreatedResponse,
  moviesCreatedResponse,
  movieUpdatedResponse,
  updateMovieSchema,
} from '../schemas/movies'
import { jsonBodies, jsonBody, optionalQuery, pathIds, validate } from '../validation'

const tag = 'Movies'

export const movies = new Hono<AppEnv>()
  .get(
    '/',
    operation({
      tag,
      summary: 'List movies',
      description: "Filters, sort, page size, and `page` or the keyset cursor `after`; `include=cast` embeds each movie's cast.",
      success: { status: 200, description: 'A page of movies.', schema: movieListWithCastResponse },
      errors: { 404: 'No movies on this page (`no movies found in database.`).' },
    }),
    requirePermission('read:movies'),
    validate('query', listMoviesQuery),
    async (c) => {
      const query = c.req.valid('query')
      const { items, paging } = pageOf(await listMovies(c.var.db, query), query)
      if (items.length === 0) throw new ApiError(404, 'no movies found in database.')
      return c.json({ success: true, movies: items, ...paging } satisfies z.input<typeof movieListWithCastResponse>)
    },
  )

  .post(
    '/',
    operation({
      tag,
      summary: 'Create a movie, or up to 100 at once',
      description: 'An array of up to 100 creates them all or none, and answers them in input order, without `Location`.',
      success: {
        status: 201,
        description: 'Created.',
        schema: z.xor([movieCreatedResponse, moviesCreatedResponse]),
        headers: { Location: { description: 'The new movie (`/movies/<id>`); not on a bulk create.', optional: true } },
      },
    }),
    requirePermission('create:movies'),
    jsonBodies(createMovieSchema),
    async (c) => {
      const input = c.req.valid('json')
      if (Array.isArray(input)) {
        const { rows } = await createMovies(c.var.db, input)
        const body = { success: true, created: rows.map((row) => row.id), movies: rows } satisfies z.input<typeof moviesCreatedResponse>
        return c.json(body, 201)
      }
      const movie = await createMovie(c.var.db, input)
      const body = { success: true, created: movie.id, movie } satisfies z.input<typeof movieCreatedResponse>
      return c.json(body, 201, { Location: `/movies/${movie.id}` })
    },
  )

  .get(
    '/:id',
    operation({
      tag,
      summary: 'Get a movie',
      description: 'Carries a strong `ETag`, which covers the embedded list with `include=cast`; `If-None-Match` with it answers 304.',
      success: { status: 200, description: 'The movie.', schema: movieWithCastResponse, headers: { ETag: 'A strong ETag of the movie.' } },
    }),
    requirePermission('read:movies'),
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
      const row = await updateMovie(c.var.db, id, c.req.valid('json'), c.var.ifMatch)
      if (!row) throw whyNothingWritten(await currentMovieEtag(c.var.db, id), c.var.ifMatch, movieNotFound(id), nothingToUpdate())
      const { etag, ...movie } = row
      const body = { success: true, updated: movie.id, movie: [movie] } satisfies z.input<typeof movieUpdatedResponse>
      return c.json(body, 200, etagHeader(etag))
    },
  )

  .delete(
    '/:id',
    operation({
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
      const deleted = await deleteMovie(c.var.db, id, c.var.ifMatch)
      if (!deleted) throw whyNothingWritten(await currentMovieEtag(c.var.db, id), c.var.ifMatch, movieNotFound(id))
      return c.json({ success: true, deleted: deleted.id } satisfies z.input<typeof deletedSchema>)
    },
  )

  .get(
    '/:id/actors',
    operation({
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
