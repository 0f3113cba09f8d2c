import * as z from 'zod'
import { EVENT_ACTIONS } from '../db/schema.ts'
import { decodeCursor, type Position } from '../feed-cursor.ts'
import { integerParam, successSchema } from './common.ts'
import { eventSchema, RECORDED_RESOURCES } from './history.ts'

/** API.md D1: a feed page's size, and how long a request may wait for the next event. */
export const MAX_FEED_PAGE = 1000
export const DEFAULT_FEED_PAGE = 100
export const MAX_WAIT_SECONDS = 25

export const BAD_CURSOR = 'after must be a cursor from next_after.'

/** `actor.created`, …: every recorded resource with every action, in the past tense. */
export const EVENT_TYPES = RECORDED_RESOURCES.flatMap((resource) => EVENT_ACTIONS.map((action) => `${resource}.${action}d`)) as [
  string,
  ...string[],
]

export const feedQuery = z.object({
  after: z
    .string({ error: BAD_CURSOR })
    .transform((cursor, ctx): Position => {
      const position = decodeCursor(cursor)
      if (position) return position
      ctx.addIssue({ code: 'custom', message: BAD_CURSOR })
      return z.NEVER
    })
    .optional()
    .meta({
      description: `A cursor this API issued (an event's \`cursor\`, or a page's \`next_after\`): the events after it. Without it, the walk starts at the oldest kept event. Anything else: 400 \`${BAD_CURSOR}\``,
    }),
  per_page: integerParam(`per_page must be an integer between 1 and ${MAX_FEED_PAGE}.`, 1, MAX_FEED_PAGE, 4)
    .prefault(DEFAULT_FEED_PAGE)
    .meta({ description: `Events per page, 1 to ${MAX_FEED_PAGE}; default ${DEFAULT_FEED_PAGE}.` }),
  resource: z
    .enum(RECORDED_RESOURCES, { error: `resource must be one of: ${RECORDED_RESOURCES.join(', ')}.` })
    .optional()
    .meta({ description: "Only this resource's events; the cursors stay valid without it." }),
  wait: integerParam(`wait must be an integer between 1 and ${MAX_WAIT_SECONDS}.`, 1, MAX_WAIT_SECONDS, 2)
    .optional()
    .meta({
      description: `Seconds (1 to ${MAX_WAIT_SECONDS}) to wait when the page would be empty: the answer comes within a second of the next event's commit, or empty when the time is up.`,
    }),
})

export const feedEventSchema = eventSchema
  .extend({
    type: z.enum(EVENT_TYPES).meta({ description: 'The resource and the action in the past tense.' }),
    cursor: z.string().meta({ description: "The event's position: `after` with it answers the events after it." }),
  })
  .meta({ id: 'FeedEvent' })

export const feedResponse = successSchema.extend({
  events: z.array(feedEventSchema),
  next_after: z.string().meta({
    description:
      "The cursor to resume with: the last event's, or the request's own `after` when the page is empty (from the start, without one).",
  }),
})
