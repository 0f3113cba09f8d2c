import { etag, RETAINED_304_HEADERS } from 'hono/etag'
import { ApiError, nothingToUpdate } from './errors'

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

export const matches = (ifMatch: IfMatch, current: string) => !ifMatch || ifMatch.any || ifMatch.tags.includes(current)

/** The `ETag` header for a row's content hash. */
export const etagHeader = (hash: string) => ({ ETag: `"${hash}"` })

export const preconditionFailed = () => new ApiError(412, 'resource has changed; fetch it again and retry.')

/**
 * Why a conditional UPDATE wrote nothing, from the row's current ETag: no
 * such row (404), a stale If-Match (412), or nothing to change (422).
 */
export function whyNotUpdated(current: string | undefined, ifMatch: IfMatch, notFound: () => ApiError): ApiError {
  if (current === undefined) return notFound()
  return matches(ifMatch, current) ? nothingToUpdate() : preconditionFailed()
}

/**
 * hono's ETag middleware: it keeps our ETag and answers 304 for a matching
 * If-None-Match. A 304 keeps only the headers listed; a cross-origin client
 * needs the CORS ones on it as much as on the 200.
 */
export const notModified = () =>
  etag({
    retainedHeaders: [
      ...RETAINED_304_HEADERS,
      'x-request-id',
      'access-control-allow-origin',
      'access-control-allow-credentials',
      'access-control-expose-headers',
    ],
  })
