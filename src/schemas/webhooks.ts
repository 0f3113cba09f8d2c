import * as z from 'zod'
import { DELIVERY_STATES } from '../db/schema.ts'
import { isDeliverableUrl, MAX_URL_LENGTH } from '../webhooks/url.ts'
import { successSchema, textField } from './common.ts'
import { EVENT_TYPES } from './events.ts'
import { historyQuery } from './history.ts'

export const URL_RULE = 'url must be a public https URL.'
export const MAX_TYPES = 20
/** What `types` may list: an event type, a resource's every type, or every type. */
export const TYPE_PATTERNS = ['*', ...new Set(EVENT_TYPES.map((type) => `${type.split('.')[0]}.*`)), ...EVENT_TYPES] as [
  string,
  ...string[],
]
const TYPES_RULE = `types must list 1 to ${MAX_TYPES} of: an event type (actor.created), <resource>.* or *.`
const MAX_DESCRIPTION = 200

/**
 * A webhook's fields as a client writes them. A loopback URL passes here; the
 * route refuses it unless WEBHOOK_ALLOW_LOOPBACK_HTTP, configuration, allows it.
 */
const fields = {
  url: z
    .string({ error: URL_RULE })
    .refine((url) => isDeliverableUrl(url, true), { error: URL_RULE })
    .meta({ description: `https, no credentials, a name or a public IP address, at most ${MAX_URL_LENGTH} characters.` }),
  // Checked as a whole: an item's own issue would be worded as a bulk create's (`item 0: …`).
  types: z
    .array(z.string({ error: TYPES_RULE }), { error: TYPES_RULE })
    .min(1, { error: TYPES_RULE })
    .max(MAX_TYPES, { error: TYPES_RULE })
    .refine((types) => types.every((type) => TYPE_PATTERNS.includes(type)), { error: TYPES_RULE })
    .meta({
      description: `Event types (\`actor.created\`), \`<resource>.*\`, or \`*\`: ${TYPE_PATTERNS.map((t) => `\`${t}\``).join(', ')}.`,
    }),
  description: textField('description', MAX_DESCRIPTION, { required: false }).nullable(),
}

export const createWebhookSchema = z.strictObject({ ...fields, description: fields.description.optional() })

export const updateWebhookSchema = z.strictObject({
  url: fields.url.optional(),
  types: fields.types.optional(),
  description: fields.description.optional(),
  enabled: z.boolean({ error: 'enabled must be true or false.' }).optional().meta({ description: 'true also clears `disabled_reason`.' }),
})

export const webhookSchema = z
  .object({
    id: z.int32().positive(),
    url: z.string(),
    types: z.array(z.string()),
    description: z.string().nullable(),
    enabled: z.boolean(),
    created_at: z.iso.datetime(),
    disabled_reason: z.string().nullable().meta({ description: 'Why it was disabled (a 410, or 3 days of failures); null otherwise.' }),
  })
  .meta({ id: 'Webhook' })

export const webhookResponse = successSchema.extend({ webhook: webhookSchema })
export const webhookWithSecretResponse = webhookResponse.extend({
  secret: z.string().meta({ description: 'The signing secret (`whsec_…`); shown only here.' }),
})
export const webhooksResponse = successSchema.extend({
  webhooks: z.array(webhookSchema),
  page: z.int().positive(),
  per_page: z.int().positive(),
  total: z.int().min(0),
})

export const deliverySchema = z
  .object({
    event_cursor: z.string().meta({ description: "The event's feed cursor (its `cursor` in `data`)." }),
    type: z.string(),
    attempts: z.int().min(0),
    state: z.enum(DELIVERY_STATES),
    last_status: z.int().nullable().meta({ description: "The last attempt's HTTP status; null if it got none." }),
    last_error: z.string().nullable(),
    next_attempt_at: z.iso.datetime().nullable().meta({ description: 'When the next attempt is due; null unless pending.' }),
  })
  .meta({ id: 'Delivery' })

export const deliveryResponse = successSchema.extend({ delivery: deliverySchema })
export const deliveriesResponse = successSchema.extend({
  deliveries: z.array(deliverySchema),
  page: z.int().positive(),
  per_page: z.int().positive(),
  total: z.int().min(0),
})

/** `page` and `per_page`, as lists and histories take them. */
export const pageQuery = historyQuery
