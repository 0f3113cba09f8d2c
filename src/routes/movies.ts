import { Hono } from 'hono'
import type { z } from 'zod'
import { requirePermission } from '../auth/require-permission'
import { etagHeader, ifMatchHeaders, notModified, preconditionFailed, whyNotUpdated } from '../conditional'
import type { AppEnv } from '../env'
import { ApiError, movieNotFound } from '../errors'
import { operation } from '../openapi'
import { pageOf } from '../queries/listing'
import { createMovie, currentMovieEtag, deleteMovie, getMovie, listMovies, updateMovie } from '../queries/movies'
import { deletedSchema, idParams } from '../schemas/common'
import {
  createMovieSchema,
  listMoviesQuery,
  movieCreatedResponse,
  movieListResponse,
  movieResponse,
  movieUpdatedResponse,
  updateMovieSchema,
} from '../schemas/movies'
import { jsonBody, validate } from '../validation'

const tag = 'Movies'

export const movies = new Hono<AppEnv>()
  .get(
    '/',
    operation({
      tag,
      summary: 'List movies',
      description: 'Filters, sort, page size, and `page` or the keyset cursor `after`.',
      success: { status: 200, description: 'A page of movies.', schema: movieListResponse },
      errors: { 400: 'A query parameter is invalid.', 404: 'No movies on this page.' },
    }),
    requirePermission('read:movies'),
    validate('query', listMoviesQuery),
    async (c) => {
      const query = c.req.valid('query')
      const { items, paging } = pageOf(await listMovies(c.var.db, query), query)
      if (items.length === 0) throw new ApiError(404, 'no movies found in database.')
      return c.json({ success: true, movies: items, ...paging } satisfies z.input<typeof movieListResponse>)
    },
  )

  .post(
    '/',
    operation({
      tag,
      summary: 'Create an movie',
      success: { status: 201, description: 'Created; `Location` names it.', schema: movieCreatedResponse },
      errors: { 400: 'The body is not a JSON object.', 413: 'The body is over 64 KiB.', 422: 'A field is missing, invalid or unknown.' },
    }),
    requirePermission('create:movies'),
    jsonBody(createMovieSchema),
    async (c) => {
      const movie = await createMovie(c.var.db, c.req.valid('json'))
      const body = { success: true, created: movie.id, movie } satisfies z.input<typeof movieCreatedResponse>
      return c.json(body, 201, { Location: `/movies/${movie.id}` })
    },
  )

  .get(
    '/:id',
    operation({
      tag,
      summary: 'Get an movie',
      description: 'Carries a strong `ETag`; `If-None-Match` with it answers 304.',
      success: { status: 200, description: 'The movie.', schema: movieResponse },
      errors: { 404: 'No such movie.' },
    }),
    requirePermission('read:movies'),
    validate('param', idParams),
    notModified(),
    async (c) => {
      const { id } = c.req.valid('param')
      const row = id.id === undefined ? undefined : await getMovie(c.var.db, id.id)
      if (!row) throw movieNotFound(id.raw)
      const { etag, ...movie } = row
      return c.json({ success: true, movie } satisfies z.input<typeof movieResponse>, 200, etagHeader(etag))
    },
  )

  // 422 when nothing would change, as the original: the client's view is stale or its request pointless.
  .patch(
    '/:id',
    operation({
      tag,
      summary: 'Update an movie',
      description: 'At least one field. With `If-Match`, writes only if the movie is unchanged since that ETag.',
      success: { status: 200, description: 'The updated movie, in a one-element list, and its new `ETag`.', schema: movieUpdatedResponse },
      errors: {
        400: 'The body is not a JSON object, or is empty.',
        404: 'No such movie.',
        412: 'The movie changed since the `If-Match` ETag.',
        413: 'The body is over 64 KiB.',
        422: 'A field is invalid or unknown, or nothing would change.',
      },
    }),
    requirePermission('edit:movies'),
    validate('header', ifMatchHeaders),
    jsonBody(updateMovieSchema),
    validate('param', idParams),
    async (c) => {
      const { id } = c.req.valid('param')
      if (id.id === undefined) throw movieNotFound(id.raw)
      const ifMatch = c.req.valid('header')['If-Match']
      const row = await updateMovie(c.var.db, id.id, c.req.valid('json'), ifMatch)
      if (!row) throw whyNotUpdated(await currentMovieEtag(c.var.db, id.id), ifMatch, () => movieNotFound(id.raw))
      const { etag, ...movie } = row
      const body = { success: true, updated: movie.id, movie: [movie] } satisfies z.input<typeof movieUpdatedResponse>
      return c.json(body, 200, etagHeader(etag))
    },
  )

  .delete(
    '/:id',
    operation({
      tag,
      summary: 'Delete an movie',
      description: 'Deletes the movie and its castings. With `If-Match`, only if unchanged since that ETag.',
      success: { status: 200, description: 'The id of the deleted movie.', schema: deletedSchema },
      errors: { 404: 'No such movie.', 412: 'The movie changed since the `If-Match` ETag.' },
    }),
    requirePermission('delete:movies'),
    validate('param', idParams),
    validate('header', ifMatchHeaders),
    async (c) => {
      const { id } = c.req.valid('param')
      if (id.id === undefined) throw movieNotFound(id.raw)
      const ifMatch = c.req.valid('header')['If-Match']
      const deleted = await deleteMovie(c.var.db, id.id, ifMatch)
      if (!deleted) throw (await currentMovieEtag(c.var.db, id.id)) === undefined ? movieNotFound(id.raw) : preconditionFailed()
      return c.json({ success: true, deleted: deleted.id } satisfies z.input<typeof deletedSchema>)
    },
  )
