import { DrizzleQueryError } from 'drizzle-orm/errors'
import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { errors as joseErrors } from 'jose'
import { NeonDbError } from './db/neon-http.ts'

/** V8's Error: how many frames a new Error captures. */
const V8Error = Error as ErrorConstructor & { stackTraceLimit?: number }

/**
 * The one error type. Handlers and middleware throw it; `onError` turns it
 * into the envelope of API.md section 2, with any headers it carries
 * (`WWW-Authenticate`, `Allow`, `Retry-After`).
 */
export class ApiError extends HTTPException {
  readonly headers: Record<string, string>

  constructor(status: ContentfulStatusCode, message: string, options: { headers?: Record<string, string>; cause?: unknown } = {}) {
    // No stack: an answer's stack is never logged (loggable()), and V8 captures one in every Error, each 4xx included.
    const limit = V8Error.stackTraceLimit
    V8Error.stackTraceLimit = 0
    super(status, { message, cause: options.cause })
    V8Error.stackTraceLimit = limit
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
// And a transaction refused for contention, still refused once the client's
// retries ran out (40001, src/db/client.ts) or chosen as a deadlock's victim
// (40P01): nothing was written, and the same request later can succeed.
const UNAVAILABLE_SQLSTATE = /^(08|53|57|58|40001|40P01)/

/**
 * Whether an error means "the database did not answer". Drizzle wraps a failed
 * statement in a DrizzleQueryError (a batch fails with the driver's own
 * NeonDbError, src/db/neon-http.ts). A SQLSTATE means the server answered; none means the endpoint
 * was refused, failed, timed out or answered something that is not Neon's
 * format.
 */
function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof DrizzleQueryError || error instanceof NeonDbError)) return false
  // An answer over Neon's 10 MiB (HTTP 507) is no outage: every route is bounded, so it is a bug, and a retry would fail alike.
  const failure = failureOf(error)
  if (failure instanceof NeonDbError && failure.status === 507) return false
  const sqlState = sqlStateOf(error)
  return sqlState === undefined || UNAVAILABLE_SQLSTATE.test(sqlState)
}

const stringField = (error: unknown, key: string) => {
  const value = (error as Record<string, unknown> | null)?.[key]
  return typeof value === 'string' ? value : undefined
}

/** The driver's error under drizzle's DrizzleQueryError, which wraps a failed statement (a batch fails with it bare). */
const failureOf = (error: unknown) => (error instanceof DrizzleQueryError ? error.cause : error)

/** The SQLSTATE of a failed statement, if the server answered one. */
export function sqlStateOf(error: unknown): string | undefined {
  const code = stringField(failureOf(error), 'code')
  return code !== undefined && /^[0-9A-Z]{5}$/.test(code) ? code : undefined
}

/** The constraint a failed statement violated, if the server named one. */
export const constraintOf = (error: unknown) => stringField(failureOf(error), 'constraint')

/** The server's detail of a failed statement (`Key (email)=(a@b.c) already exists.`): for answers, never for logs. */
export const detailOf = (error: unknown) => stringField(failureOf(error), 'detail')

/** How much of an error's message a log line keeps. */
const MAX_LOGGED_MESSAGE = 300

/** The first `max` characters (whole code points) of `text`, and `…` if there were more. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text
  // A code point is at most two code units: no need to split a 600 KB text to cut it.
  const chars = Array.from(text.slice(0, 2 * max + 2))
  return chars.length > max ? `${chars.slice(0, max).join('')}…` : text
}

/**
 * The kind of error a log line names. Not from its class's name: the deployed
 * bundle is minified without names (wrangler.toml, `keep_names`), where
 * DrizzleQueryError is `Ge`; and many errors leave `name` as "Error" (it does),
 * or set it from their class's name (jose's do), so those are named here.
 */
const nameOf = (error: unknown) => {
  if (typeof error !== 'object' || error === null) return typeof error
  if (error instanceof DrizzleQueryError) return 'DrizzleQueryError'
  if (error instanceof ApiError) return 'ApiError'
  if (error instanceof HTTPException) return 'HTTPException'
  if (error instanceof joseErrors.JOSEError) return error.code
  const { name } = error as { name?: unknown }
  return typeof name === 'string' ? name : 'Object'
}
// The driver's socket errors are events with a message, not Errors.
const messageOf = (error: unknown) => {
  const message = (error as { message?: unknown } | null)?.message
  return typeof message === 'string' ? message : String(error)
}

/**
 * What a log line may say about an error: its kind, the SQLSTATE and
 * constraint the server named, and a short message. Never a statement nor a
 * value: a failed query's own message is "Failed query: <sql> params:
 * <values>", so its cause, the driver's error, speaks for it; and the
 * driver's `detail` ("Key (name)=(Ada) already exists") stays out.
 */
export function loggable(error: unknown) {
  const query = error instanceof DrizzleQueryError
  const source = failureOf(error)
  return {
    error: nameOf(error),
    cause: query ? nameOf(source) : undefined,
    sqlState: stringField(source, 'code'),
    constraint: stringField(source, 'constraint'),
    message: cut(messageOf(source), MAX_LOGGED_MESSAGE),
    // Where an unexpected error came from. Not for our own errors, nor for a query, whose stack opens with its statement.
    stack: error instanceof Error && !query && !(error instanceof HTTPException) ? cut(error.stack ?? '', 1_000) : undefined,
  }
}

/**
 * Any error as the contract's answer (API.md section 2): our own as it is;
 * hono's malformed-JSON 400 in the contract's words; a database that does not
 * answer as 503; anything else as 500, whose details only the log may see.
 */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error
  if (isDatabaseUnavailable(error)) return databaseUnavailable(error)
  if (error instanceof HTTPException && error.status === 400) return new ApiError(400, INVALID_JSON_BODY, { cause: error })
  return new ApiError(500, 'internal server error', { cause: error })
}

/** A path id as a message may echo it: at most 64 characters, then `…` (API.md section 2). */
const echoed = (id: string | number) => cut(String(id), 64)

/** The 404 for an id of the resource `Name` that names nothing (API.md Part A): `Actor with id 5 not found in database.` */
export const notFoundIn = (Name: string, id: string | number) => new ApiError(404, `${Name} with id ${echoed(id)} not found in database.`)

/**
 * A list's page past its last (API.md D5: a 404, not an empty page): the
 * error with `message` (`no webhooks found.`), and the words the document
 * gives it, from the one message.
 */
export const emptyPage = (many: string, message: string) => ({
  message,
  error: () => new ApiError(404, message),
  errors: { 404: `No ${many} on this page (\`${message}\`).` },
})

/** PATCH whose values are all already set (the original's 422). */
export const nothingToUpdate = () => new ApiError(422, 'provided field values are already set. No update needed.')
