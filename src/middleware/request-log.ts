import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env.ts'

/**
 * One structured line per request. Never the token: only its subject, which
 * the auth middleware sets once the token is verified.
 */
export const requestLog = createMiddleware<AppEnv>(async (c, next) => {
  const started = performance.now()
  await next()
  console.log(
    JSON.stringify({
      requestId: c.var.requestId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      subject: c.var.subject ?? null,
    }),
  )
})
