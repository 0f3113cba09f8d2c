import { and, gte, ilike, lte, type SQL } from 'drizzle-orm'
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core'
import * as z from 'zod'
import type { Permission } from '../auth/permissions.ts'
import type { Database } from '../db/client.ts'
import { type ApiError, notFoundIn } from '../errors.ts'
import { containing } from '../queries/listing.ts'
import { rowsReferencing } from '../queries/related.ts'
import { extended, listResponse, successSchema } from '../schemas/common.ts'
import { checkCursor, includeParam, type Paging, pagingParams, type Sort as Sorting, sortParam, textParam } from '../schemas/listing.ts'
import { capitalized } from '../words.ts'

// What a resource is, written once (its file in src/resources/), and what
// follows from it: the list's query string, the response schemas, the 404.
// The standard routes (src/routes/standard.ts), the statements shared by every
// resource (src/queries/) and the cross-cutting tests read these.

/** A query parameter that narrows a list, and the condition it adds to the statement. */
export type Filter<Schema extends z.ZodType = z.ZodType> = { schema: Schema; where(value: z.output<Schema>): SQL | undefined }

/** A filter, with `where` typed by what its schema outputs. */
export const filter = <Schema extends z.ZodType>(schema: Schema, where: (value: z.output<Schema>) => SQL | undefined): Filter<Schema> => ({
  schema,
  where,
})

/** `q`: the rows whose `column` contains this text, case-insensitively; `Rows` words them in the document (`Actors`). */
export const search = (column: PgColumn, max: number, Rows: string) =>
  filter(
    textParam('q', max).meta({
      description: `${Rows} whose ${column.name} contains this, case-insensitively (\`%\` and \`_\` are plain characters); at most ${max} characters. Empty matches every ${Rows.toLowerCase().slice(0, -1)}.`,
    }),
    (q) => ilike(column, containing(q)),
  )

/** Two filters, `low` and `high`: the rows whose `column` is at least and at most their value, each described as given. */
export function bounds<Low extends string, High extends string, Schema extends z.ZodType>(
  column: PgColumn,
  param: (name: string) => Schema,
  [low, lowDescription]: [Low, string],
  [high, highDescription]: [High, string],
) {
  return {
    [low]: filter(param(low).meta({ description: lowDescription }), (value) => gte(column, value)),
    [high]: filter(param(high).meta({ description: highDescription }), (value) => lte(column, value)),
  } as Record<Low | High, Filter<Schema>>
}

/**
 * A related list: the route that lists it for one row (`GET /actors/:id/movies`,
 * `operationId` naming it), and `include=<name>`, which embeds it in each row
 * a read answers, built by the same statement (API.md C1).
 */
export type Include<Name extends string = string, Items extends z.ZodObject = z.ZodObject> = {
  name: Name
  operationId: string
  /** The route's tag in the document; the resource's own unless said (`Castings`). */
  tag?: string
  summary: string
  /** What the list holds, in which order. */
  description: string
  /** An item of the list, as the document shows it. */
  items: Items
  /** The list for one row, or undefined if there is no such row. */
  list: (db: Database, id: number) => Promise<unknown[] | undefined>
  /** The embedded field of a statement that reads this resource; none without `include`. */
  embed(include: Name | undefined): Record<string, SQL>
}

/**
 * An `include` of the rows of another resource (`related`) whose foreign key
 * `key` holds this resource's id (`owner`, its id column): for agents,
 * `referencing(actorResource, actors.agent_id, agents.id)` is
 * `GET /agents/:id/actors` and `include=actors`. Its route's name and words follow.
 */
export const referencing = <const Many extends string, Items extends z.ZodObject>(
  related: { many: Many; schema: Items; fields: Record<string, PgColumn> & { id: PgColumn } },
  key: PgColumn,
  owner: PgColumn,
) => ({ name: related.many, items: related.schema, ...rowsReferencing(related.many, related.fields, key, owner) })

export type Declaration<
  One extends string,
  Many extends string,
  Schema extends z.ZodObject,
  Filters extends Record<string, Filter>,
  Sort extends string,
  IncludeName extends string,
  Items extends z.ZodObject = z.ZodObject,
  Create extends z.ZodObject = z.ZodObject,
  Update extends z.ZodObject = z.ZodObject,
