import { Hono } from 'hono'
import * as z from 'zod'
import { requirePermission } from '../auth/require-permission'
import { etagHeader, ifMatch, notModified, whyNothingWritten } from '../conditional'
import type { AppEnv } from '../env'
import { ApiError, actorNotFound, nothingToUpdate } from '../errors'
import { operation } from '../openapi'
import { createActor, createActors, currentActorEtag, deleteActor, getActor, listActors, updateActor } from '../queries/actors'
import { listFilmography } from '../queries/castings'
import { pageOf } from '../queries/listing'
import {
  actorCreatedResponse,
  actorsCreatedResponse,
  actorUpdatedResponse,
  createActorSchema,
  getActorQuery,
  listActorsQuery,
  updateActorSchema,
} from '../schemas/actors'
import { actorListWithMoviesResponse, actorWithMoviesResponse, filmographyResponse } from '../schemas/castings'
import { deletedSchema } from '../schemas/common'
import { jsonBodies, jsonBody, optionalQuery, pathIds, validate } from '../validation'

const tag = 'Actors'

export const actors = new Hono<AppEnv>()
  .get(
    '/',
    operation({
      tag,
      summary: 'List actors',
      description: "Filters, sort, page size, and `page` or the keyset cursor `after`; `include=movies` embeds each actor's movies.",
      success: { status: 200, description: 'A page of actors.', schema: actorListWithMoviesResponse },
      errors: { 404: 'No actors on this page (`no actors found in database.`).' },
    }),
    requirePermission('read:actors'),
    validate('query', listActorsQuery),
    async (c) => {
      const query = c.req.valid('query')
      const { items, paging } = pageOf(await listActors(c.var.db, query), query)
      if (items.length === 0) throw new ApiError(404, 'no actors found in database.')
      return c.json({ success: true, actors: items, ...paging } satisfies z.input<typeof actorListWithMoviesResponse>)
    },
  )

  .post(
    '/',
    operation({
      tag,
      summary: 'Create an actor, or up to 100 at once',
      description: 'An array of up to 100 creates them all or none, and answers them in input order, without `Location`.',
      success: {
        status: 201,
        description: 'Created.',
        schema: z.xor([actorCreatedResponse, actorsCreatedResponse]),
        headers: { Location: { description: 'The new actor (`/actors/<id>`); not on a bulk create.', optional: true } },
      },
    }),
    requirePermission('create:actors'),
    jsonBodies(createActorSchema),
    async (c) => {
      const input = c.req.valid('json')
      if (Array.isArray(input)) {
        const { rows } = await createActors(c.var.db, input)
        const body = { success: true, created: rows.map((row) => row.id), actors: rows } satisfies z.input<typeof actorsCreatedResponse>
        return c.json(body, 201)
      }
      const actor = await createActor(c.var.db, input)
      const body = { success: true, created: actor.id, actor } satisfies z.input<typeof actorCreatedResponse>
      return c.json(body, 201, { Location: `/actors/${actor.id}` })
    },
  )

  .get(
    '/:id',
    operation({
      tag,
      summary: 'Get an actor',
      description: 'Carries a strong `ETag`, which covers the embedded list with `include=movies`; `If-None-Match` with it answers 304.',
      success: {
        status: 200,
        description: 'The actor.',
        schema: actorWithMoviesResponse,
        headers: { ETag: 'A strong ETag of the actor.' },
      },
    }),
    requirePermission('read:actors'),
    optionalQuery(getActorQuery),
    pathIds({ id: actorNotFound }),
    notModified(),
    async (c) => {
      const { id } = c.req.valid('param')
      const row = await getActor(c.var.db, id, c.req.valid('query').include)
      if (!row) throw actorNotFound(id)
      const { etag, ...actor } = row
      return c.json({ success: true, actor } satisfies z.input<typeof actorWithMoviesResponse>, 200, etagHeader(etag))
    },
  )

  // 422 when nothing would change, as the original: the client's view is stale or its request pointless.
  .patch(
    '/:id',
    operation({
      tag,
      summary: 'Update an actor',
      description: 'At least one field. With `If-Match`, writes only if the actor is unchanged since that ETag.',
      success: {
        status: 200,
        description: 'The updated actor, in a one-element list.',
        schema: actorUpdatedResponse,
        headers: { ETag: 'The new ETag.' },
      },
      errors: { 422: 'Nothing would change (`provided field values are already set. No update needed.`).' },
    }),
    requirePermission('edit:actors'),
    ifMatch,
    jsonBody(updateActorSchema),
    pathIds({ id: actorNotFound }),
    async (c) => {
      const { id } = c.req.valid('param')
      const row = await updateActor(c.var.db, id, c.req.valid('json'), c.var.ifMatch)
      if (!row) throw whyNothingWritten(await currentActorEtag(c.var.db, id), c.var.ifMatch, actorNotFound(id), nothingToUpdate())
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
    }),
    requirePermission('delete:actors'),
    ifMatch,
    pathIds({ id: actorNotFound }),
    async (c) => {
      const { id } = c.req.valid('param')
      const deleted = await deleteActor(c.var.db, id, c.var.ifMatch)
      if (!deleted) throw whyNothingWritten(await currentActorEtag(c.var.db, id), c.var.ifMatch, actorNotFound(id))
      return c.json({ success: true, deleted: deleted.id } satisfies z.input<typeof deletedSchema>)
    },
  )

  .get(
    '/:id/movies',
    operation({
      tag: 'Castings',
      summary: "An actor's movies",
      success: { status: 200, description: 'The movies the actor is cast in, with fees, in movie id order.', schema: filmographyResponse },
    }),
    requirePermission('read:actors'),
    pathIds({ id: actorNotFound }),
    async (c) => {
      const { id } = c.req.valid('param')
      const movies = await listFilmography(c.var.db, id)
      if (!movies) throw actorNotFound(id)
      return c.json({ success: true, actor_id: id, movies } satisfies z.input<typeof filmographyResponse>)
    },
  )
