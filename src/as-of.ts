import { createMiddleware } from 'hono/factory'
import * as z from 'zod'
import type { Permission } from './auth/permissions.ts'
import { forbidden } from './auth/require-permission.ts'
import { authConfig, bearerToken, verifyToken } from './auth/verify-token.ts'
import type { AppEnv } from './env.ts'
import { ApiError } from './errors.ts'
import { answers, documented } from './openapi.ts'
import { type AsOfEmbed, readAsOf } from './queries/as-of.ts'
import { castingSides } from './queries/castings.ts'
import { retentionDays } from './queries/history.ts'
import type { Resource } from './queries/resources.ts'
import type { DeclaredResource } from './resources/declare.ts'
import { resources } from './resources/index.ts'
import { pathId } from './schemas/common.ts'

// API.md D4: `as_of` on a single resource's GET answers it as it stood then,
// rebuilt from its events. A middleware placed right after the route's own
// permission: without `as_of` it does nothing, with it it answers the request.

const HISTORY: Permission = 'read:history'
const AS_OF_RULE = 'as_of must be a past RFC 3339 date-time.'
const PAST_RETENTION = 'as_of is past retention.'
const DAY_MS = 86_400_000

/** An RFC 3339 date-time with its offset (`Z` or `+02:00`), not in the future. */
export const asOfParam = z
  .string({ error: AS_OF_RULE })
  .check(z.iso.datetime({ offset: true, error: AS_OF_RULE }))
  .refine((value) => Date.parse(value) <= Date.now(), { error: AS_OF_RULE })
  .meta({
    description: `The resource as it stood at this moment (an RFC 3339 date-time with offset, not in the future), rebuilt from its history; needs \`${HISTORY}\` as well. No \`ETag\`.`,
    example: '2026-01-31T12:00:00Z',
  })

/** A response schema that may carry the moment an as-of read answered for. */
export const withAsOf = <Schema extends z.ZodObject>(schema: Schema) =>
  schema.extend({ as_of: z.string().optional().meta({ description: 'With `as_of`: the moment the resource is shown at, as asked.' }) })

type Config = {
  resource: Resource
  /** The route's own query schema (`include`), whose rules still apply. */
  query: z.ZodObject
  /** With `include=<name>`, the castings then, with the other side then. */
  embed: AsOfEmbed | undefined
  notFound: (id: string | number) => ApiError
  /** The route's read permission, which `requirePermission` has checked. */
  readPermission: Permission
}

/**
 * GET /<resources>/:id?as_of=…: read:history too (403), the query (400),
 * the id (its 404), `as_of` within `HISTORY_RETENTION_DAYS` (410), then one
 * statement; 404 if the resource did not exist then.
 */
export function asOf({ resource, query, embed, notFound, readPermission }: Config) {
  const schema = query.extend({ as_of: asOfParam })
  const middleware = createMiddleware<AppEnv>(async (c, next) => {
    if (c.req.query('as_of') === undefined) return next()
    const config = authConfig(c.env)
    if (!config) throw new Error('Auth0 is not configured')
    // requirePermission verified this token a moment ago; its permissions are read again, and not counted twice.
    const { permissions } = await verifyToken(bearerToken(c.req.header('Authorization')), config)
    if (!Array.isArray(permissions) || !permissions.includes(HISTORY)) throw forbidden('Permission not found.', HISTORY)
    const parsed = schema.safeParse(c.req.query())
    if (!parsed.success) throw new ApiError(400, parsed.error.issues[0]?.message ?? AS_OF_RULE)
    const raw = c.req.param('id') ?? ''
    const id = pathId.safeParse(raw)
    if (!id.success) throw notFound(raw)
    const { as_of: moment, include } = parsed.data as { as_of: string; include?: string }
    if (Date.parse(moment) < Date.now() - retentionDays(c.env) * DAY_MS) throw new ApiError(410, PAST_RETENTION)
    const row = await readAsOf(c.var.db, resource, id.data, moment, embed && include === embed.name ? embed : undefined)
    if (!row) throw notFound(id.data)
    return c.json({ success: true, [resource.one]: row, as_of: moment })
  })
  return answers(documented(middleware, 'query', z.object({ as_of: asOfParam.optional() })), [
    { status: 400, description: `\`as_of\` is not a past RFC 3339 date-time (\`${AS_OF_RULE}\`).` },
    {
      status: 403,
      description: `With \`as_of\`, the token does not also carry \`${HISTORY}\`.`,
      headers: {
        'WWW-Authenticate': `\`Bearer error="insufficient_scope", scope="${readPermission}"\`, or \`scope="${HISTORY}"\` with \`as_of\``,
      },
    },
    { status: 404, description: `With \`as_of\`: the ${resource.one} did not exist then (not yet created, or deleted).` },
    { status: 410, description: `\`as_of\` is older than \`HISTORY_RETENTION_DAYS\` (\`${PAST_RETENTION}\`).` },
  ])
}

/**
 * `asOf` for a declared resource: with `include`, the resources on the other
 * side of its castings, as they stood then (none for a resource without castings).
 */
export function asOfRead(resource: DeclaredResource) {
  const own = castingSides.find((side) => side.key.name === resource.key)
  const other = resources.find((candidate) => own && candidate !== resource && castingSides.some((side) => side.key.name === candidate.key))
  return asOf({
    resource,
    query: resource.getQuery as z.ZodObject,
    embed: other ? { name: resource.include.name, other } : undefined,
    notFound: resource.notFound,
    readPermission: resource.permissions.read,
  })
}
