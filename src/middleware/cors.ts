import type { Context } from 'hono'
import { cors } from 'hono/cors'
import type { AppEnv } from '../env.ts'

/** The origins of `CORS_ORIGINS` (comma-separated; default `*`). */
function allowedOrigin(origin: string, c: Context<AppEnv>): string | null {
  const origins = (c.env.CORS_ORIGINS?.trim() || '*').split(',').map((entry) => entry.trim())
  if (origins.includes('*')) return '*'
  return origins.includes(origin) ? origin : null
}

/** hono's CORS, its origins read from the configuration of the request's Worker. */
export const corsFromConfig = cors({
  origin: allowedOrigin,
  allowHeaders: ['Authorization', 'Content-Type', 'If-Match', 'If-None-Match', 'X-Request-Id'],
  allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
  exposeHeaders: ['ETag', 'Location', 'Retry-After', 'WWW-Authenticate', 'X-Request-Id'],
  maxAge: 600,
})
