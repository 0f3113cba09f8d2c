// The second floor of `npm run bench -- --cpu`: a bare Hono Worker that
// verifies one RS256 bearer token with jose against a remote JWKS (cached per
// isolate, as the API does), then answers a constant. What any authenticated
// Worker pays at the least.
import { Hono } from 'hono'
import { createRemoteJWKSet, jwtVerify } from 'jose'

type Env = { AUTH0_ISSUER: string; AUTH0_AUDIENCE: string; AUTH0_JWKS_URL: string }

let keys: ReturnType<typeof createRemoteJWKSet> | undefined

const app = new Hono<{ Bindings: Env }>()
app.get('/', async (c) => {
  keys ??= createRemoteJWKSet(new URL(c.env.AUTH0_JWKS_URL))
  const token = c.req.header('Authorization')?.slice('Bearer '.length) ?? ''
  try {
    await jwtVerify(token, keys, { issuer: c.env.AUTH0_ISSUER, audience: c.env.AUTH0_AUDIENCE, algorithms: ['RS256'] })
  } catch {
    return c.text('unauthorized', 401)
  }
  return c.text('hello')
})

export default app
