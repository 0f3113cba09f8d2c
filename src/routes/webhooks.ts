import { zValidator } from '@hono/zod-validator'
import type { Context } from 'hono'
import { Hono } from 'hono'
import * as z from 'zod'
import { operationsOf } from '../auth/require-permission.ts'
import type { AppEnv } from '../env.ts'
import { ApiError, emptyPage, notFoundIn } from '../errors.ts'
import { decodeCursor } from '../feed-cursor.ts'
import { documented } from '../openapi.ts'
import {
  createWebhook,
  deleteWebhook,
  deliveryShown,
  getWebhook,
  listDeliveries,
  listWebhooks,
  refailDelivery,
  reopenDelivery,
  rotateSecret,
  updateWebhook,
} from '../queries/webhooks.ts'
import { deletedSchema } from '../schemas/common.ts'
import {
  createWebhookSchema,
  deliveriesResponse,
  deliveryResponse,
  pageQuery,
  URL_RULE,
  updateWebhookSchema,
  webhookResponse,
  webhooksResponse,
  webhookWithSecretResponse,
} from '../schemas/webhooks.ts'
import { jsonBody, pathIds, validate } from '../validation.ts'
import { newSecret, sealSecret } from '../webhooks/secrets.ts'
import { isDeliverableUrl } from '../webhooks/url.ts'

// Webhooks (API.md D2): where the feed is pushed. Managed here; delivered by
// src/webhooks/ (the dispatcher walks the feed, the queue consumer POSTs).

/** Every route here: under the Webhooks tag, and for manage:webhooks only. */
const webhookOperation = operationsOf('Webhooks', 'manage:webhooks')
const webhookNotFound = (id: string | number) => notFoundIn('Webhook', id)
const noWebhooks = emptyPage('webhooks', 'no webhooks found.')
const noDeliveries = emptyPage('deliveries', 'no deliveries found.')
const deliveryNotFound = (cursor: string) => new ApiError(404, `Delivery of event ${cursor.slice(0, 100)} not found for this webhook.`)
const ids = pathIds({ id: webhookNotFound })
// Documents the cursor that names a delivery; the handler reads it, since a cursor this API did not issue is a 404.
const cursorParam = z.object({
  event_cursor: z.string().meta({ description: "The delivery's `event_cursor`; any other text names nothing, and answers 404." }),
})
const eventCursor = documented(zValidator('param', cursorParam), 'param', cursorParam)

/** The URL rule's local switch (API.md D6): loopback receivers only where WEBHOOK_ALLOW_LOOPBACK_HTTP is `true`. */
function refuseLoopback(c: Context<AppEnv>, url: string | undefined) {
  if (url !== undefined && !isDeliverableUrl(url, c.env.WEBHOOK_ALLOW_LOOPBACK_HTTP === 'true')) throw new ApiError(422, URL_RULE)
}

type Webhook = z.input<typeof webhookResponse>['webhook']

