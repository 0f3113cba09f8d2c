import { zValidator } from '@hono/zod-validator'
import type { MiddlewareHandler, ValidationTargets } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { createMiddleware } from 'hono/factory'
import * as z from 'zod'
import { ApiError, INVALID_JSON_BODY } from './errors.ts'
import { type Answer, answers, documented, documentedBody } from './openapi.ts'
import { pathId } from './schemas/common.ts'

/** API.md section 2: larger bodies answer 413. */
const MAX_BODY_BYTES = 64 * 1024

type Issue = z.core.$ZodIssue

/**
 * The first problem, as the contract words it. Unknown fields come first (the
 * client is speaking another schema), then fields in the schema's order, which
 * is the order zod reports them in.
 */
function firstIssue(issues: readonly Issue[]): Issue {
  return issues.find((issue) => issue.code === 'unrecognized_keys') ?? (issues[0] as Issue)
}

function fromIssues(target: keyof ValidationTargets, issues: readonly Issue[]): ApiError {
  const issue = firstIssue(issues)
  if (target !== 'json') return new ApiError(400, issue.message) // query strings: a syntax error
  if (issue.code === 'unrecognized_keys') return new ApiError(422, `unexpected field: ${issue.keys[0]}.`)
  if (issue.path.length === 0) return new ApiError(400, INVALID_JSON_BODY) // not a JSON object
  return new ApiError(422, issue.message)
}

const isEmptyObject = (value: unknown) =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0

const bodyAnswers = (optional: boolean): Answer[] => [
  {
    status: 400,
    description: optional
      ? 'The body is not a JSON object, or its `Content-Type` is not JSON.'
      : 'The body is missing, not a JSON object, `{}`, or its `Content-Type` is not JSON.',
  },
  { status: 422, description: 'A field is missing, invalid or unknown; the message names it.' },
]
const queryAnswers: Answer[] = [{ status: 400, description: 'A query parameter is invalid; the message names it.' }]

/**
 * `zValidator` whose failures become the contract's errors: 400 for a query
 * string or a body that is not a JSON object (nor `{}`, unless `allowEmpty`),
 * 422 for a field.
 */
export const validate = <Target extends 'query' | 'json', Schema extends z.ZodType>(
  target: Target,
  schema: Schema,
  { allowEmpty = false } = {},
) =>
  answers(
    documented(
      zValidator(target, schema, (result) => {
        if (target === 'json' && !allowEmpty && isEmptyObject(result.data)) throw new ApiError(400, INVALID_JSON_BODY)
        if (!result.success) throw fromIssues(target, result.error.issues)
      }),
      target,
      schema,
    ),
    target === 'json' ? bodyAnswers(allowEmpty) : queryAnswers,
  )

/**
 * The route's path ids, as numbers. An id that is not a positive 32-bit
 * integer names nothing: it answers its resource's 404 (`notFound`, by
 * parameter) here and never reaches the database. The contract checks
 * existence after the body, so a route lists this after `jsonBody`.
 */
export function pathIds<Name extends string>(notFound: Record<Name, (raw: string) => ApiError>) {
  const names = Object.keys(notFound) as Name[]
  const schema = z.object(Object.fromEntries(names.map((name) => [name, pathId])) as Record<Name, typeof pathId>)
  const validator = zValidator('param', schema, (result, c) => {
    if (result.success) return
    const name = names.find((n) => result.error.issues.some((issue) => issue.path[0] === n)) ?? names[0]!
    throw notFound[name](c.req.param(name) ?? '')
  })
  // Each 404 documented with its message, as the contract words it.
  const described = names.map((name) => `\`${notFound[name](`{${name}}`).message}\``).join(' or ')
  return answers(documented(validator, 'param', schema), [{ status: 404, description: described }])
}

const isJson = (contentType: string | undefined) =>
  !!contentType && /^application\/([\w.-]+\+)?json$/i.test(contentType.split(';')[0]!.trim())

const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new ApiError(413, 'request body too large.')
  },
})

/**
 * A JSON object body, validated by `schema`. Before zod sees it: at most
 * 64 KiB (413), and a JSON Content-Type (400; hono's parser answers 400 for
 * malformed JSON). An `optional` body may also be absent altogether, and then
 * validates as `{}`.
 */
export function jsonBody<Schema extends z.ZodType, Optional extends boolean = false>(
  schema: Schema,
  options: { optional?: Optional } = {},
) {
  const optional = options.optional ?? false
  const validator = validate('json', schema, { allowEmpty: optional })
  const middleware = createMiddleware(async (c, next) =>
    limitBody(c, async () => {
      const contentType = c.req.header('Content-Type')
      const absent = optional && !contentType && (await c.req.text()) === ''
      if (!isJson(contentType) && !absent) throw new ApiError(400, INVALID_JSON_BODY)
      return validator(c, next)
    }),
  )
  // Typed as the validator, so handlers keep `c.req.valid('json')`'s inference
  // (and an optional body is one that hc<AppType> lets a client leave out).
  return answers(documentedBody(middleware, schema, { required: !optional }), [
    ...bodyAnswers(optional),
    { status: 413, description: `The body is over ${MAX_BODY_BYTES / 1024} KiB.` },
  ]) as unknown as Optional extends true ? WithOptionalJson<typeof validator> : typeof validator
}

/** A body validator's types with its input optional: the output (`c.req.valid('json')`) stays what the schema gives. */
type WithOptionalJson<V> =
  V extends MiddlewareHandler<infer E, infer P, { in: { json: infer In }; out: infer Out extends object }, infer R>
    ? MiddlewareHandler<E, P, { in: { json?: In }; out: Out }, R>
    : never
