import { Hono } from 'hono'
import * as z from 'zod'
import type { Permission } from '../auth/permissions.ts'
import { requirePermission } from '../auth/require-permission.ts'
import { writtenBy } from '../db/recorded.ts'
import type { AppEnv } from '../env.ts'
import { ApiError, actorNotFound, movieNotFound } from '../errors.ts'
import { operation } from '../openapi.ts'
import { listHistory, restoreDeleted, retentionDays } from '../queries/history.ts'
import { actorResource, movieResource, type Resource } from '../queries/resources.ts'
import { actorSchema } from '../schemas/actors.ts'
import { successSchema } from '../schemas/common.ts'
import { historyQuery, historyResponse } from '../schemas/history.ts'
import { movieSchema } from '../schemas/movies.ts'
import { pathIds, validate } from '../validation.ts'

type Config<One extends string> = {
  resource: Resource & { one: One }
  schema: z.ZodObject
  Name: string
  notFound: (id: string | number) => ApiError
  restorePermission: Permission
}

/** GET /:id/history and POST /:id/restore, the same for actors and movies: mounted beside each resource's own routes. */
function historyRoutes<One extends 'actor' | 'movie'>({ resource, schema, Name, notFound, restorePermission }: Config<One>) {
  const restoredResponse = successSchema.extend({
    restored: z.int32().positive(),
    [resource.one]: schema,
    castings_restored: z.int().min(0).meta({ description: 'How many of the castings its delete removed came back.' }),
  })
  const tag = `${Name}s`
  return (
    new Hono<AppEnv>()
      .get(
        '/:id/history',
        operation({
          operationId: `list${Name}History`,
          tag,
          summary: `A ${resource.one}'s history`,
          description: `Every change to the ${resource.one} and its castings, newest first, paged as lists are; it answers for a deleted ${resource.one} too, within \`HISTORY_RETENTION_DAYS\`.`,
          success: { status: 200, description: 'A page of events.', schema: historyResponse },
          errors: { 404: `No events of that ${resource.one} (\`${notFound('{id}').message}\`).` },
        }),
        requirePermission('read:history'),
        validate('query', historyQuery),
        pathIds({ id: notFound }),
        async (c) => {
          const { id } = c.req.valid('param')
          const { page = 1, per_page } = c.req.valid('query')
          const { rows } = await listHistory(c.var.db, resource, id, page, per_page, retentionDays(c.env))
          const { total, history } = rows[0]!
          if (total === 0) throw notFound(id)
          const body = {
            success: true as const,
            history: (history ?? []) as z.input<typeof historyResponse>['history'],
            page,
            per_page,
            total,
          }
          return c.json(body satisfies z.input<typeof historyResponse>)
        },
      )
      // A delete undone: the same id, its last values, and the castings that delete removed.
      .post(
        '/:id/restore',
        operation({
          operationId: `restore${Name}`,
          tag,
          summary: `Restore a deleted ${resource.one}`,
          description: `Brings back a deleted ${resource.one} with its id and last values, and the castings its delete removed whose other side still exists, in one transaction.`,
          success: { status: 200, description: `The restored ${resource.one}.`, schema: restoredResponse },
          errors: {
            404: `It never existed, or its delete is past retention (\`${notFound('{id}').message}\`).`,
            409: `It exists (\`${Name} with id {id} exists.\`).`,
          },
        }),
        requirePermission(restorePermission),
        pathIds({ id: notFound }),
        async (c) => {
          const { id } = c.req.valid('param')
          const outcome = await restoreDeleted(c.var.db, writtenBy(c, 'restore'), resource, id, retentionDays(c.env))
          if (outcome.exists) throw new ApiError(409, `${Name} with id ${id} exists.`)
          if (!outcome.row) throw notFound(id)
          const body = { success: true, restored: id, [resource.one]: outcome.row, castings_restored: outcome.castings_restored }
          return c.json(body as z.input<typeof restoredResponse>)
        },
      )
  )
}

export const actorHistory = historyRoutes({
  resource: actorResource,
  schema: actorSchema,
  Name: 'Actor',
  notFound: actorNotFound,
  restorePermission: 'delete:actors',
})
export const movieHistory = historyRoutes({
  resource: movieResource,
  schema: movieSchema,
  Name: 'Movie',
  notFound: movieNotFound,
  restorePermission: 'delete:movies',
})
