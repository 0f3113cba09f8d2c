import { Hono } from 'hono'
import { requirePermission } from '../auth/require-permission'
import { withDatabase } from '../db/client'
import type { AppEnv } from '../env'
import { ApiError, actorNotFound, nothingToUpdate } from '../errors'
import { actorExists, createActor, deleteActor, listActors, updateActor } from '../queries/actors'
import { createActorSchema, listActorsQuery, updateActorSchema } from '../schemas/actors'
import { DEFAULT_PER_PAGE, idParams } from '../schemas/common'
import { jsonBody, validate } from '../validation'

export const actors = new Hono<AppEnv>()
  .use(withDatabase)

  .get('/', requirePermission('read:actors'), validate('query', listActorsQuery), async (c) => {
    const { page } = c.req.valid('query')
    const rows = await listActors(c.var.db, { page, perPage: DEFAULT_PER_PAGE })
    if (rows.length === 0) throw new ApiError(404, 'no actors found in database.')
    return c.json({
      success: true as const,
      actors: rows.map(({ total: _, ...actor }) => actor),
      page,
      per_page: DEFAULT_PER_PAGE,
      total: rows[0]!.total,
    })
  })

  .post('/', requirePermission('create:actors'), jsonBody(createActorSchema), async (c) => {
    const actor = await createActor(c.var.db, c.req.valid('json'))
    return c.json({ success: true as const, created: actor.id, actor }, 201, { Location: `/actors/${actor.id}` })
  })

  // 422 when nothing would change, as the original: the client's view is stale or its request pointless.
  .patch('/:id', requirePermission('edit:actors'), jsonBody(updateActorSchema), validate('param', idParams), async (c) => {
    const { id } = c.req.valid('param')
    if (id.id === undefined) throw actorNotFound(id.raw)
    const actor = await updateActor(c.var.db, id.id, c.req.valid('json'))
    if (!actor) throw (await actorExists(c.var.db, id.id)) ? nothingToUpdate() : actorNotFound(id.raw)
    return c.json({ success: true as const, updated: actor.id, actor: [actor] })
  })

  .delete('/:id', requirePermission('delete:actors'), validate('param', idParams), async (c) => {
    const { id } = c.req.valid('param')
    const deleted = id.id === undefined ? undefined : await deleteActor(c.var.db, id.id)
    if (!deleted) throw actorNotFound(id.raw)
    return c.json({ success: true as const, deleted: deleted.id })
  })
