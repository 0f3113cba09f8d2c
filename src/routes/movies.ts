import { Hono } from 'hono'
import { requirePermission } from '../auth/require-permission'
import { withDatabase } from '../db/client'
import type { AppEnv } from '../env'
import { ApiError, movieNotFound, nothingToUpdate } from '../errors'
import { createMovie, deleteMovie, listMovies, movieExists, updateMovie } from '../queries/movies'
import { DEFAULT_PER_PAGE, idParams } from '../schemas/common'
import { createMovieSchema, listMoviesQuery, updateMovieSchema } from '../schemas/movies'
import { jsonBody, validate } from '../validation'

export const movies = new Hono<AppEnv>()
  .use(withDatabase)

  .get('/', requirePermission('read:movies'), validate('query', listMoviesQuery), async (c) => {
    const { page } = c.req.valid('query')
    const rows = await listMovies(c.var.db, { page, perPage: DEFAULT_PER_PAGE })
    if (rows.length === 0) throw new ApiError(404, 'no movies found in database.')
    return c.json({
      success: true as const,
      movies: rows.map(({ total: _, ...movie }) => movie),
      page,
      per_page: DEFAULT_PER_PAGE,
      total: rows[0]!.total,
    })
  })

  .post('/', requirePermission('create:movies'), jsonBody(createMovieSchema), async (c) => {
    const movie = await createMovie(c.var.db, c.req.valid('json'))
    return c.json({ success: true as const, created: movie.id, movie }, 201, { Location: `/movies/${movie.id}` })
  })

  // 422 when nothing would change, as the original: the client's view is stale or its request pointless.
  .patch('/:id', requirePermission('edit:movies'), jsonBody(updateMovieSchema), validate('param', idParams), async (c) => {
    const { id } = c.req.valid('param')
    if (id.id === undefined) throw movieNotFound(id.raw)
    const movie = await updateMovie(c.var.db, id.id, c.req.valid('json'))
    if (!movie) throw (await movieExists(c.var.db, id.id)) ? nothingToUpdate() : movieNotFound(id.raw)
    return c.json({ success: true as const, updated: movie.id, movie: [movie] })
  })

  .delete('/:id', requirePermission('delete:movies'), validate('param', idParams), async (c) => {
    const { id } = c.req.valid('param')
    const deleted = id.id === undefined ? undefined : await deleteMovie(c.var.db, id.id)
    if (!deleted) throw movieNotFound(id.raw)
    return c.json({ success: true as const, deleted: deleted.id })
  })
