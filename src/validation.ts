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

/** The index of the list item an issue is in (`[3, 'age']`, `['cast', 3, 'fee']`), or -1 outside any list. */
const itemOf = (issue: Issue) => (issue.path.find((key) => typeof key === 'number') as number | undefined) ?? -1

/**
 * The first problem, as the contract words it: in the first item that has one
 * (API.md C2), unknown fields first (the client is speaking another schema),
 * then fields in the schema's order, which is the order zod reports them in.
 */
function firstIssue(issues: readonly Issue[]): Issue {
  const item = Math.min(...issues.map(itemOf))
  const own = issues.filter((issue) => itemOf(issue) === item)
  return own.find((issue) => issue.code === 'unrecognized_keys') ?? (own[0] as Issue)
}

function fromIssues(target: keyof ValidationTargets, issues: readonly Issue[]): ApiError {
  const issue = firstIssue(issues)
  if (target !== 'json') return new ApiError(400, issue.message) // query strings: a syntax error
  if (issue.path.length === 0 && issue.code !== 'unrecognized_keys') return new ApiError(400, INVALID_JSON_BODY) // not a JSON object
  const item = itemOf(issue)
  // An item that is itself of the wrong type is not an object at all.
  const message =
    issue.code === 'unrecognized_keys'
      ? `unexpected field: ${issue.keys[0]}.`
      : issue.code === 'invalid_type' && issue.path.at(-1) === item
        ? 'must be a JSON object.'
        : issue.message
  return new ApiError(422, item === -1 ? message : `item ${item}: ${message}`)
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

type Explain = (value: unknown) => readonly Issue[] | undefined

/**
 * `zValidator` whose failures become the contract's errors: 400 for a query
 * string or a body that is not a JSON object (nor `{}`, unless `allowEmpty`),
 * 422 for a field. `explain` finds the issues to report in a value that
 * failed, when the schema's own (a union's) would not say which field.
 */
export const validate = <Target extends 'query' | 'json', Schema extends z.ZodType>(
  target: Target,
  schema: Schema,
  { allowEmpty = false, explain }: { allowEmpty?: boolean; explain?: Explain } = {},
  answered: Answer[] = target === 'json' ? bodyAnswers(allowEmpty) : queryAnswers,
) =>
  answers(
    documented(
      zValidator(target, schema, (result) => {
        if (target === 'json' && !allowEmpty && isEmptyObject(result.data)) throw new ApiError(400, INVALID_JSON_BODY)
        if (!result.success) throw fromIssues(target, explain?.(result.data) ?? result.error.issues)
      }),
      target,
      schema,
    ),
    answered,
  )

/** A middleware whose input a client may leave out altogether (`hc`'s `query`). */
type Omittable<M> =
  M extends MiddlewareHandler<infer E, infer P, infer I extends { in?: object; out?: object }>
    ? MiddlewareHandler<E, P, { in: Partial<I['in']>; out: I['out'] }>
    : never

/**
 * A query string of optional parameters only (`include` on a single
 * resource): as `validate('query')`, and a typed client need not send a
 * `query` at all, so a route that took none before keeps its call.
 */
export const optionalQuery = <Schema extends z.ZodType>(schema: Schema) =>
  validate('query', schema) as unknown as Omittable<ReturnType<typeof validate<'query', Schema>>>

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

/** The 64 KiB bound (413) and a JSON Content-Type (400) around a body validator; hono's parser answers 400 for malformed JSON. */
function bodyMiddleware<Validator extends MiddlewareHandler>(
  validator: Validator,
  schema: z.ZodType,
  optional: boolean,
  answered: Answer[],
) {
  const middleware = createMiddleware(async (c, next) =>
    limitBody(c, async () => {
      const contentType = c.req.header('Content-Type')
      const absent = optional && !contentType && (await c.req.text()) === ''
      if (!isJson(contentType) && !absent) throw new ApiError(400, INVALID_JSON_BODY)
      await validator(c, next)
    }),
  )
  // Typed as the validator, so handlers keep `c.req.valid('json')`'s inference.
  return answers(documentedBody(middleware, schema, { required: !optional }), [
    ...answered,
    { status: 413, description: `The body is over ${MAX_BODY_BYTES / 1024} KiB.` },
  ]) as unknown as Validator
}

/**
 * A JSON object body, validated by `schema`. Before zod sees it: at most
 * 64 KiB (413), and a JSON Content-Type (400). An `optional` body may also be
 * absent altogether, and then validates as `{}` (and hc<AppType> lets a client
 * leave it out).
 */
export function jsonBody<Schema extends z.ZodType, Optional extends boolean = false>(
  schema: Schema,
  options: { optional?: Optional } = {},
) {
  const optional = options.optional ?? false
  const validator = validate('json', schema, { allowEmpty: optional })
  return bodyMiddleware(validator, schema, optional, bodyAnswers(optional)) as unknown as Optional extends true
    ? WithOptionalJson<typeof validator>
    : typeof validator
}
/** API.md C2: the most items one bulk create may hold. */
export const MAX_BULK_ITEMS = 100
const TOO_MANY_ITEMS = `at most ${MAX_BULK_ITEMS} items per request.`

/** One object of `schema`, or a JSON array of 1 to 100 of them: exactly one of the two (`oneOf` in the document). */
export const oneOrMany = <Schema extends z.ZodType>(schema: Schema) => z.xor([schema, z.array(schema).min(1).max(MAX_BULK_ITEMS)])

/**
 * As `jsonBody`, and also a JSON array of 1 to 100 such objects, a bulk
 * create (API.md C2): `[]` answers 400, more than 100 items 422, and a problem
 * in an item 422 with its index (`item 3: no name provided.`), the first item
 * that has one. `c.req.valid('json')` is the object or the array.
 */
export function jsonBodies<Schema extends z.ZodType>(schema: Schema) {
  const bodies = oneOrMany(schema)
  const items = z.array(schema)
  // The union's issues would not name the field: the issues of the branch the value is in.
  const explain = (value: unknown) => {
    if (!Array.isArray(value)) return schema.safeParse(value).error?.issues
    if (value.length === 0) throw new ApiError(400, INVALID_JSON_BODY)
    if (value.length > MAX_BULK_ITEMS) throw new ApiError(422, TOO_MANY_ITEMS)
    return items.safeParse(value).error?.issues
  }
  const answered: Answer[] = [
    {
      status: 400,
      description: 'The body is missing, not a JSON object nor an array of them, `{}`, `[]`, or its `Content-Type` is not JSON.',
    },
    {
      status: 422,
      description: `A field is missing, invalid or unknown (in an array: \`item <i>: \` and the first item's problem), or the array has over ${MAX_BULK_ITEMS} items (\`${TOO_MANY_ITEMS}\`).`,
    },
  ]
  return bodyMiddleware(validate('json', bodies, { explain }, answered), bodies, false, answered)
}

/** A body validator's types with its input optional: the output (`c.req.valid('json')`) stays what the schema gives. */
type WithOptionalJson<V> =
  V extends MiddlewareHandler<infer E, infer P, { in: { json: infer In }; out: infer Out extends object }, infer R>
    ? MiddlewareHandler<E, P, { in: { json?: In }; out: Out }, R>
    : never
