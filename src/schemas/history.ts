import * as z from 'zod'
import { EVENT_ACTIONS, RECORDED_RESOURCES } from '../db/schema.ts'
import { actorSchema } from './actors.ts'
import { castingSchema } from './castings.ts'
import { successSchema } from './common.ts'
import { pagingParams } from './listing.ts'
import { movieSchema } from './movies.ts'

export const historyQuery = z.object({ page: pagingParams.page, per_page: pagingParams.per_page })

/** A resource as the API shows it: an actor, a movie or a casting, by the event's `resource`. */
const snapshot = z.union([actorSchema, movieSchema, castingSchema]).nullable()

export const eventSchema = z
  .object({
    at: z.iso.datetime().meta({ description: "When, by the database's clock (UTC)." }),
    by: z.string().nullable().meta({ description: "The token's `sub`; null if it had none." }),
    request_id: z.string().nullable().meta({ description: 'The `X-Request-Id` of the request that wrote it.' }),
    action: z.enum(EVENT_ACTIONS),
    resource: z.enum(RECORDED_RESOURCES),
    actor_id: z.int32().positive().nullable(),
    movie_id: z.int32().positive().nullable(),
    before: snapshot.meta({ description: 'The resource as the API showed it before; null for a create or restore.' }),
    after: snapshot.meta({ description: 'The resource as the API shows it after; null for a delete.' }),
  })
  .meta({ id: 'Event' })

export const historyResponse = successSchema.extend({
  history: z.array(eventSchema),
  page: z.int().positive(),
  per_page: z.int().positive(),
  total: z.int().min(0),
})
