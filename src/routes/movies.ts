import { Hono } from 'hono'
import { requirePermission } from '../auth/require-permission'
import { etagHeader, matches, notModified, parseIfMatch, preconditionFailed } from '../conditional'
import type { AppEnv } from '../env'
import { ApiError, movieNotFound, nothingToUpdate } from '../errors'
import { pageOf } from '../queries/listing'
import { createMovie, currentMovieEtag, deleteMovie, getMovie, listMovies, updateMovie } from '../queries/movies'
import { idParams } from '../schemas/common'
import { createMovieSchema, listMoviesQuery, updateMovieSchema } from '../schemas/movies'
import { jsonBody, validate } from '../validation'

export const movies = new Hono<AppEnv>()
  .get('/', requirePermission('read:movies'), validate('query', listMoviesQuery), async (c) => {
    const query = c.req.valid('query')
    const { items, paging } = pageOf(await listMovies(c.var.db, query), query)
    if (items.length === 0) throw new ApiError(404, 'no movies found in database.')
    return c.json({ success: true as const, movies: items, ...paging })
  })

  .post('/', requirePermission('create:movies'), jsonBody(createMovieSchema), async (c) => {
    const movie = await createMovie(c.var.db, c.req.valid('json'))
    return c.json({ success: true as const, created: movie.id, movie }, 201, { Location: `/movies/${movie.id}` })
  })

  .get('/:id', requirePermission('read:movies'), validate('param', idParams), notModified(), async (c) => {
    const { id } = c.req.valid('param')
    const row = id.id === undefined ? undefined : await getMovie(c.var.db, id.id)
    if (!row) throw movieNotFound(id.raw)
    const { etag, ...movie } = row
    return c.json({ success: true as const, movie }, 200, etagHeader(etag))
  })

  // 422 when nothing would change, as the original: the client's view is stale or its request pointless.
  .patch('/:id', requirePermission('edit:movies'), jsonBody(updateMovieSchema), validate('param', idParams), async (c) => {
    const { id } = c.req.valid('param')
    if (id.id === undefined) throw movieNotFound(id.raw)
    const ifMatch = parseIfMatch(c.req.header('If-Match'))
    const row = await updateMovie(c.var.db, id.id, c.req.valid('json'), ifMatch)
    if (!row) {
      const current = await currentMovieEtag(c.var.db, id.id)
      if (current === undefined) throw movieNotFound(id.raw)
      throw matches(ifMatch, current) ? nothingToUpdate() : preconditionFailed()
    }
    const { etag, ...movie } = row
    return c.json({ success: true as const, updated: movie.id, movie: [movie] }, 200, etagHeader(etag))
  })

  .delete('/:id', requirePermission('delete:movies'), validate('param', idParams), async (c) => {
    const { id } = c.req.valid('param')
    if (id.id === undefined) throw movieNotFound(id.raw)
    const ifMatch = parseIfMatch(c.req.header('If-Match'))
    const deleted = await deleteMovie(c.var.db, id.id, ifMatch)
    if (!deleted) throw (await currentMovieEtag(c.var.db, id.id)) === undefined ? movieNotFound(id.raw) : preconditionFailed()
    return c.json({ success: true as const, deleted: deleted.id })
  })
