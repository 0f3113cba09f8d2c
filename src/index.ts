import { Hono } from 'hono'
import { requestId } from 'hono/request-id'
import { secureHeaders } from 'hono/secure-headers'
import { withDatabase } from './db/client.ts'
import type { AppEnv, Bindings } from './env.ts'
import { envelope, loggable, toApiError } from './errors.ts'
import { corsFromConfig } from './middleware/cors.ts'
import { methodNotAllowed } from './middleware/method-not-allowed.ts'
import { requestLog } from './middleware/request-log.ts'
import { answers } from './openapi.ts'
import { resources } from './resources/index.ts'
import { actors } from './routes/actors.ts'
import { castings } from './routes/castings.ts'
import { docs } from './routes/docs.ts'
import { feed } from './routes/events.ts'
import { health } from './routes/health.ts'
import { movies } from './routes/movies.ts'
import { webhookRoutes } from './routes/webhooks.ts'
import { UPKEEP_CRON, upkeep } from './scheduled.ts'
import { consume } from './webhooks/deliver.ts'
import { dispatch, type WebhookMessage } from './webhooks/dispatch.ts'
import { nudgeAfterWrite } from './webhooks/nudge.ts'

/** The app itself, for what reads its routes (the document, the tests). */
export const app = new Hono<AppEnv>()

app.use(requestId({ headerName: 'X-Request-Id' }))
app.use(requestLog)
app.use(secureHeaders())
app.use(corsFromConfig)
app.use(async (c, next) => {
  await next()
  // Set on the response's own headers: c.header() after the handler copies the whole response first.
  const headers = c.res.headers
  // A Response a handler builds itself (the docs script) does not get what c.header() set before it ran.
  if (!headers.has('X-Request-Id')) headers.set('X-Request-Id', c.get('requestId'))
  // API answers are per user and per moment; no cache should keep them.
  if (!headers.has('Cache-Control')) headers.set('Cache-Control', 'no-store')
})

// Only the routes that ask the database get a client, and document its 503.
const database = answers(withDatabase, [
  { status: 503, description: 'The database does not answer.', headers: { 'Retry-After': 'Seconds to wait before retrying.' } },
])
for (const path of ['/health', '/events', ...resources.map((resource) => `/${resource.many}/*`), '/webhooks', '/webhooks/*']) {
  app.use(path, database)
}
// Every write to the record tells the webhook dispatcher, through the queue, after the response.
for (const path of resources.map((resource) => `/${resource.many}/*`)) app.use(path, nudgeAfterWrite)

// Chained, so the type of `routes` carries every route for `hc<AppType>` (hono/client).
const routes = app
  .route('/health', health)
  .route('/actors', actors)
  .route('/movies', movies)
  .route('/', castings)
  .route('/events', feed)
  .route('/webhooks', webhookRoutes)
// Its document is generated at build time (scripts/assets.ts), from these same routes.
app.route('/', docs(app, { built: true }))

/** The API's routes, for a typed client: `hc<AppType>(baseUrl)` from `hono/client`. */
export type AppType = typeof routes

app.notFound((c) => {
  const allowed = methodNotAllowed(app, c.req.path)
  if (allowed) return envelope(c, 405, 'method not allowed', { Allow: allowed })
  return envelope(c, 404, 'resource not found')
})

app.onError((error, c) => {
  const answer = toApiError(error)
  // Details go to the log, keyed by request id; the response says only what the contract says.
  if (answer.status >= 500) {
    // A 503 says only the contract's words; what went wrong is its cause (the failed query, say).
    console.error(JSON.stringify({ level: 'error', requestId: c.var.requestId, status: answer.status, ...loggable(answer.cause ?? error) }))
  }
  return envelope(c, answer.status, answer.message, answer.headers)
})

export default {
  fetch: app.fetch,
  // The Cron Triggers of wrangler.toml: hourly upkeep of keys and history; each minute, the webhook dispatcher's safety net.
  scheduled: async (controller, env, context) =>
    context.waitUntil(controller.cron === UPKEEP_CRON ? upkeep(env).then(() => {}) : dispatch(env)),
  // The webhook queue (wrangler.toml): nudges walk the feed, deliveries are POSTed.
  queue: (batch, env) => consume(batch, env),
} satisfies ExportedHandler<Bindings, WebhookMessage>
