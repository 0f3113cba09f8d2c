import type { MiddlewareHandler, ValidationTargets } from 'hono'
import { type DescribeRouteOptions, describeRoute, resolver, uniqueSymbol } from 'hono-openapi'
import type { z } from 'zod'
import { errorSchema } from './schemas/common'

// The OpenAPI document is read off the app: each route's validators, its
// permission and one description. Nothing about a route is written twice.

/** Marks a validator middleware with the schema it validates, for the document. */
export function documented<M extends MiddlewareHandler>(middleware: M, target: keyof ValidationTargets, schema: z.ZodType): M {
  return Object.assign(middleware, { [uniqueSymbol]: { target, ...resolver(schema) } })
}

/** Marks a middleware with a piece of the operation it guards (security, responses). */
export function withSpec<M extends MiddlewareHandler>(
  middleware: M,
  spec: DescribeRouteOptions & { [extension: `x-${string}`]: unknown },
): M {
  return Object.assign(middleware, { [uniqueSymbol]: { spec } })
}

export const json = (schema: z.ZodType) => ({ 'application/json': { schema: resolver(schema) } })

/** Error responses in the envelope, by status. */
export const errorResponses = (descriptions: Record<number, string>) =>
  Object.fromEntries(Object.entries(descriptions).map(([status, description]) => [status, { description, content: json(errorSchema) }]))

type Success = { status: number; description: string; schema?: z.ZodType }
type Operation = {
  tag: string
  summary: string
  description?: string
  success: Success | Success[]
  errors?: Record<number, string>
}

/** One route's description: what it answers when it works and when it does not. */
export const operation = ({ tag, summary, description, success, errors = {} }: Operation) =>
  describeRoute({
    tags: [tag],
    summary,
    description,
    responses: {
      ...Object.fromEntries(
        [success].flat().map(({ status, description, schema }) => [status, { description, ...(schema ? { content: json(schema) } : {}) }]),
      ),
      ...errorResponses(errors),
    },
  })
