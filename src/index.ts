import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { requestId } from 'hono/request-id'
import { secureHeaders } from 'hono/secure-headers'
import { withDatabase } from './db/client'
import type { AppEnv } from './env'
import { ApiError, databaseUnavailable, envelope, isDatabaseUnavailable, messageFor } from './errors'
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
  if (error instanceof HTTPException) {
    const headers = error instanceof ApiError ? error.headers : {}
    if (error.status >= 500)
      console.error(JSON.stringify({ level: 'error', requestId: c.var.requestId, error: String(error.cause ?? error) }))
    return envelope(c, error.status as 400, messageFor(error), headers)
  }
  if (isDatabaseUnavailable(error)) {
    const unavailable = databaseUnavailable()
    console.error(
      JSON.stringify({ level: 'error', requestId: c.var.requestId, error: 'database unavailable', cause: String(error.cause ?? error) }),
    )
    return envelope(c, 503, unavailable.message, unavailable.headers)
  }
  console.error(JSON.stringify({ level: 'error', requestId: c.var.requestId, error: String(error), stack: error.stack }))
  return envelope(c, 500, 'internal server error')
})

export default app
