import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { requestId } from 'hono/request-id'
import { secureHeaders } from 'hono/secure-headers'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { withDatabase } from './db/client'
import type { AppEnv } from './env'
import { ApiError, databaseUnavailable, envelope, isDatabaseUnavailable, loggable, messageFor } from './errors'
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

app.route('/health', health)
app.route('/actors', actors)
app.route('/movies', movies)
app.route('/', castings)
app.route('/', docs(app))

app.notFound((c) => {
  const allowed = methodNotAllowed(app, c.req.path)
  if (allowed) return envelope(c, 405, 'method not allowed', { Allow: allowed })
  return envelope(c, 404, 'resource not found')
})

app.onError((error, c) => {
  const known = error instanceof HTTPException ? error : isDatabaseUnavailable(error) ? databaseUnavailable(error) : undefined
  // Details go to the log, keyed by request id; the response says only what the contract says.
  if (!known || known.status >= 500) {
    // A 503 says only the contract's words; what went wrong is its cause (the failed query, say).
    const why = known?.cause ?? error
    console.error(JSON.stringify({ level: 'error', requestId: c.var.requestId, status: known?.status ?? 500, ...loggable(why) }))
  }
  if (!known) return envelope(c, 500, 'internal server error')
  return envelope(c, known.status as ContentfulStatusCode, messageFor(known), known instanceof ApiError ? known.headers : {})
})

export default app
