import type { Context } from 'hono'
import { cors } from 'hono/cors'
import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env.ts'

// `CORS_ORIGINS` is per deployment: split once per isolate, not per request.
let parsed: { value: string | undefined; origins: string[] } = { value: '*', origins: ['*'] }
const originsOf = (value: string | undefined) => {
  if (parsed.value !== value) parsed = { value, origins: (value?.trim() || '*').split(',').map((entry) => entry.trim()) }
  return parsed.origins
}

/** The origins of `CORS_ORIGINS` (comma-separated; default `*`). */
function allowedOrigin(origin: string, c: Context<AppEnv>): string | null {
  const origins = originsOf(c.env.CORS_ORIGINS)
  if (origins.includes('*')) return '*'
  return origins.includes(origin) ? origin : null
}

/** Every request header the API reads: a page can send each of them (API.md D5). */
const CORS_ALLOW_HEADERS = ['Authorization', 'Content-Type', 'If-Match', 'If-None-Match', 'Idempotency-Key', 'X-Request-Id']

/** Every response header the API documents: a page can read each of them, or it cannot retry safely or write conditionally. */
const CORS_EXPOSE_HEADERS = [
  'ETag',
  'Location',
  'Retry-After',
  'WWW-Authenticate',
  'X-Request-Id',
  'Idempotent-Replayed',
  'Content-Disposition',
]
const EXPOSE_HEADERS = CORS_EXPOSE_HEADERS.join(',')

/**
 * hono's CORS, for preflight requests.
 * @see https://fetch.spec.whatwg.org/#http-cors-protocol (a header neither safelisted nor listed is neither sent nor read by a page)
 */
const preflight = cors({
  origin: allowedOrigin,
  allowHeaders: CORS_ALLOW_HEADERS,
  allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
  exposeHeaders: CORS_EXPOSE_HEADERS,
  maxAge: 600,
})

/**
 * CORS, its origins read from the configuration of the request's Worker:
 * hono's middleware answers preflights; on every other request the same
 * headers it would add are put on the final response once, instead of on an
 * empty one before the handler runs (which hono then copies into the
 * handler's response, and copies again for its `Vary`).
 */
export const corsFromConfig = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.method === 'OPTIONS') return preflight(c, next)
  await next()
  const headers = c.res.headers
  const origin = allowedOrigin(c.req.header('origin') || '', c)
  if (origin) headers.set('Access-Control-Allow-Origin', origin)
  headers.set('Access-Control-Expose-Headers', EXPOSE_HEADERS)
  headers.append('Vary', 'Origin')
})
