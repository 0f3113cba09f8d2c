import { Hono } from 'hono'
import * as z from 'zod'
import { actorAsOf, withAsOf } from '../as-of.ts'
import { requirePermission } from '../auth/require-permission.ts'
import { etagHeader, ifMatch, notModified, whyNothingWritten } from '../conditional.ts'
import { writtenBy } from '../db/recorded.ts'
import type { AppEnv } from '../env.ts'
import { ApiError, actorNotFound, nothingToUpdate } from '../errors.ts'
import { createAndAnswer, idempotencyKey, REPLAYED } from '../idempotency.ts'
import { operation } from '../openapi.ts'
import { getActor, listActors } from '../queries/actors.ts'
import { listFilmography } from '../queries/castings.ts'
import { actorResource } from '../queries/resources.ts'
import { deleteRow, updateRow } from '../queries/writes.ts'
import {
  actorCreatedResponse,
  type actorSchema,
  actorsCreatedResponse,
  actorUpdatedResponse,
  createActorSchema,
  getActorQuery,
  listActorsQuery,
  updateActorSchema,
} from '../schemas/actors.ts'
import { actorListWithMoviesResponse, actorWithMoviesResponse, filmographyResponse } from '../schemas/castings.ts'
import { deletedSchema } from '../schemas/common.ts'
import { jsonBodies, jsonBody, optionalQuery, pathIds, validate } from '../validation.ts'

const tag = 'Actors'

export const actors = new Hono<AppEnv>()
  .get(
    '/',
    operation({
      operationId: 'listActors',
      tag,
      summary: 'List actors',
      description:
        "Filters, sort, page size, and `page` or the keyset cursor `after` (a page read with `after` carries `next_after` and no `total`); `include=movies` embeds each actor's movies.",
      success: { status: 200, description: 'A page of actors.', schema: actorListWithMoviesResponse },
      errors: { 404: 'No actors on this page (`no actors found in database.`).' },
    }),
    requirePermission('read:actors'),
    validate('query', listActorsQuery),
    async (c) => {
      const { items, paging } = await listActors(c.var.db, c.req.valid('query'))
      if (items.length === 0) throw new ApiError(404, 'no actors found in database.')
      return c.json({ success: true, actors: items, ...paging } satisfies z.input<typeof actorListWithMoviesResponse>)
    },
  )

  .post(
    '/',
    operation({
      operationId: 'createActor',
      tag,
      summary: 'Create an actor, or up to 100 at once',
      description: 'An array of up to 100 creates them all or none, and answers them in input order, without `Location`.',
      success: {
        status: 201,
        description: 'Created.',
        schema: z.xor([actorCreatedResponse, actorsCreatedResponse]),
        headers: {
          Location: { description: 'The new actor (`/actors/<id>`); not on a bulk create.', optional: true },
          'Idempotent-Replayed': REPLAYED,
        },
      },
    }),
    requirePermission('create:actors'),
    idempotencyKey,
    jsonBodies(createActorSchema),
    async (c) => {
      // One object answers `{created: id, actor}` with a Location; an array, `{created: [ids], actors}` (API.md C2).
      const input = c.req.valid('json')
      const bulk = Array.isArray(input)
      const { body, headers } = await createAndAnswer(c, actorResource, bulk ? input : [input], !bulk)
      return c.json(body as z.input<typeof actorCreatedResponse> | z.input<typeof actorsCreatedResponse>, 201, headers)
    },
  )

  .get(
    '/:id',
    operation({
      operationId: 'getActor',
      tag,
      summary: 'Get an actor',
      description: 'Carries a strong `ETag`, which covers the embedded list with `include=movies`; `If-None-Match` with it answers 304.',
      success: {
        status: 200,
        description: 'The actor.',
        schema: withAsOf(actorWithMoviesResponse),
        headers: { ETag: { description: 'A strong ETag of the actor; none with `as_of`.', optional: true } },
      },
    }),
    requirePermission('read:actors'),
    actorAsOf,
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
      operationId: 'updateActor',
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
      const { rows } = await updateRow(c.var.db, writtenBy(c), actorResource, id, c.req.valid('json'), c.var.ifMatch)
      const { current, differs, row, etag } = rows[0]!
      // With If-Match, a change that would have written but did not met a concurrent write: 412, not "no update needed".
      const otherwise = c.var.ifMatch && differs ? undefined : nothingToUpdate()
      if (!row || !etag) throw whyNothingWritten(current ?? undefined, c.var.ifMatch, actorNotFound(id), otherwise)
      const actor = row as z.input<typeof actorSchema>
      const body = { success: true, updated: actor.id, actor: [actor] } satisfies z.input<typeof actorUpdatedResponse>
      return c.json(body, 200, etagHeader(etag))
    },
  )

  .delete(
    '/:id',
    operation({
      operationId: 'deleteActor',
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
      const { rows } = await deleteRow(c.var.db, writtenBy(c), actorResource, id, c.var.ifMatch)
      const { current, row } = rows[0]!
      if (!row) throw whyNothingWritten(current ?? undefined, c.var.ifMatch, actorNotFound(id))
      return c.json({ success: true, deleted: id } satisfies z.input<typeof deletedSchema>)
    },
  )

  .get(
    '/:id/movies',
    operation({
      operationId: 'listFilmography',
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
