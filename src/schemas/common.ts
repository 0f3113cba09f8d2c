import * as z from 'zod'
import { MAX_ID, MAX_PER_PAGE } from './limits.ts'

/** A canonical positive 32-bit integer, or undefined for anything else. */
function toId(raw: string): number | undefined {
  if (!/^[1-9]\d{0,9}$/.test(raw)) return undefined
  const id = Number(raw)
  return id <= MAX_ID ? id : undefined
}

/**
 * Text that `schema` reads as a number: digits that `parse` accepts become the
 * number, anything else stays text and fails `schema`'s type check. A
 * preprocess, not a transform, so that JSON Schema (and so /openapi.json and a
 * client generated from it) shows what the text stands for: zod renders a
 * preprocess by its output, here an integer with its bounds. OpenAPI says how
 * an integer travels in a path or a query string: as its decimal digits.
 */
const numberFromText = <Schema extends z.ZodType>(parse: (raw: string) => number | undefined, schema: Schema) =>
  z.preprocess((raw) => (typeof raw === 'string' ? (parse(raw) ?? raw) : raw), schema)

/**
 * A path id, as a number. One that is not a positive 32-bit integer is not an
 * error of syntax: it names nothing, so it fails here and `pathIds` answers the
 * resource's 404 with the raw text; the value never reaches the database.
 */
export const pathId = numberFromText(toId, z.int().min(1).max(MAX_ID)).meta({
  description: 'A positive 32-bit integer, in canonical form; any other value (`0`, `01`, `abc`) names nothing, and answers 404.',
  example: 1,
})

/** Postgres text cannot hold NUL; refused here, it never becomes a 500 there. */
export const withoutNul = (name: string) =>
  [(text: string) => !text.includes('\u0000'), { error: `${name} must not contain a NUL character.` }] as const

/** A lone UTF-16 surrogate (`"\ud800"` in JSON) is no character at all: refused, never stored changed (API.md D5). */
export const wellFormed = (name: string) =>
  // With `u`, a pair is one code point; only a lone surrogate is of the category Cs.
  [(text: string) => !/\p{Cs}/u.test(text), { error: `${name} must not contain a lone UTF-16 surrogate.` }] as const

/**
 * A text field of 1 to `max` characters after trimming; every other value
 * answers `rule`. A `required` one that is missing, null or blank was not
 * provided, as the original said: `no <name> provided.`.
 */
export function textField(name: string, max: number, { required }: { required: boolean }) {
  const rule = `${name} must be a string of 1 to ${max} characters.`
  const missing = required ? `no ${name} provided.` : rule
  return z
    .string({ error: (issue) => (issue.input == null ? missing : rule) })
    .trim()
    .min(1, { error: missing })
    .max(max, { error: rule })
    .refine(...withoutNul(name))
    .refine(...wellFormed(name))
}

/** A query parameter holding a whole number of at most `digits` digits, from `min` to `max`; every failure answers `error`. */
export const integerParam = (error: string, min: number, max: number, digits = 10) => {
  const plainDigits = new RegExp(`^\\d{1,${digits}}$`)
  return numberFromText(
    (raw) => (plainDigits.test(raw) ? Number(raw) : undefined),
    z.int({ error }).min(min, { error }).max(max, { error }),
  )
}

/** A query parameter holding a positive integer, with the contract's 400 message. */
export const positiveIntParam = (name: string) => integerParam(`${name} must be a positive integer.`, 1, MAX_ID)

export const successSchema = z.object({ success: z.literal(true) })

/** The error envelope of API.md section 2; named for what it is (a generated client's `Error` would shadow JavaScript's). */
export const errorSchema = z
  .object({
    success: z.literal(false),
    error: z.int().min(400).max(599).meta({ description: 'The HTTP status.' }),
    message: z.string().meta({ description: 'A sentence for people; the exact strings are part of the contract.' }),
  })
  .meta({ id: 'ErrorEnvelope' })

/** `base.extend(added)`, typed: zod types `extend` on a type parameter as on its constraint, which has no fields. */
export const extended = <Base extends z.ZodObject, Added extends z.ZodRawShape>(base: Base, added: Added) =>
  base.extend(added) as unknown as z.ZodObject<Base['shape'] & Added>

/** A plain page (`page`, or neither `page` nor `after`): its number, and the exact count of the matches. */
const numberedPageSchema = z.object({
  page: z.int().positive().meta({ description: 'The page number.' }),
  per_page: z.int().min(1).max(MAX_PER_PAGE),
  total: z.int().min(0).meta({ description: 'How many rows match the filters, on all pages.' }),
})

/** A cursor page (`after`): the next cursor, and no `total`, which would cost what reading every match does (API.md C7). */
const cursorPageSchema = z.object({
  per_page: z.int().min(1).max(MAX_PER_PAGE),
  next_after: z.int32().positive().nullable().meta({ description: 'The cursor of the next page, or null at the end.' }),
})

/**
 * A list response: `rows` (the envelope and the list) with the fields of a
 * plain page, or of a cursor page; strict, so the document says that a cursor
 * page has no `total` and a plain page no `next_after`.
 */
export const listResponse = <Rows extends z.ZodObject>(rows: Rows) =>
  z.xor([
    extended(rows, numberedPageSchema.shape).strict().meta({ description: 'A plain page, with the count of every match.' }),
    extended(rows, cursorPageSchema.shape).strict().meta({ description: 'A page read with `after`: the next cursor, and no `total`.' }),
  ])

export const deletedSchema = successSchema.extend({ deleted: z.int32().positive() })
