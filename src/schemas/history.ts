import * as z from 'zod'
import { EVENT_ACTIONS, EVENT_KEYS } from '../db/schema.ts'
import { resources } from '../resources/index.ts'
import { castingSchema } from './castings.ts'
import { successSchema } from './common.ts'
import { pagingParams } from './listing.ts'

export const historyQuery = z.object({ page: pagingParams.page, per_page: pagingParams.per_page })

/** The resources whose writes the triggers record, as events name them: each declared resource, and a casting. */
const recorded: string[] = [...resources.map((resource) => resource.one), 'casting']
export const RECORDED_RESOURCES = recorded as [string, ...string[]]

/** A resource as the API shows it (an actor, a movie, a casting), by the event's `resource`. */
const snapshot = z.union([...resources.map((resource) => resource.schema), castingSchema]).nullable()
/** Each resource's id, null where the event is not about one: both sides of a casting have theirs. */
const keys = Object.fromEntries(EVENT_KEYS.map((key) => [key, z.int32().positive().nullable()])) as Record<
  (typeof EVENT_KEYS)[number],
  z.ZodNullable<z.ZodInt32>
>

export const eventSchema = z
  .object({
    at: z.iso.datetime().meta({ description: "When, by the database's clock (UTC)." }),
    by: z.string().nullable().meta({ description: "The token's `sub`; null if it had none." }),
    request_id: z.string().nullable().meta({ description: 'The `X-Request-Id` of the request that wrote it.' }),
    action: z.enum(EVENT_ACTIONS),
    resource: z.enum(RECORDED_RESOURCES),
    ...keys,
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
