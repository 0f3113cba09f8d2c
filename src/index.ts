import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { requestId } from 'hono/request-id'
import { secureHeaders } from 'hono/secure-headers'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { withDatabase } from './db/client'
import type { AppEnv } from './env'
import { ApiError, databaseUnavailable, describe, envelope, isDatabaseUnavailable, messageFor } from './errors'
import { corsFromConfig } from './middleware/cors'
import { methodNotAllowed } from './middleware/method-not-allowed'
import { requestLog } from './middleware/request-log'
import { actors } from './routes/actors'
import { castings } from './routes/castings'
import { docs } from './routes/docs'
import { health } from './routes/health'
import { movies } from './routes/movies'

const app = new Hono<AppEnv>()

app.use(requestId({ headerName: 'X-Request-Id' }))
app.use(requestLog)
app.use(secureHeaders())
app.use(corsFromConfig)
app.use(async (c, next) => {
  await next()
  // API answers are per user and per moment; no cache should keep them.
  if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store')
})

app.use(withDatabase)

// Chained, so the type of `routes` carries every route for `hc<AppType>` (hono/client).
const routes = app.route('/health', health).route('/actors', actors).route('/movies', movies).route('/', castings)
app.route('/', docs(app))

/** The API's routes, for a typed client: `hc<AppType>(baseUrl)` from `hono/client`. */
export type AppType = typeof routes

app.notFound((c) => {
  const allowed = methodNotAllowed(app, c.req.path)
  if (allowed) return envelope(c, 405, 'method not allowed', { Allow: allowed })
  return envelope(c, 404, 'resource not found')
})

app.onError((error, c) => {
  const known = error instanceof HTTPException ? error : isDatabaseUnavailable(error) ? databaseUnavailable(error) : undefined
  // Details go to the log, keyed by request id; the response says only what the contract says.
  if (!known || known.status >= 500) {
    const cause = error.cause ?? known?.cause
    console.error(
      JSON.stringify({
        level: 'error',
        requestId: c.var.requestId,
        error: describe(error),
        cause: cause && describe(cause),
        stack: known ? undefined : error.stack,
      }),
    )
  }
  if (!known) return envelope(c, 500, 'internal server error')
  return envelope(c, known.status as ContentfulStatusCode, messageFor(known), known instanceof ApiError ? known.headers : {})
})

export default app
