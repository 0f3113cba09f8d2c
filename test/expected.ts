import { getTableColumns } from 'drizzle-orm'
import type { PgTable } from 'drizzle-orm/pg-core'
import type * as z from 'zod'
import { actors, EVENT_KEYS, movies } from '../src/db/schema'
import { actorSchema } from '../src/schemas/actors'
import { castingSchema, castMemberSchema, filmographyEntrySchema } from '../src/schemas/castings'
import { movieSchema } from '../src/schemas/movies'

// Expected bodies, completed from what the code declares, so that a field
// added since (an optional `actors.agent_id`) or a new resource's key in
// events (`agent_id`) needs no edit to a test that spells a row out. Only
// field *lists* come from the declarations (a response schema, EVENT_KEYS);
// every value a test checks is still its own, and a field it does not name
// must be null: a nullable field the test does not speak about is left unset,
// and a non-nullable one the test forgot still fails its toEqual.

type EventKey = (typeof EVENT_KEYS)[number]

/** The keys of `schema` whose field takes null (as the document says: `agent_id`), each null. */
const nulls = (schema: z.ZodObject) =>
  Object.fromEntries(
    Object.keys(schema.shape).flatMap((key) => ((schema.shape[key] as z.ZodType).safeParse(null).success ? [[key, null]] : [])),
  )

/** A row of `schema` as a test spells it, with every nullable field it does not name as null. */
export const rowOf =
  (schema: z.ZodObject) =>
  <Values extends Record<string, unknown>>(values: Values): Values & Record<string, unknown> => ({ ...nulls(schema), ...values })

/** An actor as the API shows one: `values`, and null for each nullable field they do not name. */
export const actorRow = rowOf(actorSchema)
/** A movie as the API shows one: `values`, and null for each nullable field they do not name. */
export const movieRow = rowOf(movieSchema)

/** An actor in a movie's cast (an actor and their fee), `values` and null for each nullable field they do not name. */
export const castMemberRow = rowOf(castMemberSchema)
/** A movie in an actor's filmography (a movie and the fee), `values` and null for each nullable field they do not name. */
export const filmographyRow = rowOf(filmographyEntrySchema)

/** A casting (a movie, an actor, a fee), `values` and null for each nullable field they do not name. */
export const castingRow = rowOf(castingSchema)

/** A row of `table` as stored, as a test spells it, with every nullable column it does not name as null. */
export const storedOf =
  (table: PgTable) =>
  <Values extends Record<string, unknown>>(values: Values): Values & Record<string, unknown> => ({
    ...Object.fromEntries(Object.entries(getTableColumns(table)).flatMap(([key, column]) => (column.notNull ? [] : [[key, null]]))),
    ...values,
  })

/** An actor as the table stores it (`select().from(actors)`): `values`, and null for each nullable column they do not name. */
export const storedActor = storedOf(actors)
/** A movie as the table stores it: `values`, and null for each nullable column they do not name. */
export const storedMovie = storedOf(movies)

/** The resource keys an event carries (one per resource, EVENT_KEYS), null but those given: `{ actor_id: 1 }`. */
export const eventKeys = (keys: Partial<Record<EventKey, number>>) => ({
  ...(Object.fromEntries(EVENT_KEYS.map((key) => [key, null])) as Record<EventKey, number | null>),
  ...keys,
})

/** The fields of a row of `schema` in the order the API writes them (a CSV header): the keys it declares. */
export const columnsOf = (schema: z.ZodObject) => Object.keys(schema.shape)

/**
 * A CSV export of rows of `schema` (CRLF): a header of its fields, then a line
 * per row, each cell as the test spells it (already quoted where CSV quotes
 * it), and an empty cell for a field the row does not name, which only a
 * nullable field may be.
 */
export const csvOf =
  (schema: z.ZodObject) =>
  (rows: readonly Record<string, string | number>[]): string => {
    const columns = columnsOf(schema)
    const nullable = Object.keys(nulls(schema))
    const cell = (row: Record<string, string | number>, column: string) => {
      if (column in row) return String(row[column])
      if (!nullable.includes(column)) throw new Error(`csvOf: a row without ${column}, which is not nullable`)
      return ''
    }
    return [columns.join(','), ...rows.map((row) => columns.map((column) => cell(row, column)).join(','))]
      .map((line) => `${line}\r\n`)
      .join('')
  }

/** The CSV export of actors (`id,name,age,gender…`). */
export const actorsCsv = csvOf(actorSchema)
