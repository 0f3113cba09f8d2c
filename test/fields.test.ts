import { eq, getTableColumns } from 'drizzle-orm'
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type * as z from 'zod'
import { castingFields } from '../src/db/fields'
import { castings } from '../src/db/schema'
import type { DeclaredResource } from '../src/resources/declare'
import { castingSchema } from '../src/schemas/castings'
import { call, producer, withDb } from './helpers'
import { foreignKeysOf, registered } from './registry'
import { bodiesOf, valuesOf } from './values'

// src/db/fields.ts is the one list of a resource's fields. These tests fail
// while a column of a table, or a key of a response schema, is not in it, and
// while a field does not move the resource's ETag.

// Every registered resource (src/resources/index.ts), and castings.
const resources: [string, PgTable, Record<string, PgColumn>, z.ZodObject][] = [
  ...registered.map(({ many, table, fields, schema }): [string, PgTable, Record<string, PgColumn>, z.ZodObject] => [
    many,
    table,
    fields,
    schema,
  ]),
  ['castings', castings, castingFields, castingSchema],
]

describe('src/db/fields.ts', () => {
  it.each(resources)('lists every column of %s, by the name the API shows', (_, table, fields) => {
    const columns = getTableColumns(table)
    expect(Object.keys(fields).sort()).toEqual(Object.keys(columns).sort())
    for (const [name, column] of Object.entries(fields)) expect(column).toBe(columns[name])
  })

  it.each(resources)('is exactly what the response schema of %s documents', (_, _table, fields, schema) => {
    expect(Object.keys(schema.shape).sort()).toEqual(Object.keys(fields).sort())
  })
})

/** A row of `resource` written straight to the database: a valid create body (its foreign keys null), as stored. */
async function insertRow(resource: DeclaredResource) {
  const [body] = fc.sample(bodiesOf(resource.create), { seed: 1, numRuns: 1 })
  const values: Record<string, unknown> = resource.create.parse(body)
  for (const { field } of foreignKeysOf(resource)) values[field] = null
  const [row] = await withDb((db) => db.insert(resource.table).values(values).returning({ id: resource.fields.id! }))
  return { id: Number(row!.id), values }
}

/**
 * A valid value of `field` other than `current`, from its rule in the create
 * schema (test/values.ts); for a foreign key, the id of a row of the resource
 * it names. So every field of every registered resource gets its test, with
 * nothing to write for a new one.
 */
async function otherValue(resource: DeclaredResource, field: string, current: unknown) {
  const key = foreignKeysOf(resource).find((foreignKey) => foreignKey.field === field)
  if (key) return (await insertRow(key.parent)).id
  const rule = resource.create.shape[field] as z.ZodType | undefined
  if (!rule) throw new Error(`${resource.many}.${field} is not in its create schema: say here where a second value of it comes from`)
  const others = fc.sample(valuesOf(rule), { seed: 2, numRuns: 100 }).map((value) => rule.parse(value))
  const other = others.find((value) => value !== null && JSON.stringify(value) !== JSON.stringify(current))
  if (other === undefined) throw new Error(`no second value of ${resource.many}.${field} found`)
  return other
}

describe.each(registered.map((resource) => [resource.many, resource] as const))('the ETag of /%s/:id', (_, resource) => {
  const fields = Object.keys(resource.fields).filter((field) => field !== 'id')
  it.each(fields)('changes with %s alone, so a stale If-Match on it answers 412', async (field) => {
    const { id, values } = await insertRow(resource)
    const other = await otherValue(resource, field, values[field])
    const path = `/${resource.many}/${id}`
    const token = await producer()
    const before = (await call(path, { token })).headers.get('ETag')!
    await withDb((db) =>
      db
        .update(resource.table)
        .set({ [field]: other })
        .where(eq(resource.fields.id!, id)),
    )
    const after = await call(path, { token, headers: { 'If-None-Match': before } })
    expect(after.status, `${field} did not move the ETag`).toBe(200)
    expect(after.headers.get('ETag')).not.toBe(before)
    const stale = await call(path, { method: 'DELETE', token, headers: { 'If-Match': before } })
    expect(stale.status).toBe(412)
  })
})
