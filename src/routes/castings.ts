import { Hono } from 'hono'
import { requirePermission } from '../auth/require-permission'
import type { AppEnv } from '../env'
import { ApiError, actorNotFound, movieNotFound } from '../errors'
import { deleteCasting, listCast, listFilmography, putCasting } from '../queries/castings'
import { castingParams, putCastingSchema } from '../schemas/castings'
import { idParams } from '../schemas/common'
import { jsonBody, validate } from '../validation'

// Who is cast in what: the original's Performance table, given routes.
// Mounted at the root, since its paths belong to both movies and actors.
export const castings = new Hono<AppEnv>()
  .get('/movies/:id/actors', requirePermission('read:movies'), validate('param', idParams), async (c) => {
    const { id } = c.req.valid('param')
    const cast = id.id === undefined ? undefined : await listCast(c.var.db, id.id)
    if (!cast) throw movieNotFound(id.raw)
    return c.json({ success: true as const, movie_id: id.id!, cast })
  })

  .get('/actors/:id/movies', requirePermission('read:actors'), validate('param', idParams), async (c) => {
    const { id } = c.req.valid('param')
    const movies = id.id === undefined ? undefined : await listFilmography(c.var.db, id.id)
    if (!movies) throw actorNotFound(id.raw)
    return c.json({ success: true as const, actor_id: id.id!, movies })
  })

  // Idempotent: the same PUT again changes nothing and answers 200.
  .put(
    '/movies/:id/actors/:actor_id',
    requirePermission('edit:movies'),
    jsonBody(putCastingSchema, { optional: true }),
    validate('param', castingParams),
    async (c) => {
      const { id, actor_id } = c.req.valid('param')
      if (id.id === undefined) throw movieNotFound(id.raw)
      if (actor_id.id === undefined) throw actorNotFound(actor_id.raw)
      const result = await putCasting(c.var.db, id.id, actor_id.id, c.req.valid('json').fee)
      if ('missing' in result) throw result.missing === 'movie' ? movieNotFound(id.raw) : actorNotFound(actor_id.raw)
      return c.json({ success: true as const, casting: result.casting }, result.created ? 201 : 200)
    },
  )

  .delete('/movies/:id/actors/:actor_id', requirePermission('edit:movies'), validate('param', castingParams), async (c) => {
    const { id, actor_id } = c.req.valid('param')
    if (id.id === undefined) throw movieNotFound(id.raw)
    if (actor_id.id === undefined) throw actorNotFound(actor_id.raw)
    const result = await deleteCasting(c.var.db, id.id, actor_id.id)
    if ('missing' in result) {
      if (result.missing === 'movie') throw movieNotFound(id.raw)
      if (result.missing === 'actor') throw actorNotFound(actor_id.raw)
      throw new ApiError(404, `Actor with id ${actor_id.id} is not cast in movie ${id.id}.`)
    }
    return c.json({ success: true as const, deleted: { movie_id: id.id, actor_id: actor_id.id } })
  })