> = {
  /** The JSON key of one (`actor`) and of many (`actors`), which is also its path. */
  one: One
  many: Many
  /** Whose (`their`, `its`), as the document words it. */
  their: string
  table: PgTable
  /** What the API shows of a row, named once (src/db/fields.ts): selected, hashed for the ETag, written by creates. */
  fields: Record<string, PgColumn> & { id: PgColumn }
  /** A row as the API shows it; and the bodies of a create (each item of a bulk one too) and of a PATCH. */
  schema: Schema
  create: Create
  update: Update
  filters: Filters
  sorts: readonly [Sort, ...Sort[]]
  include: Include<IncludeName, Items>
  permissions: { read: Permission; create: Permission; edit: Permission; delete: Permission }
  /**
   * Valid data, for the tests that walk every resource (the permission
   * matrix, the fuzzer, the contract run): the `n`th of as many distinct
   * creates as a test needs (distinct in any unique field); a PATCH that
   * changes a row created with any of them; and a PATCH that fails
   * validation (422).
   */
  examples: { create: (n: number) => z.input<Create>; update: z.input<Update>; invalid: Partial<Record<keyof z.input<Update>, unknown>> }
}

/** `{ [key]: value }`, typed with the key's name. */
const keyed = <Key extends string, Value extends z.ZodType>(key: Key, value: Value) => ({ [key]: value }) as Record<Key, Value>

/** A resource as declared, with what follows from its declaration. */
export function declareResource<
  const One extends string,
  const Many extends string,
  Schema extends z.ZodObject,
  Filters extends Record<string, Filter>,
  const Sort extends string,
  const IncludeName extends string,
  Items extends z.ZodObject,
  Create extends z.ZodObject,
  Update extends z.ZodObject,
>(declaration: Declaration<One, Many, Schema, Filters, Sort, IncludeName, Items, Create, Update>) {
  const { one, many, schema, filters, sorts, include } = declaration
  const Name = capitalized(one)
  const filterParams = Object.fromEntries(Object.entries(filters).map(([name, { schema }]) => [name, schema.optional()])) as {
    [Name in keyof Filters]: z.ZodOptional<Filters[Name]['schema']>
  }
  const includeOf = () => includeParam([include.name]).optional()
  const listQuery = z
    .object({ ...filterParams, sort: sortParam(sorts).optional(), include: includeOf(), ...pagingParams })
    .superRefine((query, ctx) => checkCursor(query as Paging & { sort?: Sorting; include?: string }, ctx))
  const embedded = z
    .array(include.items)
    .optional()
    .meta({ description: `With \`include=${include.name}\`: ${include.description}` })
  const withInclude = extended(schema, keyed(include.name, embedded))
  const id = z.int32().positive()
  return {
    ...declaration,
    /** As a message names it (`Actor with id 5 exists.`), and with its article (`an actor`), as the document words it. */
    Name,
    a: `${/^[aeiou]/.test(one) ? 'an' : 'a'} ${one}`,
    /** The id's name in events and castings (`actor_id`). */
    key: `${one}_id` as `${One}_id`,
    /** Its operations' tag in the document (`Actors`). */
    tag: capitalized(many),
    notFound: (id: string | number) => notFoundIn(Name, id),
    /** The conditions of the filters a list's query string names. */
    where: (query: Record<string, unknown>) =>
      and(...Object.entries(filters).map(([name, { where }]) => (query[name] === undefined ? undefined : where(query[name])))),
    listQuery,
    getQuery: z.object({ include: includeOf() }),
    responses: {
      list: listResponse(successSchema.extend(keyed(many, z.array(withInclude)))),
      one: successSchema.extend(keyed(one, withInclude)),
      created: successSchema.extend({ created: id, ...keyed(one, schema) }),
      /** A bulk create: ids and rows in input order. */
      bulkCreated: successSchema.extend({ created: z.array(id), ...keyed(many, z.array(schema)) }),
      related: successSchema.extend({ ...keyed(`${one}_id`, id), ...keyed(include.name, z.array(include.items)) }),
      updated: successSchema.extend({ updated: id, ...keyed(one, z.array(schema).length(1)) }),
      restored: successSchema.extend({
        restored: id,
        ...keyed(one, schema),
        castings_restored: z.int().min(0).meta({ description: 'How many of the castings its delete removed came back.' }),
      }),
    },
  }
}

type Responses = 'list' | 'one' | 'created' | 'bulkCreated' | 'updated' | 'restored' | 'related'

/** Any declared resource, as the code shared by all of them sees one. */
export type DeclaredResource = Declaration<string, string, z.ZodObject, Record<string, Filter>, string, string> & {
  Name: string
  a: string
  key: string
  tag: string
  notFound: (id: string | number) => ApiError
  where: (query: Record<string, unknown>) => SQL | undefined
  listQuery: z.ZodType
  getQuery: z.ZodType
  responses: Record<Responses, z.ZodType>
}
