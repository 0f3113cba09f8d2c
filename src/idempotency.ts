import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import * as z from 'zod'
import { writtenBy } from './db/recorded.ts'
import type { AppEnv } from './env.ts'
import { ApiError, constraintOf, sqlStateOf } from './errors.ts'
import { answers, documented } from './openapi.ts'
import { type CreateOutcome, createStatements, type StoredKey, storedResponse } from './queries/creates.ts'
import type { Resource } from './queries/resources.ts'
import { refusal } from './queries/violations.ts'

const INVALID_KEY = 'Idempotency-Key must be 1 to 255 visible ASCII characters.'
const NO_SUBJECT = 'Idempotency-Key needs a token with a subject.'
/** 1 to 255 visible ASCII characters. */
const KEY = /^[\x21-\x7e]{1,255}$/

/** The key an `Idempotency-Key` header names: a value in double quotes names the same key as without them. */
function parseKey(header: string) {
  const unquoted = header.length >= 2 && header.startsWith('"') && header.endsWith('"') ? header.slice(1, -1) : header
  return KEY.test(unquoted) ? unquoted : undefined
}

const keyHeader = z.object({
  'Idempotency-Key': z.string().optional().meta({
    description:
      'Makes the create safe to retry: 1 to 255 visible ASCII characters (double quotes around it are ignored), kept for 24 hours per token subject. The same key with the same method, path and body answers the stored response again, with `Idempotent-Replayed: true`, and writes nothing.',
    example: '3f0c2a9e-5b1d-4c8e-9a77-2f6b1d0e4c11',
  }),
})

/**
 * Reads `Idempotency-Key` (request syntax: 400), for a create; the create
 * finds it on `c.var.idempotencyKey`.
 * @see https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/
 */
export const idempotencyKey = answers(
  documented(
    createMiddleware<AppEnv>(async (c, next) => {
      const header = c.req.header('Idempotency-Key')
      if (header !== undefined) {
        const key = parseKey(header)
        if (key === undefined) throw new ApiError(400, INVALID_KEY)
        // Keys belong to a subject (API.md C3): without one, every such client would share one namespace.
        if (!c.var.subject) throw new ApiError(400, NO_SUBJECT)
        c.set('idempotencyKey', key)
      }
      await next()
    }),
    'header',
    keyHeader,
  ),
  [
    { status: 400, description: `\`Idempotency-Key\` is malformed (\`${INVALID_KEY}\`), or the token has no subject (\`${NO_SUBJECT}\`).` },
    {
      status: 409,
      description: 'A request with this `Idempotency-Key` is still in progress; retry after `Retry-After`.',
      headers: { 'Retry-After': 'Seconds to wait before retrying.' },
    },
    { status: 422, description: 'The `Idempotency-Key` was used for a different request (method, path or body).' },
  ],
)

/** The response header of a replay, as a create documents it. */
export const REPLAYED = {
  description: '`true` when this is the stored response of an earlier request with the same `Idempotency-Key`; absent otherwise.',
  optional: true,
} as const

const keyReused = () => new ApiError(422, 'Idempotency-Key was used for a different request.')
const keyInProgress = () => new ApiError(409, 'a request with this Idempotency-Key is in progress.', { headers: { 'Retry-After': '1' } })

/** SHA-256 of what makes two requests the same: method, path and the exact body bytes. */
async function fingerprintOf(c: Context<AppEnv>) {
  const bytes = new TextEncoder().encode(`${c.req.method} ${c.req.path}\n${await c.req.text()}`)
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('')
}

/**
 * Creates `items` of `resource` and answers the response the database built
 * (201, with Location for `one`): one round trip, with the history's context
 * and, under an Idempotency-Key, the stored response in the same transaction.
 * A live key answers its stored response again, or 422 for another request; a
 * create that lost the race for its key reads the winner's (a second round
 * trip). A value a constraint refuses answers as `refusal` says.
 */
export async function createAndAnswer(c: Context<AppEnv>, resource: Resource, items: Record<string, unknown>[], one: boolean) {
  const name = c.var.idempotencyKey
  const key: StoredKey | undefined =
    name === undefined ? undefined : { subject: c.var.subject ?? '', key: name, fingerprint: await fingerprintOf(c) }
  let outcome: CreateOutcome | undefined
  try {
    const statements = createStatements(c.var.db, writtenBy(c), resource, items, one, key)
    const results = statements.length === 1 ? [await statements[0]] : await c.var.db.batch(statements)
    outcome = (results.at(-1) as { rows: CreateOutcome[] }).rows[0]
  } catch (error) {
    // Another request with this key is still running (it holds the key's claim), or committed first.
    if (key && sqlStateOf(error) === '55P03') throw keyInProgress()
    if (!key || constraintOf(error) !== 'idempotency_keys_subject_key_pk') throw refusal(error, resource)
    outcome = await storedResponse(c.var.db, key)
    if (!outcome) throw keyInProgress()
  }
  if (!outcome) throw new Error('a create answered no row')
  if (outcome.replayed && outcome.fingerprint !== key?.fingerprint) throw keyReused()
  const headers: Record<string, string> = {}
  if (outcome.location) headers.Location = outcome.location
  if (outcome.replayed) headers['Idempotent-Replayed'] = 'true'
  return { body: outcome.body, status: outcome.status, headers }
}
