// The third floor of `npm run bench -- --cpu`, for start-up: the bare Hono +
// jose Worker that also validates its query string with zod through
// @hono/zod-validator, as the API's list routes do, and answers the API's
// DB-less case (`?page=0`) with a 400. What any Worker of this stack pays for
// its first validated answer, with nothing else built: the least the API's
// start-up could be if every schema, route and table were built on first use.
import { zValidator } from '@hono/zod-validator'
import { Hono } from 'hono'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import * as z from 'zod'

type Env = { AUTH0_ISSUER: string; AUTH0_AUDIENCE: string; AUTH0_JWKS_URL: string }

let keys: ReturnType<typeof createRemoteJWKSet> | undefined

/** A list's query, in the API's manner: digits read as an integer, bounded, each failure in words. */
const page = z.preprocess(
  (raw) => (typeof raw === 'string' && /^\d{1,10}$/.test(raw) ? Number(raw) : raw),
  z.int({ error: 'page must be a positive integer.' }).min(1, { error: 'page must be a positive integer.' }),
)
const query = z.object({
  page: page.optional(),
  sort: z.enum(['id', '-id', 'name', '-name']).optional(),
  q: z.string().max(100).optional(),
})

const app = new Hono<{ Bindings: Env }>()
app.get(
  '/actors',
  async (c, next) => {
    keys ??= createRemoteJWKSet(new URL(c.env.AUTH0_JWKS_URL))
    const token = c.req.header('Authorization')?.slice('Bearer '.length) ?? ''
    try {
      await jwtVerify(token, keys, { issuer: c.env.AUTH0_ISSUER, audience: c.env.AUTH0_AUDIENCE, algorithms: ['RS256'] })
    } catch {
      return c.json({ success: false, error: 401, message: 'unauthorized' }, 401)
    }
    await next()
  },
  zValidator('query', query, (result, c) => {
    if (!result.success) return c.json({ success: false, error: 400, message: result.error.issues[0]?.message }, 400)
  }),
  (c) => c.json({ success: true, page: c.req.valid('query').page ?? 1 }),
)

export default app
