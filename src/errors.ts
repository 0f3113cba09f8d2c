import { NeonDbError } from '@neondatabase/serverless'
import { DrizzleQueryError } from 'drizzle-orm/errors'
import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/**
 * The one error type. Handlers and middleware throw it; `onError` turns it
 * into the envelope of API.md section 2, with any headers it carries
 * (`WWW-Authenticate`, `Allow`, `Retry-After`).
 */
export class ApiError extends HTTPException {
  readonly headers: Record<string, string>

  constructor(status: ContentfulStatusCode, message: string, options: { headers?: Record<string, string>; cause?: unknown } = {}) {
    super(status, { message, cause: options.cause })
    this.headers = options.headers ?? {}
  }
}

export const INVALID_JSON_BODY = 'request does not contain a valid JSON body.'

/** What clients may retry after a 503, in seconds. */
const RETRY_AFTER = '5'

export const databaseUnavailable = (cause?: unknown) =>
  new ApiError(503, 'database unavailable.', { headers: { 'Retry-After': RETRY_AFTER }, cause })

export const authServiceUnavailable = (cause?: unknown) =>
  new ApiError(503, 'authentication service unavailable.', { headers: { 'Retry-After': RETRY_AFTER }, cause })

export function envelope(c: Context, status: ContentfulStatusCode, message: string, headers: Record<string, string> = {}) {
  return c.json({ success: false, error: status, message }, status, headers)
}

// SQLSTATE classes that mean the server is unreachable, overloaded or shutting
// down, not that our statement was wrong: 08 connection, 53 resources,
// 57 operator intervention (includes statement timeouts), 58 system error.
const UNAVAILABLE_SQLSTATE = /^(08|53|57|58)/

/**
 * Whether an error means "the database did not answer". Drizzle wraps a failed
 * statement in a DrizzleQueryError (a batch fails with the driver's own
 * NeonDbError). A SQLSTATE means the server answered; none means the endpoint
 * was refused, failed, timed out or answered something that is not Neon's
 * format.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof DrizzleQueryError || error instanceof NeonDbError)) return false
  const sqlState = sqlStateOf(error)
  return sqlState === undefined || UNAVAILABLE_SQLSTATE.test(sqlState)
}

/** The SQLSTATE of a failed statement, if the server answered one. */
export function sqlStateOf(error: unknown): string | undefined {
  const failure = error instanceof DrizzleQueryError ? error.cause : error
  const code = (failure as { code?: unknown } | undefined)?.code
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined
}

/** An error as one line for the log; the driver's socket errors are events with a message, not Errors. */
export function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`
  const message = (error as { message?: unknown } | null)?.message
  return typeof message === 'string' ? message : String(error)
}

/** Maps what hono itself throws (body parsing, body limit) to the contract's words. */
export function messageFor(error: HTTPException): string {
  if (error instanceof ApiError) return error.message
  if (error.status === 400) return INVALID_JSON_BODY
  if (error.status === 413) return 'request body too large.'
  if (error.status === 401) return 'Authorization header is expected.'
  return error.status >= 500 ? 'internal server error' : 'resource not found'
}

/** 404s for a resource id that names nothing (API.md Part A). */
export const actorNotFound = (id: string | number) => new ApiError(404, `Actor with id ${id} not found in database.`)
export const movieNotFound = (id: string | number) => new ApiError(404, `Movie with id ${id} not found in database.`)

/** PATCH whose values are all already set (the original's 422). */
export const nothingToUpdate = () => new ApiError(422, 'provided field values are already set. No update needed.')
