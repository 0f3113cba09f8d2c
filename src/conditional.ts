import { etag, RETAINED_304_HEADERS } from 'hono/etag'
import { createMiddleware } from 'hono/factory'
import type { AppEnv } from './env'
import { ApiError } from './errors'
import { answers } from './openapi'

/**
 * What an `If-Match` header asks: any current representation (`*`), one of
 * some strong entity-tags, or nothing. Weak tags never match under the strong
 * comparison that If-Match requires, so they are dropped.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-13.1.1
 */
export type IfMatch = { any: true } | { any: false; tags: string[] } | undefined

export function parseIfMatch(header: string | undefined): IfMatch {
  if (header === undefined) return undefined
  if (header.trim() === '*') return { any: true }
  const tags = header
    .split(',')
    .map((tag) => /^\s*"([\x21\x23-\x7e]*)"\s*$/.exec(tag)?.[1])
    .filter((tag): tag is string => tag !== undefined)
  return { any: false, tags }
}

const matches = (ifMatch: IfMatch, current: string) => !ifMatch || ifMatch.any || ifMatch.tags.includes(current)

/** The `ETag` header for a row's content hash. */
export const etagHeader = (hash: string) => ({ ETag: `"${hash}"` })

const preconditionFailed = () => new ApiError(412, 'resource has changed; fetch it again and retry.')

/**
 * Reads `If-Match` once, for a PATCH or DELETE: the handler finds it on
 * `c.var.ifMatch`, and a write it stops answers 412 (`whyNothingWritten`).
 */
export const ifMatch = answers(
  createMiddleware<AppEnv>(async (c, next) => {
    c.set('ifMatch', parseIfMatch(c.req.header('If-Match')))
    await next()
  }),
  [
    { status: 412, description: 'With `If-Match`: the resource changed since that ETag; nothing was written.' },
    // TODO(issue 10): { status: 400, description: '`If-Match` names more than 16 entity-tags, or is over 2 KiB.' },
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

/**
 * hono's ETag middleware: it keeps our ETag and answers 304 for a matching
 * If-None-Match. A 304 keeps only the headers listed; a cross-origin client
 * needs the CORS ones on it as much as on the 200.
 */
export const notModified = () =>
  answers(
    etag({
      retainedHeaders: [
        ...RETAINED_304_HEADERS,
        'x-request-id',
        'access-control-allow-origin',
        'access-control-allow-credentials',
        'access-control-expose-headers',
      ],
    }),
    [{ status: 304, description: '`If-None-Match` names the current ETag; no body.', headers: { ETag: 'The current ETag.' }, empty: true }],
  )
