import { eq, getTableColumns } from 'drizzle-orm'
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core'
import { describe, expect, it } from 'vitest'
import type * as z from 'zod'
import { type actorFields, castingFields, type movieFields } from '../src/db/fields'
import { actors, castings, movies } from '../src/db/schema'
import { castingSchema } from '../src/schemas/castings'
import { call, insertActors, insertMovies, producer, withDb } from './helpers'
import { registered } from './registry'

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

// A second value for every field but the id; typed from the list, so a new field without one does not compile.
const otherActorValues = { name: 'Grace', age: 41, gender: 'Female' } satisfies Record<Exclude<keyof typeof actorFields, 'id'>, unknown>
const otherMovieValues = { title: 'Orlando', release_date: '1992-09-01' } satisfies Record<Exclude<keyof typeof movieFields, 'id'>, unknown>

describe.each([
  {
    path: '/actors/1',
    arrange: () => insertActors([{ name: 'Ada', age: 30, gender: 'Male' }]),
    change: (field: string, value: unknown) =>
      withDb((db) =>
        db
          .update(actors)
          .set({ [field]: value })
          .where(eq(actors.id, 1)),
      ),
    others: otherActorValues,
  },
  {
    path: '/movies/1',
    arrange: () => insertMovies([{ title: 'Fargo', release_date: '1996-03-08' }]),
    change: (field: string, value: unknown) =>
      withDb((db) =>
        db
          .update(movies)
          .set({ [field]: value })
          .where(eq(movies.id, 1)),
      ),
    others: otherMovieValues,
  },
])('the ETag of $path', ({ path, arrange, change, others }) => {
  it.each(Object.entries(others))('changes with %s alone, so a stale If-Match on it answers 412', async (field, value) => {
    await arrange()
    const token = await producer()
    const before = (await call(path, { token })).headers.get('ETag')!
    await change(field, value)
    const after = await call(path, { token, headers: { 'If-None-Match': before } })
    expect(after.status, `${field} did not move the ETag`).toBe(200)
    expect(after.headers.get('ETag')).not.toBe(before)
    const stale = await call(path, { method: 'DELETE', token, headers: { 'If-Match': before } })
    expect(stale.status).toBe(412)
  })
})
