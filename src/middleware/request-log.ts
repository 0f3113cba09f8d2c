import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env.ts'

/**
 * One structured line per request. Never the token: only its subject, which
 * the auth middleware sets once the token is verified.
 */
export const requestLog = createMiddleware<AppEnv>(async (c, next) => {
  const started = performance.now()
  await next()
  // Written out rather than JSON.stringify of an object, and read with c.get (c.var copies every
  // variable into a new object): this line is paid on every request (docs/cpu.md). The same JSON.
  const durationMs = Math.round((performance.now() - started) * 10) / 10
  const subject = c.get('subject')
  console.log(
    `{"requestId":${JSON.stringify(c.get('requestId') ?? null)},"method":${JSON.stringify(c.req.method)},"path":${JSON.stringify(c.req.path)},"status":${c.res.status},"durationMs":${durationMs},"subject":${subject === undefined ? 'null' : JSON.stringify(subject)}}`,
  )
})
