import { Hono } from 'hono'
import type { z } from 'zod'
import { requirePermission } from '../auth/require-permission'
import { etagHeader, ifMatchHeaders, notModified, preconditionFailed, whyNotUpdated } from '../conditional'
import type { AppEnv } from '../env'
import { ApiError, actorNotFound } from '../errors'
import { operation } from '../openapi'
import { createActor, currentActorEtag, deleteActor, getActor, listActors, updateActor } from '../queries/actors'
import { pageOf } from '../queries/listing'
import {
  actorCreatedResponse,
  actorListResponse,
  actorResponse,
  actorUpdatedResponse,
  createActorSchema,
  listActorsQuery,
  updateActorSchema,
} from '../schemas/actors'
import { deletedSchema, idParams } from '../schemas/common'
import { jsonBody, validate } from '../validation'

const tag = 'Actors'

export const actors = new Hono<AppEnv>()
  .get(
    '/',
    operation({
      tag,
      summary: 'List actors',
      description: 'Filters, sort, page size, and `page` or the keyset cursor `after`.',
      success: { status: 200, description: 'A page of actors.', schema: actorListResponse },
      errors: { 400: 'A query parameter is invalid.', 404: 'No actors on this page.' },
    }),
    requirePermission('read:actors'),
    validate('query', listActorsQuery),
    async (c) => {
      const query = c.req.valid('query')
      const { items, paging } = pageOf(await listActors(c.var.db, query), query)
      if (items.length === 0) throw new ApiError(404, 'no actors found in database.')
      return c.json({ success: true, actors: items, ...paging } satisfies z.input<typeof actorListResponse>)
    },
  )

  .post(
    '/',
    operation({
      tag,
      summary: 'Create an actor',
      success: { status: 201, description: 'Created; `Location` names it.', schema: actorCreatedResponse },
      errors: { 400: 'The body is not a JSON object.', 413: 'The body is over 64 KiB.', 422: 'A field is missing, invalid or unknown.' },
    }),
    requirePermission('create:actors'),
    jsonBody(createActorSchema),
    async (c) => {
      const actor = await createActor(c.var.db, c.req.valid('json'))
      const body = { success: true, created: actor.id, actor } satisfies z.input<typeof actorCreatedResponse>
      return c.json(body, 201, { Location: `/actors/${actor.id}` })
    },
  )

  .get(
    '/:id',
    operation({
      tag,
      summary: 'Get an actor',
      description: 'Carries a strong `ETag`; `If-None-Match` with it answers 304.',
      success: { status: 200, description: 'The actor.', schema: actorResponse },
      errors: { 404: 'No such actor.' },
    }),
    requirePermission('read:actors'),
    validate('param', idParams),
    notModified(),
    async (c) => {
      const { id } = c.req.valid('param')
      const row = id.id === undefined ? undefined : await getActor(c.var.db, id.id)
      if (!row) throw actorNotFound(id.raw)
      const { etag, ...actor } = row
      return c.json({ success: true, actor } satisfies z.input<typeof actorResponse>, 200, etagHeader(etag))
    },
  )

  // 422 when nothing would change, as the original: the client's view is stale or its request pointless.
  .patch(
    '/:id',
    operation({
      tag,
      summary: 'Update an actor',
      description: 'At least one field. With `If-Match`, writes only if the actor is unchanged since that ETag.',
      success: { status: 200, description: 'The updated actor, in a one-element list, and its new `ETag`.', schema: actorUpdatedResponse },
      errors: {
        400: 'The body is not a JSON object, or is empty.',
        404: 'No such actor.',
        412: 'The actor changed since the `If-Match` ETag.',
        413: 'The body is over 64 KiB.',
        422: 'A field is invalid or unknown, or nothing would change.',
      },
    }),
    requirePermission('edit:actors'),
    validate('header', ifMatchHeaders),
    jsonBody(updateActorSchema),
    validate('param', idParams),
    async (c) => {
      const { id } = c.req.valid('param')
      if (id.id === undefined) throw actorNotFound(id.raw)
      const ifMatch = c.req.valid('header')['If-Match']
      const row = await updateActor(c.var.db, id.id, c.req.valid('json'), ifMatch)
      if (!row) throw whyNotUpdated(await currentActorEtag(c.var.db, id.id), ifMatch, () => actorNotFound(id.raw))
      const { etag, ...actor } = row
      const body = { success: true, updated: actor.id, actor: [actor] } satisfies z.input<typeof actorUpdatedResponse>
      return c.json(body, 200, etagHeader(etag))
    },
  )

  .delete(
    '/:id',
    operation({
      tag,
      summary: 'Delete an actor',
      description: 'Deletes the actor and their castings. With `If-Match`, only if unchanged since that ETag.',
      success: { status: 200, description: 'The id of the deleted actor.', schema: deletedSchema },
      errors: { 404: 'No such actor.', 412: 'The actor changed since the `If-Match` ETag.' },
    }),
    requirePermission('delete:actors'),
    validate('param', idParams),
    validate('header', ifMatchHeaders),
    async (c) => {
      const { id } = c.req.valid('param')
      if (id.id === undefined) throw actorNotFound(id.raw)
      const ifMatch = c.req.valid('header')['If-Match']
      const deleted = await deleteActor(c.var.db, id.id, ifMatch)
      if (!deleted) throw (await currentActorEtag(c.var.db, id.id)) === undefined ? actorNotFound(id.raw) : preconditionFailed()
      return c.json({ success: true, deleted: deleted.id } satisfies z.input<typeof deletedSchema>)
    },
  )
