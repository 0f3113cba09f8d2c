import type { MiddlewareHandler } from 'hono'
import { cors } from 'hono/cors'
import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env'

const handlers = new Map<string, MiddlewareHandler>()

/** hono's CORS for the origins in `CORS_ORIGINS` (comma-separated; default `*`). */
export const corsFromConfig = createMiddleware<AppEnv>((c, next) => {
  const setting = c.env.CORS_ORIGINS?.trim() || '*'
  let handler = handlers.get(setting)
  if (!handler) {
    const origins = setting
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean)
    handler = cors({
      origin: origins.includes('*') ? '*' : origins,
      allowHeaders: ['Authorization', 'Content-Type', 'If-Match', 'If-None-Match', 'X-Request-Id'],
      allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      exposeHeaders: ['ETag', 'Location', 'Retry-After', 'WWW-Authenticate', 'X-Request-Id'],
      maxAge: 600,
    })
    handlers.set(setting, handler)
  }
  return handler(c, next)
})
