import type { Context, Hono, MiddlewareHandler, ValidationTargets } from 'hono'
import { findTargetHandler } from 'hono/utils/handler'
import { type DescribeRouteOptions, describeRoute, type GenerateSpecOptions, generateSpecs, resolver, uniqueSymbol } from 'hono-openapi'
import type * as z from 'zod'
import type { AppEnv } from './env.ts'
import { errorSchema } from './schemas/common.ts'

// The OpenAPI document is read off the app: each route's validators, its
// permission and one description. Nothing about a route is written twice:
// a status comes into the document from the middleware or helper that answers it.

/** Marks a validator middleware with the schema it validates, for the document. */
export function documented<M extends MiddlewareHandler>(middleware: M, target: keyof ValidationTargets, schema: z.ZodType): M {
  return Object.assign(middleware, { [uniqueSymbol]: { target, ...resolver(schema) } })
}

/** Marks a middleware with a piece of the operation it guards (security, permission), and the statuses it answers. */
export function withSpec<M extends MiddlewareHandler>(
  middleware: M,
  spec: DescribeRouteOptions & { [extension: `x-${string}`]: unknown },
  answered: readonly Answer[] = [],
): M {
  return answers(Object.assign(middleware, { [uniqueSymbol]: { spec } }), answered)
}

/** A status that a middleware answers with, as the document shows it. */
export type Answer = {
  status: number
  description: string
  /** Headers it carries, by name, each with what it means; all of them are sent every time. */
  headers?: Record<string, string>
  /** No body at all (304); otherwise the error envelope. */
  empty?: boolean
}

const ANSWERS = Symbol('answers')
type Answering = { [ANSWERS]?: readonly Answer[] }

/**
 * Marks a middleware with the statuses it answers. Every operation it guards
 * documents them (a middleware mounted with `app.use(path, …)`: every
 * operation under that path). This sits beside hono-openapi's own marker, so
 * a validator can document both its input and its errors.
 */
export function answers<M extends MiddlewareHandler>(middleware: M, list: readonly Answer[]): M {
  return Object.assign(middleware, { [ANSWERS]: list })
}

const json = (schema: z.ZodType) => ({ 'application/json': { schema: resolver(schema) } })

/** A body or an answer that is text of some media type (CSV), as the document shows it: a string, described, with an example. */
export type TextMedia = { description: string; example: string }
const textContent = (media: Record<string, TextMedia>) =>
  Object.fromEntries(
    Object.entries(media).map(([type, { description, example }]) => [type, { schema: { type: 'string' as const, description }, example }]),
  )

/**
 * Marks a body validator with its schema, and whether the body may be absent
 * (hono-openapi's own marker always says required); `media`: the other types
 * it reads (`text/csv`), each as text.
 */
export function documentedBody<M extends MiddlewareHandler>(
  middleware: M,
  schema: z.ZodType,
  { required, media = {} }: { required: boolean; media?: Record<string, TextMedia> },
): M {
  return Object.assign(middleware, {
    [uniqueSymbol]: { spec: { requestBody: { required, content: { ...json(schema), ...textContent(media) } } } },
  })
}

/** The statuses a middleware marked with `answers` answers: a middleware that wraps another documents them as its own. */
export const answeredBy = (middleware: MiddlewareHandler): readonly Answer[] => (middleware as Answering)[ANSWERS] ?? []

const ERROR_REF = { $ref: '#/components/schemas/ErrorEnvelope' }

type Success = {
  status: number
  description: string
  /** The JSON body; or, with `media`, none: the body is text of that type (HTML, a script). */
  schema?: z.ZodType
  media?: string
  /** Besides the JSON body, the same answer as text of other types, chosen by `Accept` (`text/csv`: API.md D3). */
  alternatives?: Record<string, TextMedia>
  headers?: Record<string, Header>
}
type Operation = {
  /**
   * The operation's name in the document, and so the method name of a client
   * generated from it: a verb and the resource (`listActors`, `castActor`).
   * Part of the API: keep it stable (test/openapi.test.ts lists them all).
   */
  operationId: string
  tag: string
  summary: string
  description?: string
  success: Success | Success[]
  /** What the handler itself throws (not its middleware), by status. */
  errors?: Record<number, string>
}

/** A response header: what it means; sent every time unless `optional` (sent only where its description says). */
type Header = string | { description: string; optional: true }

const headerObjects = (headers: Record<string, Header> = {}) =>
  Object.fromEntries(
    Object.entries(headers).map(([name, header]) => [
      name,
      typeof header === 'string'
        ? { description: header, required: true, schema: { type: 'string' as const } }
        : { description: header.description, required: false, schema: { type: 'string' as const } },
    ]),
  )

/** A success answer as the document shows it: its headers, and its body (JSON, or text of a media type). */
const successResponse = ({ description, headers, schema, media, alternatives = {} }: Success) => ({
  description,
  ...(headers ? { headers: headerObjects(headers) } : {}),
  ...(media
    ? { content: { [media]: { schema: { type: 'string' as const } } } }
    : schema
      ? { content: { ...json(schema), ...textContent(alternatives) } }
      : {}),
})

