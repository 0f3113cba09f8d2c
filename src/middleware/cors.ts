import type { Context } from 'hono'
import { cors } from 'hono/cors'
import type { AppEnv } from '../env.ts'

/** The origins of `CORS_ORIGINS` (comma-separated; default `*`). */
function allowedOrigin(origin: string, c: Context<AppEnv>): string | null {
  const origins = (c.env.CORS_ORIGINS?.trim() || '*').split(',').map((entry) => entry.trim())
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

/**
 * hono's CORS, its origins read from the configuration of the request's Worker.
 * @see https://fetch.spec.whatwg.org/#http-cors-protocol (a header neither safelisted nor listed is neither sent nor read by a page)
 */
export const corsFromConfig = cors({
  origin: allowedOrigin,
  allowHeaders: CORS_ALLOW_HEADERS,
  allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
  exposeHeaders: CORS_EXPOSE_HEADERS,
  maxAge: 600,
})
