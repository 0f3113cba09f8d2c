import { Hono } from 'hono'
import { requirePermission } from '../auth/require-permission'
import { etagHeader, matches, notModified, parseIfMatch, preconditionFailed } from '../conditional'
import type { AppEnv } from '../env'
import { ApiError, actorNotFound, nothingToUpdate } from '../errors'
import { createActor, currentActorEtag, deleteActor, getActor, listActors, updateActor } from '../queries/actors'
import { pageOf } from '../queries/listing'
import { createActorSchema, listActorsQuery, updateActorSchema } from '../schemas/actors'
import { idParams } from '../schemas/common'
import { jsonBody, validate } from '../validation'

export const actors = new Hono<AppEnv>()
  .get('/', requirePermission('read:actors'), validate('query', listActorsQuery), async (c) => {
    const query = c.req.valid('query')
    const { items, paging } = pageOf(await listActors(c.var.db, query), query)
    if (items.length === 0) throw new ApiError(404, 'no actors found in database.')
    return c.json({ success: true as const, actors: items, ...paging })
  })

  .post('/', requirePermission('create:actors'), jsonBody(createActorSchema), async (c) => {
    const actor = await createActor(c.var.db, c.req.valid('json'))
    return c.json({ success: true as const, created: actor.id, actor }, 201, { Location: `/actors/${actor.id}` })
  })

  .get('/:id', requirePermission('read:actors'), validate('param', idParams), notModified(), async (c) => {
    const { id } = c.req.valid('param')
    const row = id.id === undefined ? undefined : await getActor(c.var.db, id.id)
    if (!row) throw actorNotFound(id.raw)
    const { etag, ...actor } = row
    return c.json({ success: true as const, actor }, 200, etagHeader(etag))
  })

  // 422 when nothing would change, as the original: the client's view is stale or its request pointless.
  .patch('/:id', requirePermission('edit:actors'), jsonBody(updateActorSchema), validate('param', idParams), async (c) => {
    const { id } = c.req.valid('param')
    if (id.id === undefined) throw actorNotFound(id.raw)
    const ifMatch = parseIfMatch(c.req.header('If-Match'))
    const row = await updateActor(c.var.db, id.id, c.req.valid('json'), ifMatch)
    if (!row) {
      const current = await currentActorEtag(c.var.db, id.id)
      if (current === undefined) throw actorNotFound(id.raw)
      throw matches(ifMatch, current) ? nothingToUpdate() : preconditionFailed()
    }
    const { etag, ...actor } = row
    return c.json({ success: true as const, updated: actor.id, actor: [actor] }, 200, etagHeader(etag))
  })

  .delete('/:id', requirePermission('delete:actors'), validate('param', idParams), async (c) => {
    const { id } = c.req.valid('param')
    if (id.id === undefined) throw actorNotFound(id.raw)
    const ifMatch = parseIfMatch(c.req.header('If-Match'))
    const deleted = await deleteActor(c.var.db, id.id, ifMatch)
    if (!deleted) throw (await currentActorEtag(c.var.db, id.id)) === undefined ? actorNotFound(id.raw) : preconditionFailed()
    return c.json({ success: true as const, deleted: deleted.id })
  })
