import type { Context, Env, Hono, MiddlewareHandler, ValidationTargets } from 'hono'
import { findTargetHandler } from 'hono/utils/handler'
import { type DescribeRouteOptions, describeRoute, type GenerateSpecOptions, generateSpecs, resolver, uniqueSymbol } from 'hono-openapi'
import type * as z from 'zod'
import { errorSchema } from './schemas/common'

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

const ERROR_REF = { $ref: '#/components/schemas/Error' }

/** A header by name: what it means; one not sent every time (`Location` on a bulk create) says so. */
type HeaderSpec = string | { description: string; optional: true }
type Success = { status: number; description: string; schema?: z.ZodType; headers?: Record<string, HeaderSpec> }
type Operation = {
  tag: string
  summary: string
  description?: string
  success: Success | Success[]
  /** What the handler itself throws (not its middleware), by status. */
  errors?: Record<number, string>
}

const headerObjects = (headers: Record<string, HeaderSpec> = {}) =>
  Object.fromEntries(
    Object.entries(headers).map(([name, spec]) => [
      name,
      typeof spec === 'string'
        ? { description: spec, required: true, schema: { type: 'string' as const } }
        : { description: spec.description, required: false, schema: { type: 'string' as const } },
    ]),
  )

/** One route's description: what its handler answers when it works and when it does not. */
export const operation = ({ tag, summary, description, success, errors = {} }: Operation) =>
  answers(
    describeRoute({
      tags: [tag],
      summary,
      description,
      responses: Object.fromEntries(
        [success]
          .flat()
          .map(({ status, description, schema, headers }) => [
            status,
            { description, ...(headers ? { headers: headerObjects(headers) } : {}), ...(schema ? { content: json(schema) } : {}) },
          ]),
      ),
    }),
    Object.entries(errors).map(([status, description]) => ({ status: Number(status), description })),
  )

type ResponseObject = { description: string; headers?: Record<string, unknown>; content?: unknown }
type OperationObject = { description?: string; 'x-permission'?: string; responses?: Record<string, ResponseObject> }
type Document = { paths: Record<string, Record<string, OperationObject>>; components?: { schemas?: Record<string, unknown> } }
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

/** GET handler for the document of `app`, built once, on the first request. */
export const openAPIDocument = <E extends Env>(app: Hono<E>, options: Partial<GenerateSpecOptions>) => {
  let document: Promise<Document> | undefined
  return async (c: Context<E>) => {
    document ??= generateSpecs(app, options, c).then((generated) => completeDocument(app.routes, generated as unknown as Document))
    try {
      return c.json(await document)
    } catch (error) {
      document = undefined // the next request tries again
      throw error
    }
  }
}
