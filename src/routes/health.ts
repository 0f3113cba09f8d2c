import { sql } from 'drizzle-orm'
import { Hono } from 'hono'
import { timeout } from 'hono/timeout'
import * as z from 'zod'
import type { AppEnv } from '../env.ts'
import { databaseUnavailable } from '../errors.ts'
import { operation } from '../openapi.ts'
import { successSchema } from '../schemas/common.ts'

/** /health answers within this bound even when the database hangs. */
const HEALTH_TIMEOUT_MS = 3_000

const healthResponse = successSchema.extend({ status: z.literal('ok'), database: z.literal('ok') })

export const health = new Hono<AppEnv>().get(
  '/',
  operation({
    operationId: 'getHealth',
    tag: 'Service',
    summary: 'Health',
    description: `No authentication. Asks the database a trivial question, and answers within ${HEALTH_TIMEOUT_MS / 1000} s.`,
    success: { status: 200, description: 'The service and its database answer.', schema: healthResponse },
  }),
  timeout(HEALTH_TIMEOUT_MS, () => databaseUnavailable()),
  async (c) => {
    await c.var.db.execute(sql`select 1`)
    return c.json({ success: true, status: 'ok', database: 'ok' } satisfies z.input<typeof healthResponse>)
  },
)