export const webhookRoutes = new Hono<AppEnv>()
  .post(
    '/',
    ...webhookOperation({
      operationId: 'createWebhook',
      summary: 'Add a webhook',
      description:
        'Every event committed from now on whose type matches is POSTed to `url`, signed per Standard Webhooks with the secret answered here, which is shown only once.',
      success: {
        status: 201,
        description: 'Created, with its signing secret.',
        schema: webhookWithSecretResponse,
        headers: { Location: 'The new webhook (`/webhooks/<id>`).' },
      },
    }),
    jsonBody(createWebhookSchema),
    async (c) => {
      const fields = c.req.valid('json')
      refuseLoopback(c, fields.url)
      const secret = newSecret()
      const webhook = (await createWebhook(c.var.db, fields, await sealSecret(c.env, secret))) as Webhook
      const body = { success: true, webhook, secret } satisfies z.input<typeof webhookWithSecretResponse>
      return c.json(body, 201, { Location: `/webhooks/${webhook.id}` })
    },
  )

  .get(
    '/',
    ...webhookOperation({
      operationId: 'listWebhooks',
      summary: 'List webhooks',
      success: { status: 200, description: 'A page of webhooks, in id order.', schema: webhooksResponse },
      errors: noWebhooks.errors,
    }),
    validate('query', pageQuery),
    async (c) => {
      const { page = 1, per_page } = c.req.valid('query')
      const { total, webhooks } = await listWebhooks(c.var.db, page, per_page)
      if (!webhooks) throw noWebhooks.error()
      const body = { success: true as const, webhooks: webhooks as Webhook[], page, per_page, total }
      return c.json(body satisfies z.input<typeof webhooksResponse>)
    },
  )

  .get(
    '/:id',
    ...webhookOperation({
      operationId: 'getWebhook',
      summary: 'Get a webhook',
      success: { status: 200, description: 'The webhook.', schema: webhookResponse },
    }),
    ids,
    async (c) => {
      const { id } = c.req.valid('param')
      const webhook = (await getWebhook(c.var.db, id)) as Webhook | undefined
      if (!webhook) throw webhookNotFound(id)
      return c.json({ success: true, webhook } satisfies z.input<typeof webhookResponse>)
    },
  )

  .patch(
    '/:id',
    ...webhookOperation({
      operationId: 'updateWebhook',
      summary: 'Update a webhook',
      description:
        'At least one field. `enabled: true` turns a disabled webhook back on and clears `disabled_reason`; it resumes from where its deliveries stopped.',
      success: { status: 200, description: 'The webhook as it now is.', schema: webhookResponse },
    }),
    jsonBody(updateWebhookSchema),
    ids,
    async (c) => {
      const { id } = c.req.valid('param')
      const changes = c.req.valid('json')
      refuseLoopback(c, changes.url)
      const webhook = (await updateWebhook(c.var.db, id, changes)) as Webhook | undefined
      if (!webhook) throw webhookNotFound(id)
      return c.json({ success: true, webhook } satisfies z.input<typeof webhookResponse>)
    },
  )

  .delete(
    '/:id',
    ...webhookOperation({
      operationId: 'deleteWebhook',
      summary: 'Delete a webhook',
      description: 'Nothing more is sent to it; its deliveries go with it.',
      success: { status: 200, description: 'The id of the deleted webhook.', schema: deletedSchema },
    }),
    ids,
    async (c) => {
      const { id } = c.req.valid('param')
      if ((await deleteWebhook(c.var.db, id)) === undefined) throw webhookNotFound(id)
      return c.json({ success: true, deleted: id } satisfies z.input<typeof deletedSchema>)
    },
  )

  .post(
    '/:id/rotate-secret',
    ...webhookOperation({
      operationId: 'rotateWebhookSecret',
      summary: "Rotate a webhook's secret",
      description:
        'A new secret, shown only here. For 24 hours every delivery carries two signatures in `webhook-signature`, one with each secret.',
      success: { status: 200, description: 'The webhook, with its new secret.', schema: webhookWithSecretResponse },
    }),
    ids,
    async (c) => {
      const { id } = c.req.valid('param')
      const secret = newSecret()
      const webhook = (await rotateSecret(c.var.db, id, await sealSecret(c.env, secret))) as Webhook | undefined
      if (!webhook) throw webhookNotFound(id)
      return c.json({ success: true, webhook, secret } satisfies z.input<typeof webhookWithSecretResponse>)
    },
  )

  .get(
    '/:id/deliveries',
    ...webhookOperation({
      operationId: 'listWebhookDeliveries',
      summary: "A webhook's deliveries",
      description: 'Newest event first; one per event sent, with its attempts and how the last one went.',
      success: { status: 200, description: 'A page of deliveries.', schema: deliveriesResponse },
      errors: noDeliveries.errors,
    }),
    validate('query', pageQuery),
    ids,
    async (c) => {
      const { id } = c.req.valid('param')
      const { page = 1, per_page } = c.req.valid('query')
      const { exists, total, deliveries } = await listDeliveries(c.var.db, id, page, per_page)
      if (!exists) throw webhookNotFound(id)
      if (!deliveries) throw noDeliveries.error()
      const body = {
        success: true as const,
        deliveries: deliveries.map(deliveryShown) as z.input<typeof deliveriesResponse>['deliveries'],
        page,
        per_page,
        total,
      }
      return c.json(body satisfies z.input<typeof deliveriesResponse>)
    },
  )

  .post(
    '/:id/deliveries/:event_cursor/retry',
    ...webhookOperation({
      operationId: 'retryWebhookDelivery',
      summary: 'Send a failed delivery again',
      description: 'The delivery becomes pending and is attempted at once, with a fresh schedule of retries.',
      success: { status: 202, description: 'Queued.', schema: deliveryResponse },
      errors: {
        404: 'No delivery of that event for this webhook (`Delivery of event {event_cursor} not found for this webhook.`).',
        422: 'The delivery has not failed (`only a failed delivery can be retried.`), or the webhook is disabled (`Webhook with id {id} is disabled.`).',
      },
    }),
    eventCursor,
    ids,
    async (c) => {
      const { id } = c.req.valid('param')
      const cursor = c.req.param('event_cursor')
      const event = decodeCursor(cursor)
      if (!event) throw deliveryNotFound(cursor)
      const { enabled, state, reopened } = await reopenDelivery(c.var.db, id, event)
      if (enabled === null) throw webhookNotFound(id)
      if (state === null) throw deliveryNotFound(cursor)
      if (!enabled) throw new ApiError(422, `Webhook with id ${id} is disabled.`)
      if (!reopened) throw new ApiError(422, 'only a failed delivery can be retried.')
      try {
        await c.env.WEBHOOK_QUEUE.send({ webhook: id, ...event })
      } catch (error) {
        await refailDelivery(c.var.db, id, event)
        throw error
      }
      const delivery = deliveryShown(reopened) as z.input<typeof deliveryResponse>['delivery']
      return c.json({ success: true, delivery } satisfies z.input<typeof deliveryResponse>, 202)
    },
  )
