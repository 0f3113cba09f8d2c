import { env, exports } from 'cloudflare:workers'
import { importJWK, type JWTPayload, SignJWT } from 'jose'
import { inject } from 'vitest'
import { ROLES, type Role } from '../src/auth/permissions'
import { type Database, databaseFor } from '../src/db/client'
import { actors, movies } from '../src/db/schema'
import type { Bindings } from '../src/env'
import { type Document, responseProblems } from './response-schemas'

export const bindings = env as unknown as Bindings
export const ISSUER = `https://${bindings.AUTH0_DOMAIN}/`
export const AUDIENCE = bindings.AUTH0_AUDIENCE

type RequestOptions = {
  method?: string
  token?: string
  /** An object is sent as JSON; a string as it is. */
  body?: unknown
  headers?: Record<string, string>
}

let document: Promise<Document> | undefined

/** /openapi.json, read once per isolate (test/setup.ts reads it before each file's tests, so no test sees that request). */
export function documentOfTheApi() {
  document ??= exports.default
    .fetch(new Request('https://api.test/openapi.json'))
    .then((response) => response.json() as Promise<Document>)
    .catch((error: unknown) => {
      document = undefined
      throw error
    })
  return document
}

/**
 * A request through the Worker's own fetch handler, as the runtime would make
 * it. A 2xx JSON body is checked against the response schema /openapi.json
 * documents for its route and status (test/response-schemas.ts): a key the
 * document lacks, or a required one missing, fails the test that received it.
 */
export async function fetchWorker(request: Request) {
  const response = await exports.default.fetch(request)
  const isJson = response.headers.get('Content-Type')?.startsWith('application/json')
  if (response.status >= 200 && response.status < 300 && isJson && request.method !== 'HEAD') {
    const body: unknown = await response.clone().json()
    const problems = responseProblems(await documentOfTheApi(), request.method, request.url, response.status, body)
    if (problems.length > 0) throw new Error(`the response differs from /openapi.json:\n  ${problems.join('\n  ')}`)
  }
  return response
}

/** A request through the Worker's own fetch handler, its 2xx JSON body checked against the document (`fetchWorker`). */
export function call(path: string, { method = 'GET', token, body, headers = {} }: RequestOptions = {}) {
  const init: RequestInit = { method, headers: { ...headers } }
  const h = init.headers as Record<string, string>
  if (token) h.Authorization = `Bearer ${token}`
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body)
    if (typeof body !== 'string' && !Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['Content-Type'] = 'application/json'
  }
  return fetchWorker(new Request(`https://api.test${path}`, init))
}

export async function callJson<T = Record<string, unknown>>(path: string, options?: RequestOptions) {
  const response = await call(path, options)
  return { response, status: response.status, body: (await response.json()) as T & Record<string, unknown> }
}

type TokenOptions = {
  permissions?: unknown
  claims?: JWTPayload
  header?: Record<string, unknown>
  expiresIn?: string | number
  key?: CryptoKey
  /** The `sub` claim; by default one of its own, `auth0|<role>-<random>`; null for none. */
  subject?: string | null
}

/**
 * A token signed with the key the test JWKS serves; a role name or explicit
 * permissions. Each token has a subject of its own unless told otherwise, so
 * that the suite as a whole never meets the per-subject rate limit.
 */
export async function tokenFor(role: Role | null, options: TokenOptions = {}) {
  const key = options.key ?? ((await importJWK(inject('signingKey'), 'RS256')) as CryptoKey)
  const permissions = 'permissions' in options ? options.permissions : role ? [...ROLES[role]] : []
  const payload: JWTPayload = permissions === undefined ? {} : { permissions }
  const jwt = new SignJWT({ ...payload, ...options.claims })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: inject('signingKey').kid, ...options.header })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
  if (options.subject !== null) jwt.setSubject(options.subject ?? `auth0|${role ?? 'nobody'}-${crypto.randomUUID()}`)
  jwt.setExpirationTime(options.expiresIn ?? '1h')
  return jwt.sign(key)
}

/** A producer's token, the role that may do everything: the usual caller of a test that is not about permissions. */
export const producer = () => tokenFor('producer')

/** Direct database access for arranging and inspecting data, outside the API (the Worker's own client). */
export async function withDb<T>(work: (db: Database) => Promise<T>): Promise<T> {
  return work(databaseFor(bindings))
}

/** Actors written straight to the database, outside the API; answers the rows as stored. */
export const insertActors = (values: (typeof actors.$inferInsert)[]) => withDb((db) => db.insert(actors).values(values).returning())

/** Movies written straight to the database, outside the API; answers the rows as stored. */
export const insertMovies = (values: (typeof movies.$inferInsert)[]) => withDb((db) => db.insert(movies).values(values).returning())

/**
 * Round trips and statements the SQL endpoint answered during `work`, as it
 * counts them. The test files run one at a time, so no other test's queries
 * are among them.
 */
export async function countedByEndpoint(work: () => Promise<unknown>) {
  const stats = () =>
    fetch(`${inject('servicesUrl')}/database-stats`, { method: 'POST' }).then(
      (r) => r.json() as Promise<{ requests: number; statements: number }>,
    )
  await stats()
  await work()
  return stats()
}

/**
 * How the SQL endpoint answers: normally, not at all (refused), never (hangs),
 * with a 503, with something that is not Neon's format, or too late (after committing).
 */
export async function setDatabase(mode: 'up' | 'down' | 'hang' | 'error' | 'garbled' | 'late') {
  const response = await fetch(`${inject('servicesUrl')}/database/${mode}`, { method: 'POST' })
  if (!response.ok) throw new Error(`database ${mode}: ${response.status}`)
}
