import type { MiddlewareHandler } from 'hono'
import { etag, RETAINED_304_HEADERS } from 'hono/etag'
import { createMiddleware } from 'hono/factory'
import * as z from 'zod'
import type { AppEnv } from './env.ts'
import { ApiError } from './errors.ts'
import { answers, documented } from './openapi.ts'

/**
 * What an `If-Match` header asks: any current representation (`*`), one of
 * some strong entity-tags, or nothing. Weak tags never match under the strong
 * comparison that If-Match requires, so they are dropped.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-13.1.1
 */
export type IfMatch = { any: true } | { any: false; tags: string[] } | undefined

/** API.md, "Conditional requests": the bound on what one If-Match may ask of the database. */
const MAX_IF_MATCH_TAGS = 16
const MAX_IF_MATCH_BYTES = 2048
const TOO_MANY_TAGS = `If-Match must name at most ${MAX_IF_MATCH_TAGS} entity-tags.`

// A list member: an entity-tag (its quotes may hold a comma), or whatever else stands between commas.
const MEMBER = /(?:W\/)?"[^"]*"|[^,\s][^,]*/g
const STRONG_TAG = /^"([\x21\x23-\x7e\x80-\xff]*)"$/

const membersOf = (header: string) => header.match(MEMBER)?.map((member) => member.trim()) ?? []

function parseIfMatch(header: string): IfMatch {
  if (header.trim() === '*') return { any: true }
  const tags = membersOf(header)
    .map((member) => STRONG_TAG.exec(member)?.[1])
    .filter((tag): tag is string => tag !== undefined)
  return { any: false, tags }
}

/**
 * The `If-Match` request header, bounded so that no header makes a large
 * statement: a request-syntax error (400), like a bad query string. Headers
 * are read before the body, so a bad one is refused without reading it.
 */
const ifMatchHeaders = z.object({
  'If-Match': z
    .string()
    .max(MAX_IF_MATCH_BYTES, { error: TOO_MANY_TAGS })
    .refine((header) => membersOf(header).length <= MAX_IF_MATCH_TAGS, { error: TOO_MANY_TAGS })
    .transform(parseIfMatch)
    .optional()
    .meta({
      description: `Write only if the resource's current \`ETag\` is one of these (at most ${MAX_IF_MATCH_TAGS}, in at most ${MAX_IF_MATCH_BYTES / 1024} KiB), or \`*\`; otherwise 412.`,
    }),
})

const matches = (ifMatch: IfMatch, current: string) => !ifMatch || ifMatch.any || ifMatch.tags.includes(current)

/** The `ETag` header for a row's content hash. */
export const etagHeader = (hash: string) => ({ ETag: `"${hash}"` })

const preconditionFailed = () => new ApiError(412, 'resource has changed; fetch it again and retry.')

/**
 * Reads `If-Match` once, for a PATCH or DELETE, before the body: a header over
 * the bound answers 400; the handler finds the rest on `c.var.ifMatch`, and a
 * write it stops answers 412 (`whyNothingWritten`).
 */
export const ifMatch = answers(
  documented(
    createMiddleware<AppEnv>(async (c, next) => {
      const header = ifMatchHeaders.safeParse({ 'If-Match': c.req.header('If-Match') })
      if (!header.success) throw new ApiError(400, TOO_MANY_TAGS)
      c.set('ifMatch', header.data['If-Match'])
      await next()
    }),
    'header',
    ifMatchHeaders,
  ),
  [
    {
      status: 400,
      description: `\`If-Match\` names more than ${MAX_IF_MATCH_TAGS} entity-tags, or is over ${MAX_IF_MATCH_BYTES / 1024} KiB (\`${TOO_MANY_TAGS}\`).`,
    },
    { status: 412, description: 'With `If-Match`: the resource changed since that ETag; nothing was written.' },
  ],
)

/**
 * Why a conditional write (UPDATE or DELETE) wrote nothing, from the row's
 * current ETag: no such row (`notFound`), a stale If-Match (412), or else
 * `otherwise`: for an update, nothing to change (422); for a delete, the row
 * changed between the two statements (412).
 */
export function whyNothingWritten(current: string | undefined, ifMatch: IfMatch, notFound: ApiError, otherwise = preconditionFailed()) {
  if (current === undefined) return notFound
  return matches(ifMatch, current) ? otherwise : preconditionFailed()
}

/** What a 304 answers to, for the document only: hono's middleware (or the static assets) parse the header themselves. */
const ifNoneMatchHeaders = z.object({
  'If-None-Match': z.string().optional().meta({
    description: "`ETag`s this client holds, comma-separated: if the resource's current one is among them, 304 with no body.",
  }),
})

/** Documents `If-None-Match` on a middleware or handler that answers it with 304. */
export const readsIfNoneMatch = <M extends MiddlewareHandler<AppEnv>>(middleware: M) => documented(middleware, 'header', ifNoneMatchHeaders)

/**
 * hono's ETag middleware: it keeps our ETag and answers 304 for a matching
 * If-None-Match. A 304 keeps only the headers listed; a cross-origin client
 * needs the CORS ones on it as much as on the 200.
 */
export const notModified = () =>
  answers(
    readsIfNoneMatch(
      etag({
        retainedHeaders: [
          ...RETAINED_304_HEADERS,
          'x-request-id',
          'access-control-allow-origin',
          'access-control-allow-credentials',
          'access-control-expose-headers',
        ],
      }),
    ),
    [{ status: 304, description: '`If-None-Match` names the current ETag; no body.', headers: { ETag: 'The current ETag.' }, empty: true }],
  )
