import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env.ts'
import { ApiError } from '../errors.ts'
import { operation, withSpec } from '../openapi.ts'
import type { Permission } from './permissions.ts'
import { isRateLimited, tooManyRequests } from './rate-limit.ts'
import { authConfig, bearerToken, verifyToken } from './verify-token.ts'

/** 403 for a token without `permission`, naming it in `WWW-Authenticate` (RFC 6750 section 3.1). */
export function forbidden(message: string, permission: Permission) {
  return new ApiError(403, message, {
    headers: { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${permission}"` },
  })
}

/**
 * Lets the request through only with a valid Auth0 access token whose
 * `permissions` claim (Auth0 RBAC, "Add Permissions in the Access Token")
 * includes `permission`, and whose subject is within its rate limit.
 * @see https://datatracker.ietf.org/doc/html/rfc6750#section-3.1
 */
export const requirePermission = (permission: Permission) =>
  withSpec(
    createMiddleware<AppEnv>(async (c, next) => {
      const token = bearerToken(c.req.header('Authorization'))
      const config = authConfig(c.env)
      if (!config)
        throw new Error('Auth0 is not configured: set AUTH0_DOMAIN (or AUTH0_ISSUER) and AUTH0_AUDIENCE; AUTH0_JWKS_URL must be https')
      const payload = await verifyToken(token, config)
      const subject = typeof payload.sub === 'string' ? payload.sub : undefined
      c.set('subject', subject)
      // Every authenticated request counts, a 403 too; but a 403 answers first (API.md section 2's order).
      // Tokens without a subject share one budget.
      const limited = await isRateLimited(c.env.RATE_LIMITER, subject ?? '')

      const { permissions } = payload
      if (!Array.isArray(permissions) || !permissions.every((p) => typeof p === 'string')) {
        throw forbidden('Permissions not included in JWT.', permission)
      }
      if (!permissions.includes(permission)) throw forbidden('Permission not found.', permission)
      if (limited) throw tooManyRequests()
      await next()
    }),
    { security: [{ bearerAuth: [] }], 'x-permission': permission },
    [
      {
        status: 401,
        description: 'No valid bearer token.',
        headers: { 'WWW-Authenticate': '`Bearer`, with `error="invalid_token"` when a token was sent.' },
      },
      {
        status: 403,
        description: `The token does not carry \`${permission}\`.`,
        headers: { 'WWW-Authenticate': `\`Bearer error="insufficient_scope", scope="${permission}"\`` },
      },
      {
        status: 503,
        description: 'The identity provider cannot be reached and no key is cached.',
        headers: { 'Retry-After': 'Seconds to wait before retrying.' },
      },
      {
        status: 429,
        description: 'Too many requests from this token subject (`too many requests.`).',
        headers: { 'Retry-After': 'Seconds until the subject may try again.' },
      },
    ],
  )

/**
 * A group of routes under one tag that all require one permission (the
 * castings, the webhooks): for each route, its first two handlers, the
 * operation as the document describes it under that tag, and the permission.
 */
export const operationsOf = (tag: string, permission: Permission) => (described: Omit<Parameters<typeof operation>[0], 'tag'>) =>
  [operation({ ...described, tag }), requirePermission(permission)] as const
