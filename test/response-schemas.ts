// Every 2xx JSON body the suite receives through `call`/`callJson` is checked
// here against the response schema /openapi.json documents for its route and
// status: every key of the body documented, every required key present, at
// every depth. A field a route returns but the document lacks fails the test
// that received it, naming the route, the status and the key.

type Schema = {
  $ref?: string
  type?: string | string[]
  const?: unknown
  enum?: unknown[]
  properties?: Record<string, Schema>
  required?: string[]
  items?: Schema
  anyOf?: Schema[]
  oneOf?: Schema[]
  allOf?: Schema[]
}
type Operation = { responses?: Record<string, { content?: Record<string, { schema?: Schema }> }> }
export type Document = { paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, Schema> } }

/** Bodies that describe the API rather than answer it: the document itself. */
const UNDESCRIBED = new Set(['GET /openapi.json'])

const typeOf = (value: unknown) => {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (Number.isInteger(value)) return 'integer'
  return typeof value
}

const hasType = (value: unknown, type: string) => {
  const actual = typeOf(value)
  return actual === type || (type === 'number' && actual === 'integer')
}

/** What is wrong with `value` as `schema` describes it, one sentence per problem, each starting with where. */
export function schemaProblems(schema: Schema, value: unknown, document: Document, where = 'body'): string[] {
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '')
    const target = document.components?.schemas?.[name]
    return target ? schemaProblems(target, value, document, where) : [`${where}: refers to ${schema.$ref}, which is not in the document`]
  }
  const problems = (schema.allOf ?? []).flatMap((part) => schemaProblems(part, value, document, where))
  const branches = schema.anyOf ?? schema.oneOf
  if (branches) {
    // The branch that fits best speaks for all of them.
    const each = branches.map((branch) => schemaProblems(branch, value, document, where))
    if (!each.some((list) => list.length === 0)) problems.push(...each.reduce((a, b) => (b.length < a.length ? b : a)))
  }
  const types = schema.type === undefined ? [] : [schema.type].flat()
  if (types.length > 0 && !types.some((type) => hasType(value, type))) {
    return [...problems, `${where}: is ${typeOf(value)}, documented as ${types.join(' or ')}`]
  }
  if ('const' in schema && value !== schema.const)
    problems.push(`${where}: is ${JSON.stringify(value)}, documented as ${JSON.stringify(schema.const)}`)
  if (schema.enum && !schema.enum.includes(value))
    problems.push(`${where}: is ${JSON.stringify(value)}, not one of ${JSON.stringify(schema.enum)}`)
  if (typeOf(value) === 'object' && (schema.properties || types.includes('object'))) {
    const properties = schema.properties ?? {}
    const body = value as Record<string, unknown>
    for (const key of Object.keys(body)) {
      const property = properties[key]
      if (!property) problems.push(`${where}.${key}: not documented`)
      else problems.push(...schemaProblems(property, body[key], document, `${where}.${key}`))
    }
    for (const key of schema.required ?? []) if (!(key in body)) problems.push(`${where}.${key}: documented as required, missing`)
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, index) => {
      problems.push(...schemaProblems(schema.items as Schema, item, document, `${where}[${index}]`))
    })
  }
  return problems
}

/** The documented operation a request reached: the path template that fits, the one with most fixed segments first. */
function operationFor(document: Document, method: string, pathname: string) {
  const segments = pathname.split('/')
  const candidates = Object.entries(document.paths)
    .map(([template, operations]) => ({ template, operation: operations[method.toLowerCase()], parts: template.split('/') }))
    .filter(
      ({ operation, parts }) =>
        operation && parts.length === segments.length && parts.every((part, i) => part.startsWith('{') || part === segments[i]),
    )
    .sort((a, b) => b.parts.filter((p) => !p.startsWith('{')).length - a.parts.filter((p) => !p.startsWith('{')).length)
  return candidates[0]
}

/**
 * The problems of a 2xx JSON body against its route's documented response,
 * each naming the route, the status and the key; none when it is as documented.
 */
export function responseProblems(document: Document, method: string, url: string, status: number, body: unknown): string[] {
  const { pathname } = new URL(url)
  const found = operationFor(document, method, pathname)
  if (!found) return [`${method} ${pathname} ${status}: no such operation in /openapi.json`]
  const route = `${method} ${found.template} ${status}`
  if (UNDESCRIBED.has(`${method} ${found.template}`)) return []
  const schema = found.operation?.responses?.[status]?.content?.['application/json']?.schema
  if (!schema) return [`${route}: answered a JSON body, but /openapi.json documents no JSON body for this status`]
  return schemaProblems(schema, body, document).map((problem) => `${route}: ${problem}`)
}