/** One route's description: its name, and what its handler answers when it works and when it does not. */
export const operation = ({ operationId, tag, summary, description, success, errors = {} }: Operation) =>
  answers(
    describeRoute({
      operationId,
      tags: [tag],
      summary,
      description,
      responses: Object.fromEntries([success].flat().map((answer) => [answer.status, successResponse(answer)])),
    }),
    Object.entries(errors).map(([status, description]) => ({ status: Number(status), description })),
  )

type ResponseObject = { description: string; headers?: Record<string, unknown>; content?: unknown }
type OperationObject = { description?: string; 'x-permission'?: string; responses?: Record<string, ResponseObject> }
export type Document = { paths: Record<string, Record<string, OperationObject>>; components?: { schemas?: Record<string, unknown> } }
type Route = { method: string; path: string; handler: unknown }

const toOpenAPIPath = (path: string) => path.replace(/:([^/{?]+)/g, '{$1}')

/** Whether a middleware registered at `route` runs for `target`, an operation's own route. */
function covers(route: Route, target: Route): boolean {
  if (route.method !== 'ALL') return route.method === target.method && route.path === target.path
  if (!route.path.endsWith('/*')) return route.path === target.path
  const prefix = route.path.slice(0, -2)
  return target.path === prefix || target.path.startsWith(`${prefix}/`)
}

/** Adds one answer to an operation; answers sharing a status share one response, their descriptions joined. */
function addAnswer(operation: OperationObject, { status, description, headers, empty }: Answer) {
  operation.responses ??= {}
  const responses = operation.responses
  const existing = responses[status]
  if (existing?.description.includes(description)) return
  responses[status] = {
    ...existing,
    description: existing ? `${existing.description} ${description}` : description,
    ...(headers || existing?.headers ? { headers: { ...existing?.headers, ...headerObjects(headers) } } : {}),
    ...(empty ? {} : { content: { 'application/json': { schema: ERROR_REF } } }),
  }
}

const byStatus = (responses: Record<string, ResponseObject>) =>
  Object.fromEntries(Object.entries(responses).sort(([a], [b]) => Number(a) - Number(b)))

/**
 * hono-openapi's document, plus every status each route's middleware answers,
 * and the permission in each protected operation's description (hono-openapi
 * keeps one description per operation: the route's).
 */
async function completeDocument(routes: readonly Route[], document: Document): Promise<Document> {
  const operations = new Map<string, Route>()
  for (const route of routes) if (route.method !== 'ALL') operations.set(`${route.method} ${route.path}`, route)
  for (const route of routes) {
    const list = (findTargetHandler(route.handler as MiddlewareHandler) as Answering)[ANSWERS]
    if (!list) continue
    for (const target of operations.values()) {
      const operation = covers(route, target) && document.paths[toOpenAPIPath(target.path)]?.[target.method.toLowerCase()]
      if (operation) for (const answer of list) addAnswer(operation, answer)
    }
  }
  for (const methods of Object.values(document.paths)) {
    for (const operation of Object.values(methods)) {
      if (operation.responses) operation.responses = byStatus(operation.responses)
      const permission = operation['x-permission'] && `Requires the permission \`${operation['x-permission']}\`.`
      if (permission) operation.description = [operation.description, permission].filter(Boolean).join('\n\n')
    }
  }
  // The envelope every error answer refers to, as hono-openapi registers a schema.
  const { components } = await resolver(errorSchema).toOpenAPISchema()
  const schemas = { ...components?.schemas, ...document.components?.schemas }
  return { ...document, components: { ...document.components, schemas } }
}

/** The document of `app`: hono-openapi's, completed with every status each route's middleware answers. */
export async function generateDocument(app: Hono<AppEnv>, options: Partial<GenerateSpecOptions>): Promise<Document> {
  return completeDocument(app.routes, (await generateSpecs(app, options)) as unknown as Document)
}

/**
 * GET handler for a document loaded once, on the first request (again after a
 * failure). Its `servers` is the deployment's origin: `PUBLIC_ORIGIN` if set,
 * else the origin this request reached, so a client generated from a
 * deployment's document calls that deployment (a relative `/` fails outside a browser).
 */
const serveDocument = (load: (c: Context<AppEnv>) => Promise<Document>) => {
  let document: Promise<Document> | undefined
  return async (c: Context<AppEnv>) => {
    document ??= load(c)
    try {
      const url = c.env.PUBLIC_ORIGIN?.trim().replace(/\/+$/, '') || new URL(c.req.url).origin
      return c.json({ ...(await document), servers: [{ url, description: 'This deployment.' }] })
    } catch (error) {
      document = undefined // the next request tries again
      throw error
    }
  }
}

/** GET handler for the document of `app`, generated on the first request. */
export const openAPIDocument = (app: Hono<AppEnv>, options: Partial<GenerateSpecOptions>) =>
  serveDocument(() => generateDocument(app, options))

/**
 * GET handler for the document written at build time (`generateDocument`, by
 * scripts/assets.ts), read from the static assets at `path`: the Worker's
 * bundle holds neither the generator nor the JSON Schema converter.
 */
export const builtDocument = (path: string) =>
  serveDocument(async (c) => {
    const asset = await c.env.ASSETS.fetch(new URL(path, c.req.url))
    if (!asset.ok) throw new Error(`the OpenAPI document is not among the static assets (${path}: ${asset.status}); the build writes it`)
    return asset.json()
  })
