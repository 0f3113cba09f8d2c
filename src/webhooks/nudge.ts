import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env.ts'

const READS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * After a write that succeeded (so its events have committed), a nudge on the
 * webhook queue, sent once the response is on its way: the consumer walks the
 * feed, so the write never waits for a dispatch, costs no round trip to the
 * database, and many writes' nudges share one walk. A lost nudge is caught by
 * the next one, or by the minute's cron.
 */
export const nudgeAfterWrite = createMiddleware<AppEnv>(async (c, next) => {
  await next()
  if (READS.has(c.req.method) || c.res.status >= 300) return
  // The write has committed: nothing about the queue (not even a missing binding, as in plain workerd) may make it a 500.
  const sent = Promise.resolve()
    .then(() => c.env.WEBHOOK_QUEUE.send({ dispatch: true }))
    .catch((error: unknown) => {
      console.error(JSON.stringify({ level: 'error', job: 'nudge', requestId: c.var.requestId, message: String(error).slice(0, 300) }))
    })
  try {
    c.executionCtx.waitUntil(sent)
  } catch {
    // No execution context (app.request in a unit test): the send runs on its own.
  }
})
